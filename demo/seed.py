"""The demo: the CCC improvement plan of 2019 (seed 000), its inspection and six users."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from actions import services
from actions.importer import plan_import
from actions.inspections import ratings
from actions.models import Action, ExecRole, Inspection, KeyQuestion, Plan, Rating, Role

from .kpis import demo_kpis_seed

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
PLAN_FILE = FIXTURES / "ccc-improvement-plan-2019.csv"
ROLE_KEY_FILE = FIXTURES / "ccc-role-key.csv"
DEMO_PASSWORD = "change-me-demo"  # noqa: S105 - demo accounts only; seeding refuses without DEBUG
PLAN_NAME = "CCC Improvement plan following regulatory visit and published CQC report April 2019"
TRUST = "The Clatterbridge Cancer Centre NHS Foundation Trust"
FIRST_LEAD_REFS = {f"T{n}" for n in range(1, 9)}
# Seed 000: "rating the trust overall as GOOD … requires improvement in the well led domain".
DEMO_RATINGS = {
    ("", ""): Rating.GOOD,
    ("", KeyQuestion.WELL_LED): Rating.REQUIRES_IMPROVEMENT,
}

# username: (first name, last name, role, exec role held)
DEMO_USERS = {
    "pmo": ("Gill", "Murray", Role.PMO, None),
    "lead": ("Sarah", "Whitfield", Role.ACTION_LEAD, None),
    "lead2": ("Tom", "Okafor", Role.ACTION_LEAD, None),
    "exec": ("Helen", "Carter", Role.EXEC_LEAD, "DWOD"),
    "reviewer": ("David", "Hughes", Role.REVIEWER, None),
    "board": ("Margaret", "Ellis", Role.BOARD, None),
}


class DemoRefused(Exception):
    pass


def demo_seed(*, history: bool = False, now: dt.datetime | None = None) -> Plan:
    """Load the demo plan and users. Safe to run again: nothing is duplicated.

    With ``history``, the plan comes with a past (``demo.history``): its cycle
    began weeks before ``now``, and every week since has its updates, lock and exception
    report. The plan and its past are written once, when the plan is first created.
    """
    if not settings.DEBUG:
        raise DemoRefused(
            "Demo seeding refuses to run when DEBUG is off: demo accounts share a known "
            "password. Set DEBUG=1 on a local or demo machine only."
        )
    now = now or timezone.now()
    with transaction.atomic():
        with ROLE_KEY_FILE.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                ExecRole.objects.update_or_create(
                    code=row["Abbreviation"], defaults={"title": row["Role"]}
                )
        users = {}
        for username, (first, last, role, exec_code) in DEMO_USERS.items():
            user = demo_user(username, first=first, last=last, role=role, domain="ccc")
            if exec_code:
                ExecRole.objects.filter(code=exec_code).update(holder=user)
            users[username] = user

        inspection, _ = Inspection.objects.get_or_create(
            provider=TRUST,
            published_on=dt.date(2019, 4, 16),
            defaults={
                "kind": Inspection.Kind.UNANNOUNCED,
                "visit_start": dt.date(2018, 12, 4),
                "visit_end": dt.date(2019, 1, 24),
                "summary": "Unannounced inspection of three acute services in December 2018 "
                "and a well-led review in January 2019. Rated Good overall; Requires "
                "improvement in well-led. Four regulatory requirement notices, 14 must do "
                "and 19 should do actions.",
            },
        )
        if not inspection.ratings.exists():
            ratings.inspection_ratings_save(inspection=inspection, grid=DEMO_RATINGS)
        plan = Plan.objects.filter(name=PLAN_NAME).order_by("id").first()
        if plan is not None:
            return plan  # seeded before: the plan has moved on since, and keeps its past

        def assign(at: dt.datetime) -> None:
            for lead_name, refs in (
                ("lead", Action.objects.filter(plan=plan, ref__in=FIRST_LEAD_REFS)),
                ("lead2", Action.objects.filter(plan=plan).exclude(ref__in=FIRST_LEAD_REFS)),
            ):
                services.actions_assign_lead(
                    actions=refs.exclude(action_lead=users[lead_name]),
                    lead=users[lead_name],
                    by=users["pmo"],
                    now=at,
                )

        plan = Plan(name=PLAN_NAME, trust=TRUST, inspection=inspection)
        if history:
            from .history import history_write

            history_write(plan=plan, users=users, plan_file=PLAN_FILE, now=now, assign=assign)
            plan.refresh_from_db()
            _key_questions_record(plan)
            demo_kpis_seed(plan=plan, users=users, now=now)
            return plan
        services.plan_save(plan=plan)
        report = plan_import(
            plan=plan,
            data=PLAN_FILE.read_bytes(),
            filename=PLAN_FILE.name,
            by=users["pmo"],
            dry_run=False,
            now=now,
        )
        if not report.ok:
            raise RuntimeError(
                "The demo plan did not import: " + "; ".join(map(str, report.errors))
            )
        assign(now)
        _key_questions_record(plan)
        demo_kpis_seed(plan=plan, users=users, now=now)
    return plan


# The CQC key question each of the demo plan's themes answers, as the PMO would record it
# on the inspection's findings (the paper's plan does not say; the board report groups by it).
THEME_KEY_QUESTIONS = {
    "Dementia / DoLS / AN": KeyQuestion.EFFECTIVE,
    "Equality & Diversity": KeyQuestion.WELL_LED,
    "Governance": KeyQuestion.WELL_LED,
    "Risk": KeyQuestion.SAFE,
    "Safety": KeyQuestion.SAFE,
    "Training": KeyQuestion.SAFE,
    "Other": KeyQuestion.RESPONSIVE,
}


def _key_questions_record(plan: Plan) -> None:
    """Give the demo inspection's findings the key question of their action's theme."""
    for action in plan.actions.prefetch_related("findings"):
        question = THEME_KEY_QUESTIONS.get(action.theme)
        if question:
            action.findings.filter(key_question="").update(key_question=question)


def demo_has_history(plan: Plan) -> bool:
    """Was the plan seeded with its past (any period locked)?"""
    return plan.periods.filter(locked_at__isnull=False).exists()


def demo_user(username: str, *, first: str, last: str, role, domain: str):
    """A demo sign-in in its role's group, made once with the demo password (an existing
    one keeps the password it has)."""
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{first}.{last}@{domain}.example.nhs.uk".lower(),
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user
