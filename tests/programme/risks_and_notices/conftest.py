import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from actions.models import Finding, FindingKind
from tests.factories import InspectionFactory, UserFactory

# Monday 23 Nov 2026, 10:00 in London: "today" for every programme test here.
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def readers(db):
    return {
        "pmo": UserFactory(username="pmo", roles=["PMO"]),
        "exec": UserFactory(username="exec", roles=["Executive lead"]),
        "reviewer": UserFactory(username="reviewer", roles=["Assurance reviewer"]),
        "board": UserFactory(username="board", roles=["Board member"]),
    }


@pytest.fixture
def inspected_plan(plan):
    plan.inspection = InspectionFactory()
    plan.save()
    return plan


@pytest.fixture
def finding(inspected_plan):
    return Finding.objects.create(
        inspection=inspected_plan.inspection,
        ref="M4",
        kind=FindingKind.SECTION_31,
        text="Staff must complete CTG training.",
    )
