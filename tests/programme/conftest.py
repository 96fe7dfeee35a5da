import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from actions.models import Finding, FindingKind, Inspection, Status
from kpis.models import KpiValue
from programme.models import RootCause, Workstream, WorkstreamAction
from tests.factories import ActionFactory, PlanFactory, UserFactory
from tests.kpis.factories import KpiFactory

# Thursday 26 November 2026, 10:00 UK time.
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def people(db):
    return {
        "pmo": UserFactory(username="pmo", roles=["PMO"]),
        "exec": UserFactory(username="exec", roles=["Executive lead"]),
        "ws_lead": UserFactory(username="wslead", roles=["Action lead"]),
        "owner": UserFactory(username="rcowner", roles=["Action lead"]),
        "board": UserFactory(username="board", roles=["Board member"]),
        "reviewer": UserFactory(username="reviewer", roles=["Assurance reviewer"]),
        "outsider": UserFactory(username="outsider", roles=["Action lead"]),
    }


@pytest.fixture
def programme(people):
    """A plan with one workstream (executive, lead, 5 actions, a KPI) and a root cause."""
    inspection = Inspection.objects.create(provider="Example NHS Trust")
    plan = PlanFactory(name="Quality improvement plan", inspection=inspection)
    finding = Finding.objects.create(
        inspection=inspection, ref="M1", kind=FindingKind.MUST, text="Staff must be trained."
    )
    ws = Workstream.objects.create(
        plan=plan,
        name="Women's and Children's",
        executive=people["exec"],
        lead=people["ws_lead"],
        cadence="fortnightly",
        position=1,
    )
    actions = []
    specs = [
        ("WC1", Status.BLUE, dt.date(2026, 9, 30)),
        ("WC2", Status.BLUE, dt.date(2026, 10, 31)),
        ("WC3", Status.RED, dt.date(2026, 10, 31)),
        ("WC4", Status.GREEN, dt.date(2026, 11, 20)),
        ("WC5", Status.GREEN, dt.date(2027, 3, 31)),
    ]
    for ref, status, end in specs:
        action = ActionFactory(plan=plan, ref=ref, status=status, end_date=end)
        WorkstreamAction.objects.create(workstream=ws, action=action)
        actions.append(action)
    kpi = KpiFactory(plan=plan, name="Children streamed within 15 minutes", target=95)
    for month, value in enumerate([60, 62, 58, 61, 59, 63, 60, 64, 70, 72, 75], start=1):
        KpiValue.objects.create(
            kpi=kpi, date=dt.date(2026, month, 20), value=value, entered_at=timezone.now()
        )
    ws.kpis.add(kpi)
    rc = RootCause.objects.create(
        plan=plan,
        finding=finding,
        ref="M1.1",
        description="Training records are not kept centrally.",
        owner=people["owner"],
        workstream=ws,
        due_date=dt.date(2026, 10, 31),
        kpi=kpi,
    )
    rc.actions.set(actions[:2])
    return {"plan": plan, "ws": ws, "finding": finding, "rc": rc, "kpi": kpi, "actions": actions}
