"""Public publication of a 300-action plan in a trust with 2,000 staff accounts.

    .venv/bin/python bench/publication.py              # 3 timed builds, 1 timed PDF
    .venv/bin/python bench/publication.py -n 5 --pdf-runs 2
    .venv/bin/python bench/publication.py --profile build   # also cProfile one build
    .venv/bin/python bench/publication.py --profile pdf     # also cProfile one PDF
    .venv/bin/python bench/publication.py --regenerate      # generate the data again
    .venv/bin/python bench/publication.py --weeks 13        # a plan a quarter old (52)

Its own database, ``<bench database>_publication`` (``improvement_bench_publication`` on the
local PostgreSQL unless ``BENCH_DATABASE_URL`` names another base), generated on first use:
``bench/generate.py`` at 300 actions and 60 leads (a year of weekly updates, or
``--weeks``; the data is generated again when the number changes), then staff
accounts up to 2,000 users (names drawn from common first names and surnames, so many people
share a surname; some double-barrelled), a third of the narratives rewritten to mention
people every way they get named (full name, "Surname, First", "J. Surname", username,
email), four history entries and three evidence items per action doing the same, and the
PMO's settings with **every field chosen**.

Timed, with the PDF off (the Publish request) and on (the worker):

- **redactor**: ``redactor_for_plan`` (every user's name forms and public title);
- **document**: ``publication_document`` (the reads, the redactor, every string rewritten);
- **safety scan**: ``Redactor.leaks`` over every string of the document;
- **Publish request**: ``publication_create`` in a transaction rolled back afterwards
  (the document, the scan and the insert; the PDF is queued, not made, in the request);
- **PDF**: ``render_pdf`` of that document (the template and WeasyPrint's layout).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import functools
import os
import pstats
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/improvement_bench"
USERS = 2000
ACTIONS = 300
LEADS = 60
PLAN_NAME = "Bench: publication, 300 actions"
MORE_SURNAMES = (
    "Fairweather-Quince Okonkwo Thistlewood Zanzibar Kowalczyk Vandersloot Pennyfeather "
    "Quarrington Abernathy-Lowe Nakamura Oyelaran Szymanski Delacroix Ferreira O'Brien "
    "MacLeod Ramanathan Eriksson Bianchi Achterberg"
).split()


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    base = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ["BENCH_DATABASE_URL"] = f"{base}_publication"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


WEEKS = 52


def _generator():
    from bench import generate

    generate.WEEKS = WEEKS
    if not isinstance(generate.generate, functools.partial):  # its default is bound at 52
        generate.generate = functools.partial(generate.generate, weeks=WEEKS)
    generate.ACTIONS = ACTIONS
    generate.LEADS = LEADS
    generate.UNASSIGNED = 3
    generate.PLAN_NAME = PLAN_NAME
    return generate


# The data --------------------------------------------------------------------------------


def prepare(force: bool) -> int:
    """The plan's id, generated (and given people to redact) if missing or stale."""
    from evidence.models import Evidence

    generate = _generator()
    generate.prepare_database()
    plan = generate.ensure(force=force)
    if not Evidence.objects.filter(action__plan=plan).exists():
        started = time.perf_counter()
        _add_people(plan)
        seconds = time.perf_counter() - started
        print(f"Added staff, mentions, history and evidence in {seconds:.0f} s.")
    return plan.pk


