"""The second demo plan, modelled on seed 004: the Shrewsbury and Telford Hospital NHS Trust's
Quality Improvement Plan (QIP) after the CQC report of November 2018.

Five Improvement Steering Groups (ISGs) each hold a workstream of the plan with its
accountable executive: Women's and Children's, Unscheduled Care, Scheduled Care and
Workforce report in fortnightly sprints, Well-led monthly. The actions answer the report's
Must Do and Should Do findings; some Must Do findings are unpacked into root causes, each
with its owner, due date, actions and a KPI that shows the change worked. Every KPI has 20
months of monthly values, some with special causes (a shift, a trend, a point beyond the
limits), some with a target; each ISG also has a high-level KPI.

The people are demo users of their own (the CCC demo's users are untouched). Staff names are
invented: the paper's figures and structure are real, its people are not here.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from actions import services
from actions.inspections import ratings
from actions.models import (
    ExecRole,
    Finding,
    FindingKind,
    Inspection,
    KeyQuestion,
    Plan,
    Rating,
    Role,
    Status,
)
from kpis import services as kpi_services
from kpis.models import Direction
from programme.models import Cadence, RootCause, Workstream, WorkstreamAction

from .baseline import add_baseline_and_change_requests
from .kpis import _month_ends
from .risks_and_notices import add_risks_and_notices

TRUST = "The Shrewsbury and Telford Hospital NHS Trust"
PLAN_NAME = "Quality Improvement Plan (QIP) following the CQC report of November 2018"
KPI_MONTHS = 20
IMPORTED_NOTE = "Completed before the QIP moved from the ISG trackers into this plan"

# Seed 004: "Inadequate in two domains (Safe and Well-led) and … rated overall as Inadequate".
RATINGS = {
    ("", ""): Rating.INADEQUATE,
    ("", KeyQuestion.SAFE): Rating.INADEQUATE,
    ("", KeyQuestion.EFFECTIVE): Rating.REQUIRES_IMPROVEMENT,
    ("", KeyQuestion.CARING): Rating.GOOD,
    ("", KeyQuestion.RESPONSIVE): Rating.REQUIRES_IMPROVEMENT,
    ("", KeyQuestion.WELL_LED): Rating.INADEQUATE,
    ("Maternity", ""): Rating.INADEQUATE,
    ("Urgent and emergency care", ""): Rating.INADEQUATE,
    ("Critical care", ""): Rating.REQUIRES_IMPROVEMENT,
}

# username: first name, last name, role, exec role held (code, title)
PEOPLE: dict[str, tuple[str, str, Role, tuple[str, str] | None]] = {
    "sath_pmo": ("Nadia", "Hussain", Role.PMO, None),
    "sath_ceo": ("Richard", "Lowe", Role.EXEC_LEAD, ("CEO", "Chief Executive Officer")),
    "sath_dnmq": (
        "Claire",
        "Bennett",
        Role.EXEC_LEAD,
        ("DNMQ", "Director of Nursing, Midwifery and Quality"),
    ),
    "sath_coo": ("Mark", "Ashworth", Role.EXEC_LEAD, ("COO", "Chief Operating Officer")),
    "sath_mdir": ("Anil", "Rao", Role.EXEC_LEAD, ("MedDir", "Medical Director (SaTH)")),
    "sath_wfd": ("Joanne", "Price", Role.EXEC_LEAD, ("WfD", "Workforce Director")),
    "sath_maternity": ("Emma", "Clarke", Role.ACTION_LEAD, None),
    "sath_ed": ("Daniel", "Morgan", Role.ACTION_LEAD, None),
    "sath_surgery": ("Fatima", "Begum", Role.ACTION_LEAD, None),
    "sath_workforce": ("Gareth", "Jones", Role.ACTION_LEAD, None),
    "sath_governance": ("Lucy", "Evans", Role.ACTION_LEAD, None),
}


@dataclass(frozen=True)
class Isg:
    name: str
    prefix: str  # the actions' refs: WC1, UC1…
    cadence: str
    executive: str  # username
    exec_code: str
    lead: str  # username: leads the ISG's actions and owns its root causes
    high_level_kpi: tuple  # see KpiSpec


# A KPI: name, unit, direction, target, key question, pattern, base, step
KpiSpec = tuple[str, str, str, float | None, str, str, float, float]

ISGS = [
    Isg(
        "Women's and Children's",
        "WC",
        Cadence.FORTNIGHTLY,
        "sath_dnmq",
        "DNMQ",
        "sath_maternity",
        (
            "Women with one-to-one care in established labour",
            "%",
            Direction.INCREASE,
            95,
            KeyQuestion.SAFE,
            "shift",
            93,
            1.2,
        ),
    ),
    Isg(
        "Unscheduled Care",
        "UC",
        Cadence.FORTNIGHTLY,
        "sath_coo",
        "COO",
        "sath_ed",
        (
            "ED patients admitted, transferred or discharged within 4 hours",
            "%",
            Direction.INCREASE,
            95,
            KeyQuestion.RESPONSIVE,
            "stable",
            74,
            2.5,
        ),
    ),
    Isg(
        "Scheduled Care",
        "SC",
        Cadence.FORTNIGHTLY,
        "sath_mdir",
        "MedDir",
        "sath_surgery",
        (
            "WHO surgical safety checklist fully completed",
            "%",
            Direction.INCREASE,
            None,
            KeyQuestion.SAFE,
            "trend",
            88,
            1.0,
        ),
    ),
    Isg(
        "Workforce",
        "WF",
        Cadence.FORTNIGHTLY,
        "sath_wfd",
        "WfD",
        "sath_workforce",
        (
            "Staff up to date with mandatory training",
            "%",
            Direction.INCREASE,
            85,
            KeyQuestion.WELL_LED,
            "shift",
            81,
            1.0,
        ),
    ),
    Isg(
        "Well-led",
        "WL",
        Cadence.MONTHLY,
        "sath_ceo",
        "CEO",
        "sath_governance",
        (
            "Serious incident reports submitted within 60 working days",
            "%",
            Direction.INCREASE,
            75,
            KeyQuestion.WELL_LED,
            "stable",
            72,
            4.0,
        ),
    ),
]


@dataclass(frozen=True)
class RootCauseSpec:
    description: str
    kpi: KpiSpec
    actions: tuple[int, ...]  # which of the finding's actions answer it (indexes)


@dataclass(frozen=True)
class FindingSpec:
    ref: str
    isg: str  # Isg.prefix
    kind: str
    core_service: str
    key_question: str
    text: str
    actions: tuple[tuple[str, str], ...]  # (theme, requirement and actions)
    regulation: str = ""
    root_causes: tuple[RootCauseSpec, ...] = field(default_factory=tuple)


M, S = FindingKind.MUST, FindingKind.SHOULD
SAFE, EFFECTIVE, CARING = KeyQuestion.SAFE, KeyQuestion.EFFECTIVE, KeyQuestion.CARING
RESPONSIVE, WELL_LED = KeyQuestion.RESPONSIVE, KeyQuestion.WELL_LED
UP, DOWN = Direction.INCREASE, Direction.DECREASE
REG12 = "Regulation 12 HSCA (RA) Regulations 2014 – Safe care and treatment"
REG17 = "Regulation 17 HSCA (RA) Regulations 2014 – Good governance"
REG18 = "Regulation 18 HSCA (RA) Regulations 2014 – Staffing"

FINDINGS: list[FindingSpec] = [
    # Women's and Children's ----------------------------------------------------------------
    FindingSpec(
        "M1",
        "WC",
        M,
        "Maternity",
        SAFE,
        "The trust must ensure that fetal heart monitoring (CTG) is interpreted and escalated "
        "in line with national guidance.",
        (
            ("Safety", "Introduce 'fresh eyes' hourly CTG review on the labour ward."),
            ("Training", "Deliver annual CTG training and competency testing to all midwives."),
            ("Governance", "Audit CTG escalation monthly and report to the ISG."),
        ),
        REG12,
        (
            RootCauseSpec(
                "Fresh eyes reviews are not done consistently at night.",
                (
                    "CTGs with an hourly fresh eyes review",
                    "%",
                    UP,
                    95,
                    SAFE,
                    "shift",
                    82,
                    2.0,
                ),
                (0, 2),
            ),
            RootCauseSpec(
                "Midwives have not all completed CTG competency testing.",
                ("Midwives CTG competent", "%", UP, 90, SAFE, "trend", 70, 2.0),
                (1,),
            ),
        ),
    ),
    FindingSpec(
        "M2",
        "WC",
        M,
        "Maternity",
        SAFE,
        "The trust must ensure that there are enough midwives on duty to keep women and "
        "babies safe.",
        (
            ("Staffing", "Recruit to the midwifery establishment set by Birthrate Plus."),
            ("Staffing", "Report the labour ward's acuity tool every shift to the matron."),
        ),
        REG18,
        (
            RootCauseSpec(
                "Vacancies are filled late because recruitment starts after a leaver goes.",
                ("Midwifery vacancy rate", "%", DOWN, 14, SAFE, "outlier", 11, 0.6),
                (0,),
            ),
        ),
    ),
    FindingSpec(
        "M3",
        "WC",
        M,
        "Maternity",
        WELL_LED,
        "The trust must ensure that serious incidents in maternity are investigated and "
        "learning is shared.",
        (
            ("Governance", "Hold a weekly maternity incident review with an obstetrician."),
            ("Governance", "Publish a monthly 'learning from incidents' bulletin."),
        ),
        REG17,
    ),
    FindingSpec(
        "S1",
        "WC",
        S,
        "Maternity",
        CARING,
        "The trust should ensure that bereaved families have a private room.",
        (("Environment", "Refurbish the bereavement suite at PRH."),),
    ),
    FindingSpec(
        "S2",
        "WC",
        S,
        "Services for children and young people",
        SAFE,
        "The trust should ensure that paediatric early warning scores are recorded.",
        (("Safety", "Audit PEWS completion weekly on the children's ward."),),
    ),
    # Unscheduled Care ---------------------------------------------------------------------
    FindingSpec(
        "M4",
        "UC",
        M,
        "Urgent and emergency care",
        SAFE,
        "The trust must ensure that sick children are assessed promptly on arrival in ED.",
        (
            ("Safety", "Stream children to the paediatric area within 15 minutes of arrival."),
            ("Staffing", "Recruit additional paediatric-trained nurses to ED."),
            ("Training", "Train ED nurses in paediatric triage."),
        ),
        REG12,
        (
            RootCauseSpec(
                "There is no paediatric-trained nurse in ED on some shifts.",
                (
                    "ED shifts with a paediatric-trained nurse",
                    "%",
                    UP,
                    100,
                    SAFE,
                    "shift",
                    68,
                    3.0,
                ),
                (1, 2),
            ),
            RootCauseSpec(
                "Children wait in the adult queue for streaming.",
                (
                    "Children streamed within 15 minutes of arrival",
                    "%",
                    UP,
                    95,
                    SAFE,
                    "trend",
                    62,
                    2.5,
                ),
                (0,),
            ),
        ),
    ),
    FindingSpec(
        "M5",
        "UC",
        M,
        "Urgent and emergency care",
        SAFE,
        "The trust must ensure that patients with suspected sepsis receive antibiotics "
        "within an hour.",
        (
            ("Safety", "Put the sepsis screening tool into the ED triage record."),
            ("Training", "Run sepsis simulation training for every ED team."),
        ),
        REG12,
        (
            RootCauseSpec(
                "Screening happens on paper and is missed when ED is busy.",
                (
                    "Sepsis patients given antibiotics within an hour",
                    "%",
                    UP,
                    90,
                    SAFE,
                    "outlier",
                    78,
                    1.5,
                ),
                (0, 1),
            ),
        ),
    ),
    FindingSpec(
        "M6",
        "UC",
        M,
        "Medicine",
        SAFE,
        "The trust must ensure that patients' risk of falling is assessed and acted on.",
        (
            ("Safety", "Introduce bay nursing for patients at high risk of falls."),
            ("Safety", "Audit falls risk assessments within 6 hours of admission."),
        ),
        REG12,
        (
            RootCauseSpec(
                "Risk assessments are not repeated when a patient's condition changes.",
                ("Inpatient falls with harm", "falls", DOWN, None, SAFE, "shift", 14, 1.5),
                (0, 1),
            ),
        ),
    ),
    FindingSpec(
        "M7",
        "UC",
        M,
        "Medicine",
        RESPONSIVE,
        "The trust must ensure that patients are not cared for in corridors.",
        (
            ("Flow", "Open a discharge lounge at RSH."),
            ("Flow", "Hold a daily board round on every medical ward before 11:00."),
        ),
    ),
    FindingSpec(
        "S3",
        "UC",
        S,
        "Urgent and emergency care",
        RESPONSIVE,
        "The trust should improve flow in minors so patients are seen within four hours.",
        (("Flow", "Cross-cover minors from majors at peak times."),),
    ),
    FindingSpec(
        "S4",
        "UC",
        S,
        "Medicine",
        EFFECTIVE,
        "The trust should ensure that Hospital at Night handovers are recorded.",
        (("Governance", "Record the Hospital at Night handover electronically."),),
    ),
    # Scheduled Care -----------------------------------------------------------------------
    FindingSpec(
        "M8",
        "SC",
        M,
        "Critical care",
        SAFE,
        "The trust must ensure that critical care has enough consultant intensivists.",
        (
            ("Staffing", "Recruit two consultant intensivists."),
            ("Staffing", "Agree a consultant rota meeting GPICS standards."),
        ),
        REG18,
        (
            RootCauseSpec(
                "Consultant rota gaps are covered by anaesthetists without ICU sessions.",
                (
                    "Critical care shifts meeting the GPICS consultant ratio",
                    "%",
                    UP,
                    100,
                    SAFE,
                    "trend",
                    76,
                    2.0,
                ),
                (0, 1),
            ),
        ),
    ),
    FindingSpec(
        "M9",
        "SC",
        M,
        "Surgery",
        SAFE,
        "The trust must ensure that the WHO surgical safety checklist is completed for every "
        "operation.",
        (
            ("Safety", "Observe 10 checklists a month in each theatre."),
            ("Training", "Brief every theatre team on the five steps."),
        ),
        REG12,
    ),
    FindingSpec(
        "M10",
        "SC",
        M,
        "End of life care",
        EFFECTIVE,
        "The trust must ensure that DNACPR decisions are recorded and discussed with patients "
        "or their families.",
        (
            ("Governance", "Audit DNACPR forms monthly on every ward."),
            ("Training", "Train junior doctors in DNACPR conversations."),
        ),
        REG17,
        (
            RootCauseSpec(
                "Doctors are not confident to hold the conversation.",
                (
                    "DNACPR forms with the discussion recorded",
                    "%",
                    UP,
                    90,
                    EFFECTIVE,
                    "shift",
                    61,
                    3.0,
                ),
                (0, 1),
            ),
        ),
    ),
    FindingSpec(
        "S5",
        "SC",
        S,
        "Surgery",
        RESPONSIVE,
        "The trust should reduce the number of operations cancelled on the day.",
        (("Flow", "Hold a pre-assessment call 72 hours before surgery."),),
    ),
    FindingSpec(
        "S6",
        "SC",
        S,
        "End of life care",
        CARING,
        "The trust should ensure that the specialist palliative care team is available seven "
        "days a week.",
        (("Staffing", "Extend palliative care nurse cover to weekends."),),
    ),
    FindingSpec(
        "S7",
        "SC",
        S,
        "Outpatients",
        RESPONSIVE,
        "The trust should ensure that outpatient letters are sent within 7 days.",
        (("Governance", "Move clinic letters to digital dictation."),),
    ),
    # Workforce ----------------------------------------------------------------------------
    FindingSpec(
        "M11",
        "WF",
        M,
        "Trust wide",
        SAFE,
        "The trust must ensure that staff complete mandatory training, including safeguarding "
        "level 3.",
        (
            ("Training", "Give every ward a monthly training compliance report."),
            ("Training", "Add safeguarding level 3 sessions at both sites."),
            ("Training", "Protect time for training on the rota."),
        ),
        REG18,
        (
            RootCauseSpec(
                "Staff cannot be released from the rota to attend training.",
                (
                    "Staff with safeguarding level 3 training",
                    "%",
                    UP,
                    90,
                    SAFE,
                    "trend",
                    64,
                    1.8,
                ),
                (1, 2),
            ),
            RootCauseSpec(
                "Managers do not see who is out of date.",
                (
                    "Wards with a training compliance report reviewed",
                    "%",
                    UP,
                    None,
                    WELL_LED,
                    "stable",
                    80,
                    3.0,
                ),
                (0,),
            ),
        ),
    ),
    FindingSpec(
        "M12",
        "WF",
        M,
        "Urgent and emergency care",
        SAFE,
        "The trust must ensure safe nurse staffing levels in ED (Section 29A).",
        (
            ("Staffing", "Set ED nurse establishment by acuity and fill it."),
            ("Staffing", "Escalate every unfilled ED shift to the site manager."),
        ),
        REG18,
        (
            RootCauseSpec(
                "Agency shifts are booked too late to be filled.",
                ("ED nursing shifts unfilled", "shifts", DOWN, 10, SAFE, "outlier", 28, 2.0),
                (0, 1),
            ),
        ),
    ),
    FindingSpec(
        "M13",
        "WF",
        M,
        "Trust wide",
        WELL_LED,
        "The trust must ensure that staff have an appraisal each year.",
        (("Workforce", "Launch the new appraisal paperwork with a manager's guide."),),
        REG18,
    ),
    FindingSpec(
        "S8",
        "WF",
        S,
        "Trust wide",
        WELL_LED,
        "The trust should improve staff engagement in improvement work.",
        (
            ("Engagement", "Recruit engagement champions in every care group."),
            ("Engagement", "Launch the Improving Together newsletter."),
        ),
    ),
    FindingSpec(
        "S9",
        "WF",
        S,
        "Trust wide",
        CARING,
        "The trust should support staff wellbeing.",
        (("Wellbeing", "Propose an Employee Assistance Programme to the workforce committee."),),
    ),
    # Well-led -----------------------------------------------------------------------------
    FindingSpec(
        "M14",
        "WL",
        M,
        "Trust wide",
        WELL_LED,
        "The trust must ensure that governance systems give the board assurance on quality "
        "and safety (W4).",
        (
            ("Governance", "Revise and refresh the Board Assurance Framework."),
            ("Governance", "Implement the Tier 3 committee review's recommendations."),
            ("Governance", "Establish a Serious Incident panel."),
        ),
        REG17,
        (
            RootCauseSpec(
                "Serious incident reports are late and not reviewed by a panel.",
                (
                    "Serious incidents reviewed by the panel within 60 days",
                    "%",
                    UP,
                    90,
                    WELL_LED,
                    "shift",
                    58,
                    3.0,
                ),
                (2,),
            ),
        ),
    ),
    FindingSpec(
        "M15",
        "WL",
        M,
        "Trust wide",
        WELL_LED,
        "The trust must ensure leaders have the capacity and capability to deliver "
        "high-quality, sustainable care (W1).",
        (
            ("Leadership", "Review and re-align executive director portfolios."),
            ("Leadership", "Give 200 leaders a personal development plan (Leadership Academy)."),
        ),
        REG17,
    ),
    FindingSpec(
        "M16",
        "WL",
        M,
        "Trust wide",
        WELL_LED,
        "The trust must ensure a culture where staff can raise concerns (W3).",
        (
            ("Culture", "Recruit 20 Freedom to Speak Up advocates."),
            ("Culture", "Run the staff pulse survey each quarter."),
        ),
        REG17,
        (
            RootCauseSpec(
                "Staff do not know who to speak to or fear the consequences.",
                (
                    "Staff who would feel safe raising a concern",
                    "%",
                    UP,
                    None,
                    WELL_LED,
                    "trend",
                    55,
                    1.5,
                ),
                (0, 1),
            ),
        ),
    ),
    FindingSpec(
        "S10",
        "WL",
        S,
        "Trust wide",
        WELL_LED,
        "The trust should ensure Board committees' terms of reference are aligned to the BAF.",
        (("Governance", "Use the BAF-based agenda format at every Tier 2 committee."),),
    ),
    FindingSpec(
        "S11",
        "WL",
        S,
        "Trust wide",
        WELL_LED,
        "The trust should ensure the risk register is kept up to date.",
        (("Risk", "Hold risk management and report-writing workshops for managers."),),
    ),
]


def _series(pattern: str, base: float, step: float, direction: str, seed: int) -> list[float]:
    """Monthly values with the special cause the pattern names.

    ``stable``: common cause only; ``shift``: the last 8 months sit a step and a half
    better (7 or more on one side of the mean); ``trend``: the last 8 months rise (or fall)
    every month; ``outlier``: one month far beyond the process limits.
    """
    rng = random.Random(seed)
    better = 1 if direction == Direction.INCREASE else -1
    values = [base + rng.uniform(-1, 1) * step for _ in range(KPI_MONTHS)]
    tail = KPI_MONTHS - 8
    if pattern == "shift":
        for i in range(tail, KPI_MONTHS):
            values[i] = base + better * 1.5 * step + rng.uniform(-0.3, 0.3) * step
    elif pattern == "trend":
        for n, i in enumerate(range(tail, KPI_MONTHS), start=1):
            values[i] = base + better * step * 0.45 * n
    elif pattern == "outlier":
        values = [base + rng.uniform(-0.5, 0.5) * step for _ in range(KPI_MONTHS)]
        values[KPI_MONTHS - 5] = base - better * 6 * step  # a bad month: concern
    return [round(min(v, 100.0) if v > 0 else 0.0, 1) for v in values]


def _people() -> dict:
    from .seed import demo_user

    people = {}
    for username, (first, last, role, exec_role) in PEOPLE.items():
        user = demo_user(username, first=first, last=last, role=role, domain="sath")
        if exec_role:
            code, title = exec_role
            ExecRole.objects.update_or_create(code=code, defaults={"title": title, "holder": user})
        people[username] = user
    return people


def _inspection() -> Inspection:
    inspection, _ = Inspection.objects.get_or_create(
        provider=TRUST,
        published_on=dt.date(2018, 11, 29),
        defaults={
            "kind": Inspection.Kind.COMPREHENSIVE,
            "visit_start": dt.date(2018, 8, 14),
            "visit_end": dt.date(2018, 10, 11),
            "summary": "Comprehensive inspection and well-led review, published 29 November "
            "2018. Rated Inadequate overall; Inadequate in Safe and Well-led. 79 Must Do and "
            "91 Should Do findings; Section 29A and Section 31 notices ahead of the report.",
        },
    )
    if not inspection.ratings.exists():
        ratings.inspection_ratings_save(inspection=inspection, grid=RATINGS)
    return inspection


def _kpi(*, plan: Plan, ref: str, spec: KpiSpec, owner, months: list[dt.date], now, seed: int):
    name, unit, direction, target, question, pattern, base, step = spec
    kpi = kpi_services.kpi_create(
        plan=plan,
        ref=ref,
        name=name,
        unit=unit,
        direction=direction,
        target=target,
        owner=owner,
        key_question=question,
    )
    for date, value in zip(months, _series(pattern, base, step, direction, seed), strict=True):
        kpi_services.kpi_value_record(kpi=kpi, date=date, value=value, by=owner, now=now)
    return kpi


def _status(index: int, end: dt.date, today: dt.date) -> str:
    """A plausible RAGB for the action's place in the plan: most past-due work is done."""
    if end < today:
        return [Status.BLUE, Status.BLUE, Status.BLUE, Status.RED, Status.AMBER][index % 5]
    return [Status.GREEN, Status.GREEN, Status.AMBER, Status.GREEN, Status.WHITE][index % 5]


