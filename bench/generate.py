"""A large plan for the benchmark: 2,000 actions, 300 leads, a year of weekly updates.

    .venv/bin/python bench/generate.py            # fill the bench database if empty or stale
    .venv/bin/python bench/generate.py --force    # empty it and generate again

One plan (weekly, Wednesday 12:00) with 2,000 actions answering 400 findings, nine exec
roles, 300 action leads (each in the "Action lead" group), a PMO and the exec leads. The 52
weekly periods before now are locked at their deadlines (``lock_kind`` "scheduled") with a
snapshot of every action, as the lock would have taken (104,000 rows). Each locked period
has an update on every assigned action open that week, bar the 3% whose lead missed the
lock (~93,000 rows in all); the open period has updates on about 45% of the open actions,
as part-way through a week.

The data is written with ``bulk_create`` in batches, not through ``actions.services``, on
purpose: it is generated *history*. The services check the lock at the moment of the write,
so they refuse every update to a closed period (all 52 are), and they write one history
entry and take row locks per save: 100,000 saves would take many minutes. Nothing here is a
path the product uses; do not copy it into the product. The history table is left empty.

The dates are relative to now: the open period is the one due next. When a deadline has
passed since generation, the data is stale (``is_fresh`` says so) and ``ensure`` makes it
again. Same seed, same plan.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__":  # run as a script: the project root is the import root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from actions import schedule
from actions.models import (
    Action,
    ExecRole,
    Finding,
    FindingKind,
    Inspection,
    KeyQuestion,
    PeriodSnapshot,
    Plan,
    PlanEvent,
    ReportingPeriod,
    Role,
    Status,
    WeeklyUpdate,
)

PLAN_NAME = "Bench: CQC improvement plan 2,000 actions"
ACTIONS = 2000
LEADS = 300
WEEKS = 52
ACTIONS_PER_FINDING = 5
UNASSIGNED = 20  # actions the PMO has not yet given a lead
MISSED_UPDATE_RATE = 0.03  # leads who let the lock pass without updating
UPDATED_SO_FAR = 0.45  # share of open actions already updated in the open period
BATCH = 5000
SEED = 2026
PASSWORD = "change-me-demo"  # noqa: S105 (the bench database only)

TRUST = "Bench Hospitals NHS Foundation Trust"
KIND_WEIGHTS = {
    FindingKind.MUST: 55,
    FindingKind.SHOULD: 35,
    FindingKind.REGULATORY: 6,
    FindingKind.SECTION_29A: 2,
    FindingKind.SECTION_31: 2,
}
KIND_PREFIX = {
    FindingKind.MUST: "M",
    FindingKind.SHOULD: "S",
    FindingKind.REGULATORY: "RN",
    FindingKind.SECTION_29A: "WN",
    FindingKind.SECTION_31: "C",
}
STATUS_WEIGHTS = {
    Status.RED: 6,
    Status.AMBER: 18,
    Status.GREEN: 43,
    Status.BLUE: 18,
    Status.WHITE: 15,
}
THEMES = [
    "Governance",
    "Safe staffing",
    "Safeguarding",
    "Medicines management",
    "Infection prevention and control",
    "Mental Capacity Act and DoLS",
    "Mandatory training",
    "Records and documentation",
    "Environment and equipment",
    "Patient flow",
    "Complaints",
    "Incident reporting and learning",
    "Deteriorating patient",
    "Nutrition and hydration",
    "Privacy and dignity",
    "Leadership and culture",
    "Risk management",
    "Consent",
]
DEPARTMENTS = [
    "Emergency department",
    "Medical care",
    "Surgery",
    "Critical care",
    "Maternity",
    "Children and young people",
    "End of life care",
    "Outpatients",
    "Diagnostic imaging",
    "Theatres",
    "Pharmacy",
    "Community services",
    "Estates and facilities",
    "Trust wide",
]
EXEC_ROLES = [
    ("CEO", "Chief Executive"),
    ("CNO", "Chief Nurse"),
    ("MD", "Medical Director"),
    ("DOps", "Director of Operations"),
    ("DWOD", "Director of Workforce and Organisational Development"),
    ("DoF", "Director of Finance"),
    ("DCA", "Director of Corporate Affairs"),
    ("DSI", "Director of Strategy and Improvement"),
    ("DIPC", "Director of Infection Prevention and Control"),
]
REGULATIONS = [
    "Regulation 12 Safe care and treatment",
    "Regulation 17 Good governance",
    "Regulation 18 Staffing",
    "Regulation 13 Safeguarding service users from abuse",
    "Regulation 15 Premises and equipment",
    "Regulation 11 Need for consent",
    "Regulation 10 Dignity and respect",
    "Regulation 14 Meeting nutritional and hydration needs",
    "Regulation 16 Receiving and acting on complaints",
]
FIRST_NAMES = (
    "Oliver Amelia George Isla Harry Ava Jack Mia Jacob Ivy Noah Lily Charlie Florence Muhammad "
    "Freya Thomas Grace Oscar Evie William Sophia James Ella Leo Rosie Alfie Poppy Henry Sienna "
    "Joshua Aisha Arthur Priya Samuel Chloe Daniel Emily Joseph Hannah Rhys Megan Owen Zara "
    "Ibrahim Niamh Adebayo Chidi Kwame Ngozi Tomasz Agnieszka Rajesh Anjali Liam Siobhan"
).split()
LAST_NAMES = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson "
    "Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson "
    "Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen "
    "James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook "
    "Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson "
    "Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali "
    "Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell "
    "Barker Fisher Stevens Jenkins Murray Dixon Harvey Okafor Nowak Kowalski Mensah Adeyemi"
).split()
REQUIREMENTS = {
    "Governance": "ensure that governance processes identify, record and act on risks to quality",
    "Safe staffing": "ensure there are enough suitably qualified staff on every shift",
    "Safeguarding": "ensure all staff complete safeguarding training at the level their role needs",
    "Medicines management": "ensure medicines are stored at the right temperature and "
    "controlled drugs are checked daily",
    "Infection prevention and control": "ensure hand hygiene and cleaning audits are completed "
    "and acted upon",
    "Mental Capacity Act and DoLS": "ensure mental capacity assessments are completed and "
    "recorded where a patient may lack capacity",
    "Mandatory training": "ensure staff complete mandatory training, including basic and "
    "immediate life support",
    "Records and documentation": "ensure patient records are complete, contemporaneous and "
    "stored securely",
    "Environment and equipment": "ensure resuscitation equipment is checked and ready for use",
    "Patient flow": "ensure patients are assessed within 15 minutes of arrival and handovers "
    "from ambulance crews are not delayed",
    "Complaints": "ensure complaints are responded to within the timescales of its policy",
    "Incident reporting and learning": "ensure incidents are reported, investigated and "
    "learning is shared with staff",
    "Deteriorating patient": "ensure early warning scores are calculated and escalated "
    "in line with guidance",
    "Nutrition and hydration": "ensure fluid balance and food charts are completed accurately",
    "Privacy and dignity": "ensure patients' privacy and dignity are maintained in mixed-sex areas",
    "Leadership and culture": "ensure leaders are visible and staff feel able to raise concerns",
    "Risk management": "ensure the risk register reflects current risks and mitigations are "
    "reviewed",
    "Consent": "ensure consent is obtained and recorded in line with legislation",
}
STEPS = [
    "Monthly audit, results to the quality committee",
    "Matron spot checks each week",
    "Training trajectory agreed with each ward manager",
    "Revised standard operating procedure launched",
    "Escalation through the divisional performance review",
    "Dashboard added to the ward accreditation scheme",
    "Task and finish group led by the divisional director of nursing",
]
NARRATIVES = {
    Status.GREEN: [
        "On plan",
        "On plan",
        "On plan.",
        "Audit completed this week; compliance {pct}%. Results shared at the ward huddle.",
        "Training compliance now {pct}% against a target of 90%.",
        "Spot checks completed on all wards; no concerns found.",
        "Policy ratified at the quality committee; roll-out under way.",
        "Evidence collated for sign-off; awaiting the PMO's review.",
    ],
    Status.AMBER: [
        "Audit compliance {pct}%, below the 90% target; action plan agreed with ward managers.",
        "Slippage of two weeks: staff sickness on the unit. Recovery plan in place.",
        "Training places limited this month; extra sessions booked for next month.",
        "Awaiting the estates work order; escalated to the division.",
    ],
    Status.RED: [
        "Compliance fell to {pct}%. Escalated to the exec lead; recovery plan due next week.",
        "Recruitment to band 5 vacancies delayed; agency cover in place. Risk raised.",
        "Equipment replacement not funded; on the risk register, decision due at the board.",
    ],
    Status.WHITE: [
        "Not yet due to start.",
        "Start planned for next quarter, after the new rota goes live.",
    ],
}


@dataclass
class Generated:
    plan_id: int
    actions: int
    open_actions: int
    leads: int
    periods_locked: int
    weekly_updates: int
    snapshots: int
    seconds: float


# Checking and emptying ----------------------------------------------------------------


def bench_plan() -> Plan | None:
    return Plan.objects.filter(name=PLAN_NAME).order_by("-id").first()


def is_fresh(plan: Plan | None, now: dt.datetime | None = None) -> bool:
    """The plan is complete and its open period is the one due next (none missed since)."""
    if plan is None:
        return False
    now = now or timezone.now()
    due_next = schedule.next_deadline_after(plan, now)
    locked = plan.periods.filter(locked_at__isnull=False)
    last_locked = locked.order_by("-deadline").values_list("deadline", flat=True).first()
    return (
        plan.actions.count() == ACTIONS
        and locked.count() == WEEKS
        and plan.periods.filter(deadline=due_next, locked_at__isnull=True).exists()
        and last_locked is not None
        and not schedule.deadlines_between(plan, last_locked, now)
    )


def prepare_database() -> None:
    """Migrate, after recreating the database if a migration it applied has since changed.

    While the project is young its migrations are edited in place; an old bench database
    would keep the old schema. The hash of each applied migration file is kept in the
    database's comment and compared on every run.
    """
    from bench import settings

    stored = _stored_migration_hashes()
    applied = _migration_hashes()
    if applied and (stored is None or any(applied.get(k) != v for k, v in stored.items())):
        print("A migration changed since the bench database was made: recreating it.")
        connection.close()
        settings.drop_database()
        settings.ensure_database()
    call_command("migrate", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            f"COMMENT ON DATABASE {connection.ops.quote_name(connection.settings_dict['NAME'])} "
            "IS %s",
            [json.dumps(_migration_hashes(), sort_keys=True)],
        )


def _migration_hashes() -> dict[str, str]:
    """The applied migrations of the project's own apps, each with its file's hash."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    root = Path(__file__).resolve().parent.parent
    installed = Path(sys.prefix).resolve()  # the venv, inside the checkout: not ours
    hashes = {}
    for app, name in loader.applied_migrations:
        config = apps.get_app_config(app) if app in apps.app_configs else None
        path = Path(config.path).resolve() if config else None
        if path is None or not path.is_relative_to(root) or path.is_relative_to(installed):
            continue
        migration = loader.disk_migrations.get((app, name))
        module = sys.modules.get(migration.__module__) if migration else None
        hashes[f"{app}.{name}"] = (
            hashlib.sha256(Path(module.__file__).read_bytes()).hexdigest()[:16]
            if module
            else "missing"
        )
    return hashes


