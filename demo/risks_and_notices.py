"""A demo plan's risks and regulatory notices (seed 003): BAF and register risks linked to the
plan's actions and findings, themed so the alignment table has something to count, and a
Section 31 notice with three conditions (one overdue, one met) answered by actions."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from actions.models import Action, Plan
from programme import notices, risks
from programme.models import Alignment, ConditionStatus, NoticeKind, Risk, RiskKind

# kind, reference, title, owner, likelihood, consequence, theme, alignment
DEMO_RISKS = [
    (
        RiskKind.BAF,
        "BAF 1",
        "If we do not optimise quality outcomes we will not be able to provide outstanding care",
        "Director of Nursing",
        4,
        5,
        "",
        "",
    ),
    (
        RiskKind.BAF,
        "BAF 4",
        "If we do not have the right workforce solutions we will not have the right skills in "
        "the right place at the right time",
        "Director of Workforce",
        4,
        4,
        "",
        "",
    ),
    (
        RiskKind.REGISTER,
        "R1234",
        "Deteriorating patient: NEWS2 escalation not consistently followed",
        "Medical Director",
        3,
        4,
        "Deteriorating patient",
        Alignment.NEEDS_UPDATE,
    ),
    (
        RiskKind.REGISTER,
        "R0871",
        "Mandatory training compliance below 90%",
        "Director of Workforce",
        3,
        3,
        "Training",
        Alignment.ON_REGISTER,
    ),
    (
        RiskKind.REGISTER,
        "",
        "End of life care: DNACPR decisions not consistently documented",
        "",
        3,
        4,
        "End of life care",
        Alignment.NOT_ON_REGISTER,
    ),
    (
        RiskKind.REGISTER,
        "",
        "Maternity: CTG training compliance below the Section 31 requirement",
        "",
        4,
        4,
        "Maternity",
        Alignment.NOT_ON_REGISTER,
    ),
]

CONDITIONS = [
    "All midwives and obstetricians who interpret CTGs complete CTG training and competency "
    "assessment, and the trust reports compliance to the CQC monthly.",
    "The trust operates an effective system to review and escalate fetal monitoring in line "
    "with national guidance, with a fresh-eyes review at least hourly.",
    "The trust sends the CQC a weekly report of the midwifery staffing on each shift and the "
    "actions taken when staffing fell below the planned level.",
]


def add_risks_and_notices(plan: Plan, *, pmo) -> None:
    """Risks (2 BAF, 4 register, 4 of them themed from the inspection) and a Section 31 notice
    with 3 conditions linked to the plan's first open actions. Safe to run twice: a plan that
    has risks or notices already is left as it is."""
    if Risk.objects.in_plan(plan).exists() or plan.notices.exists():
        return
    actions = list(Action.objects.filter(plan=plan).open().order_by("id")[:6])
    findings = list(risks.plan_findings(plan)[:4])
    made = []
    for kind, reference, title, owner, likelihood, consequence, theme, alignment in DEMO_RISKS:
        made.append(
            risks.risk_create(
                plan=plan,
                kind=kind,
                reference=reference,
                title=title,
                owner=pmo if not owner else None,
                owner_name=owner,
                likelihood=likelihood,
                consequence=consequence,
                theme=theme,
                alignment=alignment,
            )
        )
    for index, risk in enumerate(made):
        linked = actions[index % len(actions) :][:2] if actions else []
        risks.risk_links_set(
            risk=risk, actions=linked, findings=findings[index : index + 1] if findings else []
        )

    today = timezone.localdate()
    notice = notices.notice_create(
        plan=plan,
        kind=NoticeKind.SECTION_31,
        reference="Maternity services",
        inspection=plan.inspection,
        core_service="Maternity",
        issued_on=today - dt.timedelta(days=75),
        deadline=today + dt.timedelta(days=45),
        summary="Conditions imposed on the trust's registration for maternity services under "
        "Section 31 of the Health and Social Care Act 2008.",
    )
    deadlines = [today - dt.timedelta(days=10), today + dt.timedelta(days=30), None]
    statuses = [ConditionStatus.OPEN, ConditionStatus.OPEN, ConditionStatus.MET]
    for number, (text, deadline, status) in enumerate(
        zip(CONDITIONS, deadlines, statuses, strict=True), start=1
    ):
        condition = notices.condition_create(
            notice=notice, number=number, text=text, deadline=deadline, status=status
        )
        notices.condition_links_set(
            condition=condition,
            actions=actions[number - 1 : number] if actions else [],
            findings=findings[:1] if number == 1 else [],
        )