def build_seed004(*, now: dt.datetime | None = None) -> tuple[Plan, dict]:
    """The seed 004 plan and its people (username → user). Safe to run again: a plan
    already there is returned as it stands, with the people."""
    from .seed import DemoRefused

    if not settings.DEBUG:
        raise DemoRefused("Demo seeding refuses to run when DEBUG is off.")
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        people = _people()
        inspection = _inspection()
        plan = Plan.objects.filter(name=PLAN_NAME).order_by("id").first()
        if plan is not None:
            return plan, people
        plan = services.plan_save(
            plan=Plan(
                name=PLAN_NAME,
                trust=TRUST,
                inspection=inspection,
                cadence=Plan.Cadence.FORTNIGHTLY,
                cycle_starts_on=today,
            )
        )
        _plan_build(plan=plan, inspection=inspection, people=people, now=now, today=today)

        # Approved by the PMO's board on the day the plan was agreed, then changed only
        # through change requests: one approved by the COO, one waiting.
        add_baseline_and_change_requests(
            plan,
            pmo=people["sath_pmo"],
            approver=people["sath_coo"],
            lead=people["sath_ed"],
            now=now,
        )
        # Its risk register and BAF risks, and the Section 31 notice with its conditions.
        add_risks_and_notices(plan, pmo=people["sath_pmo"])
    return plan, people