def _add_people(plan) -> None:
    """Staff accounts up to 2,000; names in narratives, history, evidence and the summary."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import transaction

    from actions.models import HistoryEntry, Role, WeeklyUpdate
    from evidence.models import Evidence
    from reporting.publication import services
    from reporting.publication.content import FIELD_KEYS
    from reporting.publication.glossary import DEFAULT_GLOSSARY

    generate = _generator()
    rng = random.Random(11)
    user_model = get_user_model()
    surnames = [*generate.LAST_NAMES, *MORE_SURNAMES]
    with transaction.atomic():
        have = user_model.objects.count()
        staff = [
            user_model(
                username=f"{first[0]}{last}{n}".lower().replace("'", ""),
                first_name=first,
                last_name=last,
                email=f"{first}.{last}{n}@bench.example.nhs.uk".lower().replace("'", ""),
                password="!",  # no sign-in
            )
            for n in range(have, USERS)
            for first, last in [(rng.choice(generate.FIRST_NAMES), rng.choice(surnames))]
        ]
        user_model.objects.bulk_create(staff, batch_size=1000)
        membership = user_model.groups.through
        groups = {g.name: g.pk for g in Group.objects.all()}
        membership.objects.bulk_create(
            [membership(user_id=u.pk, group_id=groups[Role.REVIEWER]) for u in staff[:10]]
            + [membership(user_id=u.pk, group_id=groups[Role.BOARD]) for u in staff[10:20]]
        )
        people = list(
            user_model.objects.values_list("username", "first_name", "last_name", "email")
        )
        pmo = user_model.objects.get(username="pmo")

        def mention() -> str:
            username, first, last, email = rng.choice(people)
            forms = [
                f"{first} {last} chased estates",
                f"{last}, {first} agreed the dates",
                f"{first[0]}. {last} to report back",
                f"Dr {last} escalated",
                f"{username} to review",
                f"contact {email}",
                f"{first} covering",
            ]
            return "; ".join(rng.sample(forms, k=2)) + "."

        updates = list(WeeklyUpdate.objects.filter(period__plan=plan).order_by("id"))
        changed = []
        for update in updates[::3]:
            update.narrative = f"{update.narrative} {mention()}"
            changed.append(update)
        WeeklyUpdate.objects.bulk_update(changed, ["narrative"], batch_size=2000)

        entries, evidence = [], []
        for action in plan.actions.select_related("action_lead").order_by("id"):
            at = plan.created_at + dt.timedelta(days=rng.randint(1, 300))
            names = [f"{p[1]} {p[2]}" for p in rng.sample(people, 2)]
            entries += [
                HistoryEntry(action=action, actor=pmo, at=at, kind="created", version=1),
                HistoryEntry(
                    action=action,
                    actor=pmo,
                    at=at + dt.timedelta(days=1),
                    kind="lead_assigned",
                    version=2,
                    changes={"action_lead": [{"id": None, "name": n} for n in names]},
                ),
                HistoryEntry(
                    action=action,
                    actor=pmo,
                    at=at + dt.timedelta(days=2),
                    kind="changed",
                    version=3,
                    changes={"end_date": ["2027-03-31", "2027-06-30"]},
                    note=f"Agreed at IPAG. {mention()} See "
                    f"https://sharepoint.example/personal/{rng.choice(people)[0]}/minutes.docx",
                ),
                HistoryEntry(
                    action=action,
                    actor=action.action_lead,
                    at=at + dt.timedelta(days=3),
                    kind="evidence_added",
                    version=3,
                    note=mention(),
                ),
            ]
            for n in range(3):
                who = rng.choice(people)
                evidence.append(
                    Evidence(
                        action=action,
                        kind="link" if n == 1 else "note",
                        description=f"Register signed by {who[1]} {who[2]} ({who[0]}). "
                        + mention(),
                        url=f"https://sharepoint.example/sites/{who[0]}/audit.xlsx"
                        if n == 1
                        else "",
                        note="" if n == 1 else mention(),
                        added_by=action.action_lead or pmo,
                        added_at=at + dt.timedelta(days=4 + n),
                    )
                )
        HistoryEntry.objects.bulk_create(entries, batch_size=2000)
        Evidence.objects.bulk_create(evidence, batch_size=2000)
        services.publication_settings_save(
            plan=plan,
            by=pmo,
            fields=list(FIELD_KEYS),
            highlights=f"Thanks to the maternity team. {mention()}",
            challenges=f"Recruitment is slow. {mention()}",
            glossary=list(DEFAULT_GLOSSARY),
        )


# Measuring -------------------------------------------------------------------------------


def _timed(step):
    started = time.perf_counter()
    result = step()
    return result, time.perf_counter() - started


def _pages(pdf: bytes) -> int | None:
    import shutil
    import subprocess  # noqa: S404 (poppler's pdfinfo, no shell)
    import tempfile

    if not shutil.which("pdfinfo"):
        return None
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        info = subprocess.run(  # noqa: S603
            ["pdfinfo", file.name], capture_output=True, text=True, check=False
        ).stdout
    for line in info.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return None


def measure(plan_id: int, runs: int, pdf_runs: int, profile: str | None) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from actions.models import Plan
    from reporting.publication import services
    from reporting.publication.content import publication_document, strings_of
    from reporting.publication.pdf import render_pdf
    from reporting.publication.redact import redactor_for_plan

    plan = Plan.objects.get(pk=plan_id)
    draft = services.publication_draft(plan=plan)
    pmo = get_user_model().objects.get(username="pmo")
    times: dict[str, list[float]] = {
        "redactor": [],
        "document": [],
        "safety scan": [],
        "Publish request": [],
        "PDF": [],
    }
    document = None
    for _ in range(runs):
        _r, seconds = _timed(lambda: redactor_for_plan(plan))
        times["redactor"].append(seconds)
        (document, redactor), seconds = _timed(lambda: publication_document(plan=plan, draft=draft))
        times["document"].append(seconds)
        strings = strings_of(document)
        leaks, seconds = _timed(
            lambda strings=strings, redactor=redactor: [
                x for s in strings for x in redactor.leaks(s)
            ]
        )
        assert not leaks, leaks[:5]
        times["safety scan"].append(seconds)

        class RolledBack(Exception):
            pass

        def publish():
            try:
                with transaction.atomic():
                    services.publication_create(plan=plan, by=pmo, token=uuid.uuid4())
                    raise RolledBack
            except RolledBack:
                pass

        _r, seconds = _timed(publish)
        times["Publish request"].append(seconds)
    if profile == "build":
        cProfile.runctx(
            "publication_document(plan=plan, draft=draft)",
            globals(),
            {"publication_document": publication_document, "plan": plan, "draft": draft},
            str(ROOT / "bench" / "results" / "publication-build.prof"),
        )
    meta = {
        "title": f"{plan.name}: improvement plan for the public",
        "number": 1,
        "published_at": timezone.now(),
        "address": "https://example.nhs.uk/public/plans/bench/1/",
    }
    pdf = b""
    for _ in range(pdf_runs):
        pdf, seconds = _timed(lambda: render_pdf(document, meta=meta))
        times["PDF"].append(seconds)
    if profile == "pdf":
        cProfile.runctx(
            "render_pdf(document, meta=meta)",
            globals(),
            {"render_pdf": render_pdf, "document": document, "meta": meta},
            str(ROOT / "bench" / "results" / "publication-pdf.prof"),
        )
    strings = strings_of(document)
    return {
        "times": times,
        "users": get_user_model().objects.count(),
        "actions": len(document["actions"]),
        "updates": sum(
            len(a.get("earlier_updates", [])) + bool(a.get("latest_update"))
            for a in document["actions"]
        ),
        "history": sum(len(a.get("history", [])) for a in document["actions"]),
        "evidence": sum(len(a.get("evidence", [])) for a in document["actions"]),
        "strings": len(strings),
        "characters": sum(len(s) for s in strings),
        "pdf_bytes": len(pdf),
        "pdf_pages": _pages(pdf) if pdf else None,
    }


def report(result: dict) -> None:
    print(
        f"\n{result['users']:,} users; {result['actions']} actions with every field: "
        f"{result['updates']:,} updates, {result['history']:,} history entries, "
        f"{result['evidence']:,} evidence items ({result['strings']:,} strings, "
        f"{result['characters']:,} characters)."
    )
    if result["pdf_bytes"]:
        print(f"PDF: {result['pdf_pages']} pages, {result['pdf_bytes'] / 1e6:.1f} MB.")
    print(f"\n{'step':<18}{'runs':>6}{'median s':>11}{'min s':>9}{'max s':>9}")
    for name, values in result["times"].items():
        if values:
            print(
                f"{name:<18}{len(values):>6}{statistics.median(values):>11.3f}"
                f"{min(values):>9.3f}{max(values):>9.3f}"
            )
    load = os.getloadavg()
    print(f"\nLoad average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs.")


def main(argv: list[str] | None = None) -> int:
    global WEEKS  # noqa: PLW0603 (read by the generator's settings)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=3, help="timed builds (3)")
    parser.add_argument("--pdf-runs", type=int, default=1, help="timed PDF renders (1)")
    parser.add_argument("--profile", choices=["build", "pdf"], help="also cProfile one step")
    parser.add_argument("--regenerate", action="store_true", help="generate the data again")
    parser.add_argument("--weeks", type=int, default=WEEKS, help="weeks of updates (52)")
    args = parser.parse_args(argv)
    WEEKS = args.weeks
    setup()
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    plan_id = prepare(args.regenerate)
    report(measure(plan_id, args.runs, args.pdf_runs, args.profile))
    if args.profile:
        path = ROOT / "bench" / "results" / f"publication-{args.profile}.prof"
        pstats.Stats(str(path)).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