def _stored_migration_hashes() -> dict[str, str] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [connection.settings_dict["NAME"]],
        )
        row = cursor.fetchone()
    try:
        return json.loads(row[0]) if row and row[0] else None
    except ValueError:
        return None


def _require_bench_database() -> None:
    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or "bench" not in name:
        raise RuntimeError(f"refusing to empty {name!r}: generate only into a bench database")


def reset() -> None:
    """Empty every table the product writes (not the migration-made groups)."""
    _require_bench_database()
    user = get_user_model()
    models = [
        *apps.get_app_config("actions").get_models(),
        *apps.get_app_config("evidence").get_models(),
        *apps.get_app_config("reporting").get_models(),
        user,
        user.groups.through,
        user.user_permissions.through,
        apps.get_model("sessions", "Session"),
        apps.get_model("admin", "LogEntry"),
    ]
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        tables = sorted({m._meta.db_table for m in models} & existing)
        cursor.execute(
            f"TRUNCATE {', '.join(connection.ops.quote_name(t) for t in tables)} "
            "RESTART IDENTITY CASCADE"
        )


def ensure(*, force: bool = False, now: dt.datetime | None = None, log=print) -> Plan:
    """The bench plan, generated first if it is missing or stale (or ``force``)."""
    now = now or timezone.now()
    plan = bench_plan()
    if not force and is_fresh(plan, now):
        return plan
    log(
        "Generating the bench plan (about a minute)…"
        if plan is None
        else "Regenerating the bench plan (missing, incomplete or stale)…"
    )
    reset()
    result = generate(now=now)
    log(
        f"Generated {result.actions:,} actions ({result.open_actions:,} open), "
        f"{result.leads} leads, {result.periods_locked} locked periods, "
        f"{result.weekly_updates:,} weekly updates, {result.snapshots:,} snapshot rows "
        f"in {result.seconds:.0f} s."
    )
    return Plan.objects.get(pk=result.plan_id)