def _plan_build(*, plan: Plan, inspection: Inspection, people: dict, now, today) -> None:
    months = _month_ends(now, KPI_MONTHS)
    pmo = people["sath_pmo"]
    roles = {r.code: r for r in ExecRole.objects.filter(code__in=[i.exec_code for i in ISGS])}
    workstreams = {}
    for position, isg in enumerate(ISGS, start=1):
        workstream = Workstream.objects.create(
            plan=plan,
            name=isg.name,
            executive=people[isg.executive],
            lead=people[isg.lead],
            cadence=isg.cadence,
            position=position,
        )
        high_level = _kpi(
            plan=plan,
            ref=f"{isg.prefix}-K",
            spec=isg.high_level_kpi,
            owner=people[isg.lead],
            months=months,
            now=now,
            seed=position,
        )
        workstream.kpis.add(high_level)
        workstreams[isg.prefix] = (isg, workstream)

    counters = dict.fromkeys(workstreams, 0)
    start = today - dt.timedelta(days=7 * 34)
    for f_index, spec in enumerate(FINDINGS):
        isg, workstream = workstreams[spec.isg]
        finding = Finding.objects.create(
            inspection=inspection,
            ref=spec.ref,
            kind=spec.kind,
            core_service=spec.core_service,
            key_question=spec.key_question,
            regulation=spec.regulation,
            text=spec.text,
        )
        actions = []
        for theme, requirement in spec.actions:
            counters[spec.isg] += 1
            n = counters[spec.isg]
            # Ends spread from five months ago to seven months ahead; Well-led runs longest.
            end = today + dt.timedelta(days=30 * ((f_index * 3 + n) % 13 - 5))
            status = _status(f_index + n, end, today)
            action = services.action_create(
                plan=plan,
                by=pmo,
                ref=f"{isg.prefix}{n}",
                theme=theme,
                department=spec.core_service,
                kind=spec.kind,
                requirement=requirement,
                action_lead=people[isg.lead],
                start_date=start,
                end_date=end,
                status=status,
                exec_roles=[roles[isg.exec_code]],
                findings=[finding],
                closed_before_import=IMPORTED_NOTE if status == Status.BLUE else "",
                now=now,
            )
            WorkstreamAction.objects.create(workstream=workstream, action=action)
            actions.append(action)
        for rc_index, rc in enumerate(spec.root_causes, start=1):
            ref = f"{spec.ref}.{rc_index}"
            kpi = _kpi(
                plan=plan,
                ref=f"RC{ref}",
                spec=rc.kpi,
                owner=people[isg.lead],
                months=months,
                now=now,
                seed=100 + f_index * 10 + rc_index,
            )
            workstream.kpis.add(kpi)
            root_cause = RootCause.objects.create(
                plan=plan,
                finding=finding,
                ref=ref,
                description=rc.description,
                owner=people[isg.lead],
                workstream=workstream,
                due_date=max(actions[i].end_date for i in rc.actions),
                kpi=kpi,
            )
            root_cause.actions.set([actions[i] for i in rc.actions])
