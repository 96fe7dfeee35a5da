"""The programme around a bench plan: workstreams, KPIs with two years of values, root causes.

``bench/board_report.py --programme`` measures the board report on a 2,000-action plan
that has them: 8 workstreams (improvement steering groups, seed 004; Well-led monthly, the
rest fortnightly), each with an accountable executive and the actions of its departments;
150 KPIs with 24 monthly values each, every one linked to a workstream (some with a target,
some with a shift or a trend); 120 root causes, each unpacking a finding into that
finding's actions in one workstream, with its own KPI.

Written with ``bulk_create``, as ``bench/generate.py`` writes the rest: it is generated
data, not a pattern for the product. The report reads what exists: today none of this is
in it; once the report has per-workstream pages, the same run measures them.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

WORKSTREAMS = [
    "Women's and Children's",
    "Unscheduled Care",
    "Scheduled Care",
    "Workforce",
    "Well-led",
    "Diagnostics and Imaging",
    "Medicines Management",
    "Estates and Environment",
]
KPIS = 150
MONTHS = 24
ROOT_CAUSES = 120
SEED = 4
KPI_NAMES = [
    ("Patients assessed within 15 minutes of arrival", "%"),
    ("Falls with harm per 1,000 bed days", ""),
    ("Staff with up-to-date mandatory training", "%"),
    ("Serious incidents reviewed within 60 days", "%"),
    ("Medicines reconciled within 24 hours", "%"),
    ("Complaints answered within 25 working days", "%"),
    ("Unfilled nursing shifts", "shifts"),
    ("Checklists fully completed", "%"),
]


def _month_ends(today: dt.date, count: int) -> list[dt.date]:
    day = today.replace(day=1) - dt.timedelta(days=1)
    ends = []
    for _ in range(count):
        ends.append(day)
        day = day.replace(day=1) - dt.timedelta(days=1)
    return list(reversed(ends))


def _series(rng: random.Random, n: int) -> tuple[list[float], str, float | None]:
    """Values with common cause only, a shift or a trend at the end; the direction; a target."""
    base, step = rng.uniform(40, 85), rng.uniform(1, 4)
    values = [base + rng.uniform(-1, 1) * step for _ in range(MONTHS)]
    pattern = n % 3
    if pattern == 1:  # a shift: the last 8 months a step and a half higher
        for i in range(MONTHS - 8, MONTHS):
            values[i] = base + 1.5 * step + rng.uniform(-0.3, 0.3) * step
    elif pattern == 2:  # a trend: the last 8 months rise every month
        for k, i in enumerate(range(MONTHS - 8, MONTHS), start=1):
            values[i] = base + 0.45 * step * k
    direction = "increase" if n % 4 else "decrease"
    target = round(base + rng.choice([-3, 0, 3]) * step, 1) if n % 2 else None
    return [round(v, 1) for v in values], direction, target


def ensure_programme(plan) -> bool:
    """Add the programme to ``plan`` unless it has one. True if it was added now."""
    from actions.models import KeyQuestion
    from kpis.models import Kpi, KpiValue
    from programme.models import Cadence, RootCause, Workstream, WorkstreamAction

    if Workstream.objects.filter(plan=plan).exists():
        return False
    rng = random.Random(SEED)
    user_model = get_user_model()
    executives = list(user_model.objects.filter(username__startswith="exec-").order_by("id"))
    leads = list(user_model.objects.filter(username__startswith="lead").order_by("id"))
    now = timezone.now()
    months = _month_ends(timezone.localdate(now), MONTHS)
    with transaction.atomic():
        workstreams = Workstream.objects.bulk_create(
            Workstream(
                plan=plan,
                name=name,
                executive=executives[i % len(executives)],
                lead=leads[i],
                cadence=Cadence.MONTHLY if name == "Well-led" else Cadence.FORTNIGHTLY,
                position=i + 1,
            )
            for i, name in enumerate(WORKSTREAMS)
        )
        # Each department's actions go to one workstream.
        departments = sorted(set(plan.actions.values_list("department", flat=True)))
        home = {d: workstreams[i % len(workstreams)] for i, d in enumerate(departments)}
        actions = list(plan.actions.order_by("id").values_list("id", "department"))
        WorkstreamAction.objects.bulk_create(
            (WorkstreamAction(workstream=home[d], action_id=a) for a, d in actions),
            batch_size=5000,
        )

        kpis, values = [], []
        questions = list(KeyQuestion.values)
        for n in range(KPIS):
            name, unit = KPI_NAMES[n % len(KPI_NAMES)]
            series, direction, target = _series(rng, n)
            kpis.append(
                Kpi(
                    plan=plan,
                    ref=f"K{n + 1:03d}",
                    name=f"{name} ({n + 1})",
                    unit=unit,
                    direction=direction,
                    target=target,
                    owner=leads[n % len(leads)],
                    key_question=questions[n % len(questions)],
                )
            )
            values.append(series)
        Kpi.objects.bulk_create(kpis)
        KpiValue.objects.bulk_create(
            (
                KpiValue(kpi=kpi, date=date, value=value, entered_by=kpi.owner, entered_at=now)
                for kpi, series in zip(kpis, values, strict=True)
                for date, value in zip(months, series, strict=True)
            ),
            batch_size=5000,
        )
        through = Workstream.kpis.through
        links = [
            through(workstream_id=workstreams[n % len(workstreams)].pk, kpi_id=kpi.pk)
            for n, kpi in enumerate(kpis)
        ]
        through.objects.bulk_create(links)

        # Root causes: a finding's actions (all in one department, so one workstream).
        by_finding: dict[int, list[int]] = {}
        for action_id, finding_id in plan.actions.values_list("id", "findings").order_by("id"):
            if finding_id:
                by_finding.setdefault(finding_id, []).append(action_id)
        workstream_of = {a: home[d] for a, d in actions}
        chosen = rng.sample(sorted(by_finding), k=min(ROOT_CAUSES, len(by_finding)))
        root_causes = []
        for n, finding_id in enumerate(chosen):
            answers = by_finding[finding_id]
            root_causes.append(
                RootCause(
                    plan=plan,
                    finding_id=finding_id,
                    ref=f"RC{n + 1:03d}",
                    description="Unpacked from the finding: why the standard was not met.",
                    owner=leads[(n * 7) % len(leads)],
                    workstream=workstream_of[answers[0]],
                    due_date=timezone.localdate(now) + dt.timedelta(days=rng.randint(-150, 210)),
                    kpi=kpis[n],
                )
            )
        RootCause.objects.bulk_create(root_causes)
        rc_through = RootCause.actions.through
        rc_through.objects.bulk_create(
            rc_through(rootcause_id=rc.pk, action_id=a)
            for rc, finding_id in zip(root_causes, chosen, strict=True)
            for a in by_finding[finding_id][: rng.randint(2, 5)]
        )
    return True


def describe(plan) -> dict:
    """What the plan's programme holds, for the results."""
    from kpis.models import KpiValue
    from programme.models import RootCause, WorkstreamAction

    return {
        "workstreams": plan.workstreams.count(),
        "actions_in_workstreams": WorkstreamAction.objects.filter(action__plan=plan).count(),
        "kpis": plan.kpis.count(),
        "kpi_values": KpiValue.objects.filter(kpi__plan=plan).count(),
        "root_causes": RootCause.objects.filter(plan=plan).count(),
    }