# Generating ---------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict) -> object:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _trajectory(rng: random.Random, final: str, weeks: int) -> tuple[list[str], int]:
    """Each week's update status, and the week it was signed off (``weeks`` if still open).

    White actions stay White; others start White for a while, wander between Green, Amber
    and Red (mostly staying put), and end on their current status; Blue ones end Green and
    take no updates from the week they were signed off.
    """
    if final == Status.WHITE:
        return [Status.WHITE] * weeks, weeks
    closed = rng.randint(weeks // 6, weeks - 1) if final == Status.BLUE else weeks
    start = rng.randint(0, min(weeks // 4, closed - 1))
    statuses: list[str] = []
    current = Status.GREEN
    for week in range(closed):
        if week < start:
            statuses.append(Status.WHITE)
            continue
        if rng.random() > 0.85:
            current = rng.choices([Status.GREEN, Status.AMBER, Status.RED], weights=[6, 3, 1])[0]
        statuses.append(current)
    settle = Status.GREEN if final == Status.BLUE else final
    for week in range(max(start, closed - rng.randint(1, 4)), closed):
        statuses[week] = settle
    return statuses, closed


def _narrative(rng: random.Random, status: str) -> str:
    return rng.choice(NARRATIVES[status]).format(pct=rng.randint(55, 99))


def _snapshot_copies(actions: list[Action], codes: dict[int, str]) -> dict[int, dict]:
    """The action's own fields a snapshot freezes, for whichever of them the model has."""
    have = {f.name for f in PeriodSnapshot._meta.concrete_fields}
    copied = [
        name
        for name in ("ref", "theme", "department", "kind", "requirement", "start_date", "end_date")
        if name in have
    ]
    return {
        a.pk: {name: getattr(a, name) for name in copied}
        | ({"exec_leads": codes[a.pk]} if "exec_leads" in have else {})
        for a in actions
    }


def _users(rng: random.Random, now: dt.datetime):
    """300 leads, the exec leads and the PMO, each in their group."""
    user_model = get_user_model()
    password = make_password(PASSWORD)
    groups = {g.name: g for g in Group.objects.filter(name__in=[r.value for r in Role])}
    missing = {r.value for r in Role} - set(groups)
    if missing:
        raise RuntimeError(f"groups missing (run the migrations first): {sorted(missing)}")

    def person(username: str, first: str, last: str):
        return user_model(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@bench.example.nhs.uk",
            password=password,
            date_joined=now - dt.timedelta(days=500),
        )

    leads = [
        person(f"lead{n:03d}", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
        for n in range(1, LEADS + 1)
    ]
    execs = [
        person(f"exec-{code.lower()}", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
        for code, _title in EXEC_ROLES
    ]
    pmo = person("pmo", "Pat", "Office")
    board = person("board", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
    user_model.objects.bulk_create([*leads, *execs, pmo, board], batch_size=BATCH)
    membership = user_model.groups.through
    membership.objects.bulk_create(
        [membership(user_id=u.pk, group_id=groups[Role.ACTION_LEAD].pk) for u in leads]
        + [membership(user_id=u.pk, group_id=groups[Role.EXEC_LEAD].pk) for u in execs]
        + [
            membership(user_id=pmo.pk, group_id=groups[Role.PMO].pk),
            membership(user_id=board.pk, group_id=groups[Role.BOARD].pk),
        ],
        batch_size=BATCH,
    )
    roles = ExecRole.objects.bulk_create(
        [
            ExecRole(code=code, title=title, holder=holder)
            for (code, title), holder in zip(EXEC_ROLES, execs, strict=True)
        ]
    )
    return leads, roles, pmo


def _plan(now: dt.datetime, weeks: int) -> tuple[Plan, list[dt.datetime], dt.datetime]:
    """A weekly plan whose ``weeks`` deadlines before now have all passed."""
    plan = Plan(
        name=PLAN_NAME,
        trust=TRUST,
        cadence=Plan.Cadence.WEEKLY,
        deadline_weekday=Plan.Weekday.WEDNESDAY,
        deadline_time=dt.time(12, 0),
        time_zone="Europe/London",
        cycle_starts_on=timezone.localdate(now) - dt.timedelta(days=7 * (weeks + 2)),
    )
    due_next = schedule.next_deadline_after(plan, now)
    plan.cycle_starts_on = timezone.localtime(due_next, plan.tz).date() - dt.timedelta(
        days=7 * weeks
    )
    first = schedule.first_deadline(plan)
    past = schedule.deadlines_between(plan, first - dt.timedelta(microseconds=1), now)
    assert len(past) == weeks, (len(past), weeks)
    assert schedule.next_deadline_after(plan, now) == due_next
    return plan, past, due_next


def _inspection(plan: Plan, deadlines: list[dt.datetime]) -> Inspection:
    """The inspection the plan answers, published a month before its cycle starts."""
    cycle_start = plan.cycle_starts_on
    inspection = Inspection.objects.create(
        provider=TRUST,
        kind=Inspection.Kind.COMPREHENSIVE,
        visit_start=cycle_start - dt.timedelta(days=120),
        visit_end=cycle_start - dt.timedelta(days=117),
        published_on=cycle_start - dt.timedelta(days=30),
        summary="Requires improvement overall; inadequate in safe.",
    )
    plan.inspection = inspection
    plan.save()
    Plan.objects.filter(pk=plan.pk).update(created_at=deadlines[0] - dt.timedelta(days=7))
    return inspection


def _findings(rng: random.Random, inspection: Inspection) -> list[Finding]:
    """400 findings, each answered by about five actions of the same kind and service."""
    findings = []
    for n in range(ACTIONS // ACTIONS_PER_FINDING):
        kind = _weighted(rng, KIND_WEIGHTS)
        theme = rng.choice(THEMES)
        findings.append(
            Finding(
                inspection=inspection,
                ref=f"F{n + 1:03d}",
                kind=kind,
                core_service=rng.choice(DEPARTMENTS),
                key_question=rng.choice(KeyQuestion.values),
                regulation=rng.choice(REGULATIONS),
                text=f"The trust must {REQUIREMENTS[theme]}.",
            )
        )
    Finding.objects.bulk_create(findings, batch_size=BATCH)
    return findings


def _lead_for(rng: random.Random, n: int, leads: list, lead_weights: list[float]):
    """Everyone leads at least one action, a few lead many (matrons, managers)."""
    if n < LEADS:
        return leads[n]
    if n < LEADS + UNASSIGNED:
        return None
    return rng.choices(leads, weights=lead_weights)[0]


def _actions(
    rng: random.Random, plan: Plan, findings: list[Finding], leads: list, weeks: int
) -> tuple[list[Action], list[tuple[list[str], int]]]:
    """The plan's actions and each one's weekly statuses (and the week it closed)."""
    cycle_start = plan.cycle_starts_on
    lead_weights = [1 / (rank + 1) ** 0.4 for rank in range(LEADS)]
    by_kind: Counter = Counter()
    actions, trajectories = [], []
    for n in range(ACTIONS):
        finding = findings[n // ACTIONS_PER_FINDING]
        by_kind[finding.kind] += 1
        theme = rng.choice(THEMES)
        lead = _lead_for(rng, n, leads, lead_weights)
        status = _weighted(rng, STATUS_WEIGHTS)
        start = cycle_start + dt.timedelta(days=rng.randint(0, 180))
        statuses, closed = _trajectory(rng, status, weeks)
        if lead is None:
            statuses = []
        verb = "must" if finding.kind != FindingKind.SHOULD else "should"
        actions.append(
            Action(
                plan=plan,
                ref=f"{KIND_PREFIX[finding.kind]}{by_kind[finding.kind]}",
                theme=theme,
                department=finding.core_service,
                kind=finding.kind,
                requirement=(
                    f"The trust {verb} {REQUIREMENTS[theme]}. Actions: "
                    + "; ".join(rng.sample(STEPS, k=rng.randint(2, 4)))
                    + "."
                ),
                action_lead=lead,
                start_date=start,
                end_date=start + dt.timedelta(days=rng.randint(30, 540)),
                status=status,
                version=1 + len(statuses),
            )
        )
        trajectories.append((statuses, closed))
    Action.objects.bulk_create(actions, batch_size=1000)
    return actions, trajectories


def _links(
    rng: random.Random, actions: list[Action], findings: list[Finding], roles: list
) -> dict[int, str]:
    """Each action's exec roles (one, or two for a quarter) and finding; the roles' codes."""
    exec_through = Action.exec_roles.through
    finding_through = Action.findings.through
    held_by = {a.pk: rng.sample(roles, k=1 if rng.random() < 0.75 else 2) for a in actions}
    exec_through.objects.bulk_create(
        [exec_through(action_id=pk, execrole_id=r.pk) for pk, rs in held_by.items() for r in rs],
        batch_size=BATCH,
    )
    finding_through.objects.bulk_create(
        [
            finding_through(action_id=a.pk, finding_id=findings[i // ACTIONS_PER_FINDING].pk)
            for i, a in enumerate(actions)
        ],
        batch_size=BATCH,
    )
    return {pk: "/".join(sorted(r.code for r in rs)) for pk, rs in held_by.items()}


def _periods(
    rng: random.Random, plan: Plan, deadlines: list[dt.datetime], due_next: dt.datetime
) -> list[ReportingPeriod]:
    """The weeks locked at their deadline, then the open one."""
    return ReportingPeriod.objects.bulk_create(
        [
            ReportingPeriod(
                plan=plan,
                deadline=d,
                locked_at=d,
                lock_kind=ReportingPeriod.LockKind.SCHEDULED,
                lock_recorded_at=d + dt.timedelta(seconds=rng.randint(1, 110)),
            )
            for d in deadlines
        ]
        + [ReportingPeriod(plan=plan, deadline=due_next)]
    )


def _held_status(action: Action, statuses: list[str], closed: int, week: int) -> str:
    """The action's status as the week's lock froze it."""
    if week >= closed:
        return Status.BLUE
    if statuses:
        return statuses[week]
    return action.status if action.status != Status.BLUE else Status.GREEN


class _Writer:
    """Rows written in batches, counted."""

    def __init__(self) -> None:
        self.updates: list[WeeklyUpdate] = []
        self.shots: list[PeriodSnapshot] = []
        self.n_updates = self.n_shots = 0

    def flush(self, *, at_least: int = 0) -> None:
        if self.updates and len(self.updates) >= at_least:
            WeeklyUpdate.objects.bulk_create(self.updates, batch_size=BATCH)
            self.n_updates += len(self.updates)
            self.updates = []
        if self.shots and len(self.shots) >= at_least:
            PeriodSnapshot.objects.bulk_create(self.shots, batch_size=BATCH)
            self.n_shots += len(self.shots)
            self.shots = []


def _locked_weeks(
    rng: random.Random,
    writer: _Writer,
    actions: list[Action],
    trajectories: list[tuple[list[str], int]],
    periods: list[ReportingPeriod],
    frozen: dict[int, dict] | None,
) -> None:
    """Each locked week: the updates its leads saved (bar the missed) and, with ``frozen``,
    the lock's snapshot of every action."""
    for week, period in enumerate(periods):
        for action, (statuses, closed) in zip(actions, trajectories, strict=True):
            update = None
            if week < len(statuses) and rng.random() >= MISSED_UPDATE_RATE:
                status = statuses[week]
                update = WeeklyUpdate(
                    action=action,
                    period=period,
                    status=status,
                    narrative=_narrative(rng, status),
                    author_id=action.action_lead_id,
                    submitted_at=period.deadline
                    - dt.timedelta(minutes=rng.randint(20, 6 * 24 * 60)),
                    revision=1 if rng.random() < 0.9 else 2,
                )
                writer.updates.append(update)
            if frozen is not None:
                writer.shots.append(
                    PeriodSnapshot(
                        period=period,
                        action=action,
                        action_status=_held_status(action, statuses, closed, week),
                        updated=update is not None,
                        update_status=update.status if update else "",
                        narrative=update.narrative if update else "",
                        action_lead_id=action.action_lead_id,
                        **frozen[action.pk],
                    )
                )
        writer.flush(at_least=BATCH)


def _open_week(
    rng: random.Random,
    writer: _Writer,
    actions: list[Action],
    open_period: ReportingPeriod,
    since: dt.datetime,
    now: dt.datetime,
) -> None:
    """The open period, part-way through: some leads have updated already."""
    span = max(60, int((now - since).total_seconds()))
    for action in actions:
        if action.status == Status.BLUE or action.action_lead_id is None:
            continue
        if rng.random() < UPDATED_SO_FAR:
            writer.updates.append(
                WeeklyUpdate(
                    action=action,
                    period=open_period,
                    status=action.status,
                    narrative=_narrative(rng, action.status),
                    author_id=action.action_lead_id,
                    submitted_at=since + dt.timedelta(seconds=rng.randint(1, span - 1)),
                )
            )


def generate(
    *,
    now: dt.datetime | None = None,
    seed: int = SEED,
    snapshots: bool = True,
    weeks: int = WEEKS,
) -> Generated:
    """Write the bench plan into the (empty) database. See the module's docstring."""
    started = time.perf_counter()
    now = now or timezone.now()
    rng = random.Random(seed)
    with transaction.atomic():
        plan, deadlines, due_next = _plan(now, weeks)
        leads, roles, pmo = _users(rng, now)
        inspection = _inspection(plan, deadlines)
        findings = _findings(rng, inspection)
        actions, trajectories = _actions(rng, plan, findings, leads, weeks)
        codes = _links(rng, actions, findings, roles)
        periods = _periods(rng, plan, deadlines, due_next)
        frozen = _snapshot_copies(actions, codes) if snapshots else None
        writer = _Writer()
        _locked_weeks(rng, writer, actions, trajectories, periods[:-1], frozen)
        since = max(deadlines[-1], now - dt.timedelta(days=6))
        _open_week(rng, writer, actions, periods[-1], since, now)
        writer.flush()

        PlanEvent.objects.create(
            plan=plan,
            actor=pmo,
            at=deadlines[0] - dt.timedelta(days=6),
            kind=PlanEvent.Kind.IMPORTED,
            detail=f"{ACTIONS:,} actions imported from the trust's spreadsheet.",
        )

    # Planner statistics, as autovacuum would have them on a database this old.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Generated(
        plan_id=plan.pk,
        actions=len(actions),
        open_actions=sum(1 for a in actions if a.status != Status.BLUE),
        leads=len(leads),
        periods_locked=len(deadlines),
        weekly_updates=writer.n_updates,
        snapshots=writer.n_shots,
        seconds=time.perf_counter() - started,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="empty the database and regenerate")
    args = parser.parse_args(argv)
    prepare_database()
    plan = ensure(force=args.force)
    print(describe(plan))
    return 0


def describe(plan: Plan) -> dict:
    """What the bench database holds, for the report."""
    return {
        "plan_id": plan.pk,
        "actions": plan.actions.count(),
        "open_actions": plan.actions.open().count(),
        "action_leads": get_user_model().objects.filter(groups__name=Role.ACTION_LEAD).count(),
        "periods_locked": plan.periods.filter(locked_at__isnull=False).count(),
        "weekly_updates": WeeklyUpdate.objects.filter(period__plan=plan).count(),
        "snapshot_rows": PeriodSnapshot.objects.filter(period__plan=plan).count(),
    }


if __name__ == "__main__":
    sys.exit(main())
