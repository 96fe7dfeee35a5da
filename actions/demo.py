"""The demo: the CCC improvement plan of 2019 (seed 000), its inspection and six users."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from . import services
from .importer import plan_import
from .models import Action, ExecRole, Inspection, Plan, Role

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
PLAN_FILE = FIXTURES / "ccc-improvement-plan-2019.csv"
ROLE_KEY_FILE = FIXTURES / "ccc-role-key.csv"
DEMO_PASSWORD = "change-me-demo"  # noqa: S105 - demo accounts only; seeding refuses without DEBUG
PLAN_NAME = "CCC Improvement plan following regulatory visit and published CQC report April 2019"
TRUST = "The Clatterbridge Cancer Centre NHS Foundation Trust"
FIRST_LEAD_REFS = {f"T{n}" for n in range(1, 9)}

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


def demo_seed() -> Plan:
    """Load the demo plan and users. Safe to run again: nothing is duplicated."""
    if not settings.DEBUG:
        raise DemoRefused(
            "Demo seeding refuses to run when DEBUG is off: demo accounts share a known "
            "password. Set DEBUG=1 on a local or demo machine only."
        )
    with transaction.atomic():
        with ROLE_KEY_FILE.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                ExecRole.objects.update_or_create(
                    code=row["Abbreviation"], defaults={"title": row["Role"]}
                )
        users = {}
        user_model = get_user_model()
        for username, (first, last, role, exec_code) in DEMO_USERS.items():
            user, created = user_model.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{first}.{last}@ccc.example.nhs.uk".lower(),
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.add(Group.objects.get_or_create(name=role.value)[0])
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
        plan, _ = Plan.objects.get_or_create(
            name=PLAN_NAME, defaults={"trust": TRUST, "inspection": inspection}
        )
        report = plan_import(
            plan=plan,
            data=PLAN_FILE.read_bytes(),
            filename=PLAN_FILE.name,
            by=users["pmo"],
            dry_run=False,
        )
        if not report.ok:
            raise RuntimeError(
                "The demo plan did not import: " + "; ".join(map(str, report.errors))
            )
        for lead_name, refs in (
            ("lead", Action.objects.filter(plan=plan, ref__in=FIRST_LEAD_REFS)),
            ("lead2", Action.objects.filter(plan=plan).exclude(ref__in=FIRST_LEAD_REFS)),
        ):
            services.actions_assign_lead(
                actions=refs.exclude(action_lead=users[lead_name]),
                lead=users[lead_name],
                by=users["pmo"],
            )
    return plan
