import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import UserFactory

from .factories import KpiFactory

# Monday 23 Nov 2026, 10:00 in London: "today" for every KPI test.
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def owner(db):
    return UserFactory(username="kpiowner", roles=["Action lead"])


@pytest.fixture
def kpi(plan, owner):
    return KpiFactory(plan=plan, name="ED children streamed within 15 minutes", owner=owner)


@pytest.fixture
def exec_lead(db):
    return UserFactory(username="exec", roles=["Executive lead"])


@pytest.fixture
def monthly_values():
    """Eleven monthly values, January to November 2026, of a KPI that rises at the end."""
    values = [60, 62, 58, 61, 59, 63, 60, 64, 70, 72, 75]
    return [(dt.date(2026, m, 20), v) for m, v in zip(range(1, 12), values, strict=True)]
