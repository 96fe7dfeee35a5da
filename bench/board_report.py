"""The board highlight report for a 400-action and a 2,000-action plan, against WeasyPrint's floor.

    make bench                                        # runs this after the other benchmarks
    .venv/bin/python bench/board_report.py [-n 3]     # timed runs per measurement (3)
    .venv/bin/python bench/board_report.py --sizes 400 --profile   # also cProfile the render
    .venv/bin/python bench/board_report.py --charts   # also: each chart as SVG and as PNG
    .venv/bin/python bench/board_report.py --tune-gc report   # fewer GC passes in the render
    .venv/bin/python bench/board_report.py --sizes 2000 --programme   # with workstreams and KPIs
    .venv/bin/python bench/board_report.py --sizes 400 --parts -n 2   # each part alone, CPU s

Each plan has its own database, ``<bench database>_board400`` and ``_board2000``, generated on
first use by ``bench/generate.py`` (the same generator and seed as the other benchmarks, at
400 or 2,000 actions: a year of weekly updates and locked snapshots) and then given what the
report also reads and the generator leaves out: each action's history (created at import,
every status change with its update, closures signed off) and the closure requests with
their sign-off decisions, some declined before they were approved. Stale data (a deadline
has passed since) is generated again.

Every measurement runs in a **fresh process**, as the PDF worker runs each job in a process
replaced afterwards (``--max-tasks-per-child 1``): WeasyPrint keeps memory after a render.
The runs alternate (report 400, floor 400, report 2,000, floor 2,000, then again), so that a
busy machine slows them all alike. Each child reports:

- **warm-up**: what a PDF worker's new process does before it takes a job
  (``reporting.pdf.warm_up``: WeasyPrint, matplotlib, the fonts, the hyphenation dictionary,
  the templates), not in the totals;
- **build**: ``board_report_document`` for the last complete month (the database reads and
  the figures, as at the month's end);
- **render**: ``render_board_pdf`` (the charts, the template, WeasyPrint's layout and PDF);
- **peak RSS**: the child's peak resident set size (``ru_maxrss``), all of it;
- the **floor**: WeasyPrint alone rendering the bare appendix table of the same rows (the same
  nine columns, minimal CSS, A4 landscape), after building the document untimed.

Targets (the issues): the report of each plan, 400 and 2,000 actions, within 1.5x its floor
(build + render of the report over the floor's render, measured in the same run). Printed
PASS or MISS; results are also written to ``bench/results/board_report.json``.

With ``--programme`` each plan also has its programme (``bench/programme.py``: 8
workstreams, 150 KPIs with 24 monthly values, 120 root causes), in databases of their own
(``…_board2000_programme``), and the results go to ``board_report_programme.json``.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SIZES = (400, 2000)
TARGET_FLOOR_RATIO = 1.5
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/improvement_bench"


PROGRAMME_ENV = "BENCH_BOARD_PROGRAMME"


def with_programme() -> bool:
    """Plans with workstreams, KPIs and root causes (``--programme``, inherited by children)."""
    return os.environ.get(PROGRAMME_ENV) == "1"


def database_url(size: int) -> str:
    base = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    return f"{base}_board{size}" + ("_programme" if with_programme() else "")


# In the child: Django on one size's database --------------------------------------------


def _setup(size: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["BENCH_DATABASE_URL"] = database_url(size)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


def _configure_generator(size: int):
    """bench/generate.py at ``size`` actions: the same generator, fewer findings and leads."""
    from bench import generate

    generate.ACTIONS = size
    generate.LEADS = max(10, round(generate.LEADS * size / 2000))
    generate.UNASSIGNED = max(1, round(generate.UNASSIGNED * size / 2000))
    generate.PLAN_NAME = f"Bench: CQC improvement plan {size:,} actions"
    if with_programme():
        generate.PLAN_NAME += " with workstreams and KPIs"
    return generate


def _report_month():
    """The last complete month: its report is as at its end, with every update in."""
    from django.utils import timezone

    from reporting.board.content import add_months, month_start

    return add_months(month_start(timezone.localdate()), -1)


def prepare(size: int) -> dict:
    """Generate the plan if missing or stale; add history and sign-offs if missing."""
    generate = _configure_generator(size)
    generate.prepare_database()
    plan = generate.ensure()
    added = _add_history_and_sign_offs(plan)
    from actions.models import HistoryEntry
    from evidence.models import SignOff

    programme = _programme_prepare(plan) if with_programme() else {}
    return programme | {
        "size": size,
        "plan_id": plan.pk,
        "actions": plan.actions.count(),
        "history_entries": HistoryEntry.objects.filter(action__plan=plan).count(),
        "sign_offs": SignOff.objects.filter(closure__action__plan=plan).count(),
        "history_added_now": added,
        "month": f"{_report_month():%Y-%m}",
    }


def _programme_prepare(plan) -> dict:
    from bench import programme

    added = programme.ensure_programme(plan)
    return programme.describe(plan) | {"programme_added_now": added}


def _add_history_and_sign_offs(plan) -> bool:
    """What the service layer would have recorded over the year, from the generated weeks.

    Written with ``bulk_create``, as ``bench/generate.py`` writes the rest (generated
    history: the services would refuse writes dated in locked weeks). Each week's status
    is the locked snapshot's; a change of status is recorded at that week's update (an
    ``update_saved`` entry with the action's status before and after); a change to Blue is
    a closure requested ten days before and signed off by the PMO, one in six of them
    declined once a month earlier.
    """
    import datetime as dt
    import random
    from collections import defaultdict

    from django.contrib.auth import get_user_model
    from django.db import transaction

    from actions.models import HistoryEntry, PeriodSnapshot, PlanEvent, Status, WeeklyUpdate
    from evidence.models import ClosureRequest, SignOff

    if HistoryEntry.objects.filter(action__plan=plan).exists():
        return False
    rng = random.Random(5)
    pmo = get_user_model().objects.get(username="pmo")
    imported = (
        PlanEvent.objects.filter(plan=plan, kind=PlanEvent.Kind.IMPORTED)
        .values_list("at", flat=True)
        .first()
    )
    periods = list(
        plan.periods.filter(locked_at__isnull=False)
        .order_by("deadline")
        .values_list("id", "deadline")
    )
    held: dict[int, dict[int, str]] = defaultdict(dict)
    for action_id, period_id, status in PeriodSnapshot.objects.filter(
        period__plan=plan
    ).values_list("action_id", "period_id", "action_status"):
        held[action_id][period_id] = status
    updates = {
        (a, p): (at, text, author)
        for a, p, at, text, author in WeeklyUpdate.objects.filter(period__plan=plan).values_list(
            "action_id", "period_id", "submitted_at", "narrative", "author_id"
        )
    }
    entries: list[HistoryEntry] = []
    closures: list[tuple[ClosureRequest, SignOff]] = []
    for action in plan.actions.order_by("id"):
        version = 1
        entries.append(
            HistoryEntry(
                action=action,
                actor=pmo,
                at=imported,
                kind=HistoryEntry.Kind.CREATED,
                version=version,
                changes={},
                note="Imported from the trust's spreadsheet.",
            )
        )
        weeks = held.get(action.pk, {})
        before = weeks.get(periods[0][0], Status.WHITE) if periods else Status.WHITE
        for period_id, deadline in periods[1:]:
            status = weeks.get(period_id, before)
            if status == before:
                continue
            version += 1
            if status == Status.BLUE:
                decided = deadline - dt.timedelta(days=rng.randint(1, 5), hours=3)
                lead = action.action_lead_id
                if rng.random() < 1 / 6:
                    declined = ClosureRequest(
                        action=action,
                        summary="Audit results attached; the new procedure is in place.",
                        requested_by_id=lead,
                        requested_at=decided - dt.timedelta(days=40),
                        previous_status=before,
                        state=ClosureRequest.State.DECLINED,
                    )
                    closures.append(
                        (
                            declined,
                            SignOff(
                                decision=SignOff.Decision.DECLINED,
                                reason="The audit covers one ward only; show it trust-wide.",
                                decided_by=pmo,
                                decided_at=decided - dt.timedelta(days=30),
                            ),
                        )
                    )
                approved = ClosureRequest(
                    action=action,
                    summary="Completed: re-audit shows the standard is met and sustained.",
                    requested_by_id=lead,
                    requested_at=decided - dt.timedelta(days=10),
                    previous_status=before,
                    state=ClosureRequest.State.APPROVED,
                )
                closures.append(
                    (
                        approved,
                        SignOff(
                            decision=SignOff.Decision.APPROVED,
                            decided_by=pmo,
                            decided_at=decided,
                        ),
                    )
                )
                entries.append(
                    HistoryEntry(
                        action=action,
                        actor=pmo,
                        at=decided,
                        kind=HistoryEntry.Kind.CLOSURE_APPROVED,
                        version=version,
                        changes={"status": [before, status]},
                    )
                )
            else:
                at, text, author = updates.get(
                    (action.pk, period_id),
                    (deadline - dt.timedelta(hours=2), "", action.action_lead_id),
                )
                entries.append(
                    HistoryEntry(
                        action=action,
                        actor_id=author,
                        at=at,
                        kind=HistoryEntry.Kind.UPDATE_SAVED,
                        version=version,
                        changes={
                            "update_status": [None, status],
                            "narrative": ["", text],
                            "status": [before, status],
                        },
                    )
                )
            before = status
    with transaction.atomic():
        HistoryEntry.objects.bulk_create(entries, batch_size=5000)
        ClosureRequest.objects.bulk_create([c for c, _s in closures], batch_size=5000)
        for closure, sign_off in closures:
            sign_off.closure = closure
        SignOff.objects.bulk_create([s for _c, s in closures], batch_size=5000)
    return True


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _timed(step):
    started, cpu = time.perf_counter(), time.process_time()
    result = step()
    return result, time.perf_counter() - started, time.process_time() - cpu


FLOOR_CSS = """
@page { size: A4 landscape; margin: 12mm; }
html { font-family: "DejaVu Sans", sans-serif; font-size: 7pt; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 0.5pt solid #aeb7bd; padding: 1mm; vertical-align: top; text-align: left; }
"""
FLOOR_COLUMNS = [
    ("Ref.", "ref"),
    ("Theme", "theme"),
    ("Dept", "department"),
    ("Must do / should do", "kind_label"),
    ("Requirement and actions", "requirement"),
    ("RAGB", "status_label"),
    ("Exec lead", "exec_leads"),
    ("Start date", "start_date"),
    ("End date", "end_date"),
]


def floor_html(rows: list[dict]) -> str:
    """The appendix's rows as a bare table: the least WeasyPrint can do with them."""
    head = "".join(f"<th>{html.escape(title)}</th>" for title, _key in FLOOR_COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(row[key]))}</td>" for _t, key in FLOOR_COLUMNS)
        for row in rows
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><style>{FLOOR_CSS}</style></head>"
        f"<body><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>"
    )


def _pages(pdf: bytes) -> int | None:
    """The page count, from poppler's pdfinfo (WeasyPrint compresses its page objects)."""
    import shutil
    import tempfile

    if not shutil.which("pdfinfo"):
        return None
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        info = subprocess.run(["pdfinfo", file.name], capture_output=True, text=True).stdout
    for line in info.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return None


def tune_gc() -> None:
    """Fewer garbage collections during the render (``--tune-gc``).

    WeasyPrint allocates millions of small objects; at Python's default threshold (700)
    the collector runs constantly and its full passes walk the whole box tree. Existing
    objects are frozen out of its reach and a collection waits for 50,000 allocations:
    about a quarter less CPU on the 2,000-action report, the peak memory within 3%.
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def measure(kind: str, size: int, profile: bool, tuned: bool = False) -> dict:
    """One measurement in this (fresh) process: the report or the floor."""
    from bench.generate import bench_plan
    from reporting.board import pdf as board_pdf
    from reporting.board.services import board_report_document

    _configure_generator(size)
    plan = bench_plan()
    month = _report_month()
    baseline = _rss_mb()
    _none, imports_s, _cpu = _timed(_worker_warm_up)
    document, build_s, build_cpu = _timed(lambda: board_report_document(plan=plan, month=month))
    rows = document["appendix"]["rows"]
    if tuned:
        tune_gc()
    result = {
        "gc_tuned": tuned,
        "kind": kind,
        "size": size,
        "rows": len(rows),
        "month": f"{month:%Y-%m}",
        "baseline_rss_mb": round(baseline, 1),
        "imports_s": round(imports_s, 3),
        # The document's parts: a new one (per-workstream pages) shows up here when added.
        "sections": sorted(document),
    }
    if kind == "report":
        if profile:
            import cProfile
            import io
            import pstats

            profiler = cProfile.Profile()
            pdf, render_s, render_cpu = _timed(
                lambda: profiler.runcall(board_pdf.render_board_pdf, document)
            )
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
            RESULTS.mkdir(parents=True, exist_ok=True)
            (RESULTS / f"board_report_{size}.profile.txt").write_text(out.getvalue())
        else:
            pdf, render_s, render_cpu = _timed(lambda: board_pdf.render_board_pdf(document))
        result |= {
            "build_s": round(build_s, 3),
            "build_cpu_s": round(build_cpu, 3),
            "render_s": round(render_s, 3),
            "render_cpu_s": round(render_cpu, 3),
            "total_s": round(build_s + render_s, 3),
            "total_cpu_s": round(build_cpu + render_cpu, 3),
        }
    else:
        import weasyprint
        from weasyprint.urls import URLFetcher

        from reporting.pdf import fewer_collections

        markup = floor_html(rows)

        def render_floor() -> bytes:
            # The engine as the product runs it: with the same collector setting.
            with fewer_collections():
                return weasyprint.HTML(
                    string=markup, url_fetcher=URLFetcher(allowed_protocols=())
                ).write_pdf()

        pdf, render_s, render_cpu = _timed(render_floor)
        result |= {
            "build_s": round(build_s, 3),
            "render_s": round(render_s, 3),
            "render_cpu_s": round(render_cpu, 3),
            "total_s": round(render_s, 3),
            "total_cpu_s": round(render_cpu, 3),
        }
    result |= {
        "pages": _pages(pdf),
        "pdf_bytes": len(pdf),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }
    return result


def _between(markup: str, start: str, end: str) -> tuple[str, str]:
    """``markup`` cut at the first ``start`` tag opening up to the first ``end`` after it:
    (what was cut out, what is left)."""
    begin = markup.rfind("<", 0, markup.index(start))
    stop = markup.index(end, begin) + len(end)
    return markup[begin:stop], markup[:begin] + markup[stop:]


def measure_parts(size: int, repeats: int) -> dict:
    """Each part of the report rendered alone with the report's CSS, in this process (``--parts``).

    CPU seconds (best of ``repeats``), so that a busy machine blurs them less: the floor, the
    appendix, the off-track table, everything else with and without its charts, and the
    HTML (template and charts, charts from the cache as on a second render).
    """
    import re

    import weasyprint
    from weasyprint.urls import URLFetcher

    from bench.generate import bench_plan
    from reporting.board.pdf import render_board_html
    from reporting.board.services import board_report_document
    from reporting.pdf import fewer_collections

    _configure_generator(size)
    _worker_warm_up()  # as the worker does, so that no part pays the first layout's loading
    document, _wall, build_cpu = _timed(
        lambda: board_report_document(plan=bench_plan(), month=_report_month())
    )
    render_board_html(document)  # the charts into the cache
    markup, _wall, html_cpu = _timed(lambda: render_board_html(document))
    head = markup[: markup.index("<body>") + len("<body>")]
    appendix, rest = _between(markup, 'class="app-section app-appendix"', "</section>")
    off_track, others = _between(rest, 'class="app-long app-off-track"', "</table>")
    parts = {
        "floor (bare table)": floor_html(document["appendix"]["rows"]),
        "the report's appendix": head + appendix + "</body></html>",
        "off-track actions": head + off_track + "</body></html>",
        "everything else": others,
        "everything else, no charts": re.sub(r"<svg.*?</svg>", "", others, flags=re.S),
        "the whole report": markup,
    }
    result: dict = {
        "size": size,
        "rows": len(document["appendix"]["rows"]),
        "off_track_rows": len(document.get("off_track") or []),
        "build_cpu_s": round(build_cpu, 3),
        "html_cpu_s": round(html_cpu, 3),
        "parts": {},
    }
    for name, part in parts.items():
        best, pdf = float("inf"), b""
        for _ in range(repeats):

            def render(part: str = part) -> bytes:
                with fewer_collections():
                    return weasyprint.HTML(
                        string=part, url_fetcher=URLFetcher(allowed_protocols=())
                    ).write_pdf()

            pdf, _wall, cpu = _timed(render)
            best = min(best, cpu)
        result["parts"][name] = {
            "cpu_s": round(best, 3),
            "pages": _pages(pdf),
            "text_kib": round(len(re.sub(r"<[^>]+>", "", part)) / 1024, 1),
        }
    return result


def _worker_warm_up() -> None:
    """As a PDF worker's process starts (``PDF_WORKER_WARM_UP``, deploy/entrypoint.sh)."""
    from reporting.pdf import warm_up

    warm_up()


# Charts: SVG against PNG ------------------------------------------------------------------

CHART_MONTHS = [f"{m} {y}" for y in (2025, 2026) for m in ("Jan", "Apr", "Jul", "Oct")]


def measure_charts(repeats: int) -> list[dict]:
    """Each chart type made as SVG and as PNG, and WeasyPrint laying out an A4 page of it."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    from reporting.board import charts

    departments = [
        "Emergency Department",
        "Maternity",
        "Surgery",
        "Medicine",
        "Children and Young People",
        "Critical Care",
        "Outpatients",
        "Diagnostics and Imaging",
        "End of Life Care",
        "Mental Health Liaison",
        "Estates and Facilities",
        "Pharmacy",
        "Corporate Nursing",
        "Trust-wide",
    ]
    months = [f"{m} 2026" for m in "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()]
    makers = {
        "trajectory, 12 months": lambda fmt: charts.trajectory_chart(
            title="Progress against trajectory",
            months=months,
            planned=[min(100.0, 2.0 + 8 * i) for i in range(12)],
            actual=[min(100.0, 1.0 + 5.5 * i) for i in range(12)],
            image_format=fmt,
        ),
        "status bars, 3 finding kinds": lambda fmt: charts.status_bar_chart(
            title="Status by finding kind",
            categories=["Regulatory", "Must do", "Should do"],
            counts={
                "Red": [2, 5, 9],
                "Amber": [3, 19, 12],
                "Green": [9, 60, 51],
                "Blue": [4, 22, 19],
                "White": [1, 10, 8],
            },
            image_format=fmt,
        ),
        "status bars, 14 departments": lambda fmt: charts.status_bar_chart(
            title="Status by department",
            categories=departments,
            counts={
                s: [(7 * i + 3 * j) % 31 + 1 for i in range(14)]
                for j, s in enumerate(charts.STATUSES)
            },
            image_format=fmt,
        ),
    }
    fetcher = URLFetcher(allowed_protocols=("data",))  # the PNG is a data: URL

    def page(chart) -> str:
        return (
            "<style>@page { size: A4; margin: 15mm } svg, img { width: 100%; height: auto }"
            f"</style><h1>{html.escape(chart.title)}</h1>{chart.image}"
        )

    weasyprint.HTML(string="<p>warm</p>").write_pdf()
    results = []
    for name, make in makers.items():
        for fmt in ("svg", "png"):
            make(fmt)  # warm matplotlib's caches
        samples: dict[str, dict[str, list[float]]] = {
            f: {"make": [], "weasy": []} for f in ("svg", "png")
        }
        sizes = {}
        for _ in range(repeats):
            for fmt in ("svg", "png"):  # alternating, so load affects both alike
                chart, _w, make_cpu = _timed(lambda fmt=fmt, make=make: make(fmt))
                markup = page(chart)
                pdf, _w, weasy_cpu = _timed(
                    lambda markup=markup: weasyprint.HTML(
                        string=markup, url_fetcher=fetcher
                    ).write_pdf()
                )
                samples[fmt]["make"].append(make_cpu)
                samples[fmt]["weasy"].append(weasy_cpu)
                sizes[fmt] = (len(chart.image), len(pdf))
        for fmt in ("svg", "png"):
            make_ms = statistics.median(samples[fmt]["make"]) * 1000
            weasy_ms = statistics.median(samples[fmt]["weasy"]) * 1000
            results.append(
                {
                    "chart": name,
                    "format": fmt,
                    "make_cpu_ms": round(make_ms, 1),
                    "weasyprint_cpu_ms": round(weasy_ms, 1),
                    "both_cpu_ms": round(make_ms + weasy_ms, 1),
                    "markup_kib": round(sizes[fmt][0] / 1024, 1),
                    "pdf_kib": round(sizes[fmt][1] / 1024, 1),
                }
            )
    return results


# In the parent: no Django, only fresh children -------------------------------------------


def _child(*args: str) -> dict:
    """Run this script in a new process; it prints one JSON object as its last line."""
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"board_report.py {' '.join(args)} failed ({done.returncode})")
    lines = done.stdout.strip().splitlines()
    for line in lines[:-1]:
        print(line)  # the generator's progress
    return json.loads(lines[-1])


def _median(runs: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 3)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=3, help="runs per measurement (3)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--profile", action="store_true", help="cProfile each report's render")
    parser.add_argument("--charts", action="store_true", help="also time SVG against PNG")
    parser.add_argument(
        "--tune-gc",
        choices=["report", "both"],
        help="fewer garbage collections in the report's render (or in the floor's too)",
    )
    parser.add_argument(
        "--programme",
        action="store_true",
        help="plans with 8 workstreams, 150 KPIs and root causes (bench/programme.py)",
    )
    parser.add_argument(
        "--parts",
        action="store_true",
        help="only: each part of the report rendered alone, CPU s (best of -n)",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    return parser


def _run_child_step(args: argparse.Namespace) -> int:
    """In a fresh process: one step, its result as JSON on the last line."""
    step, *rest = args.child
    if step == "charts":  # no database: charts are drawn from numbers
        sys.path.insert(0, str(ROOT))
        print(json.dumps(measure_charts(int(rest[0]))))
        return 0
    size = int(rest[0])
    _setup(size)
    if step == "prepare":
        print(json.dumps(prepare(size)))
    elif step == "parts":
        print(json.dumps(measure_parts(size, args.n)))
    else:
        tuned = args.tune_gc == "both" or (args.tune_gc == "report" and step == "report")
        print(json.dumps(measure(step, size, profile=args.profile, tuned=tuned)))
    return 0


def _measure_all(args: argparse.Namespace) -> tuple[list[dict], list[dict]]:
    """Prepare each plan, then the report and the floor of each, alternating, ``-n`` times."""
    datasets = []
    for size in args.sizes:
        print(f"Preparing the {size:,}-action plan ({database_url(size).rsplit('/', 1)[-1]})…")
        datasets.append(_child("--child", "prepare", str(size)))
    runs: list[dict] = []
    for _ in range(args.n):
        for size in args.sizes:
            for kind in ("report", "floor"):
                extra = ("--profile",) if args.profile and kind == "report" else ()
                if args.tune_gc:
                    extra = (*extra, "--tune-gc", args.tune_gc)
                runs.append(_child(*extra, "--child", kind, str(size)))
    return datasets, runs


def _summarise(runs: list[dict], sizes: list[int]) -> list[dict]:
    summary = []
    for size in sizes:
        report = [r for r in runs if r["size"] == size and r["kind"] == "report"]
        floor = [r for r in runs if r["size"] == size and r["kind"] == "floor"]
        summary.append(
            {
                "size": size,
                "rows": report[0]["rows"],
                "pages": report[0]["pages"],
                "floor_pages": floor[0]["pages"],
                "imports_s": _median(report, "imports_s"),
                "build_s": _median(report, "build_s"),
                "render_s": _median(report, "render_s"),
                "total_s": _median(report, "total_s"),
                "total_cpu_s": _median(report, "total_cpu_s"),
                "floor_s": _median(floor, "render_s"),
                "floor_cpu_s": _median(floor, "render_cpu_s"),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in report),
                "floor_peak_rss_mb": max(r["peak_rss_mb"] for r in floor),
                "baseline_rss_mb": _median(report, "baseline_rss_mb"),
                "pdf_kib": round(report[0]["pdf_bytes"] / 1024),
            }
        )
    return summary


def _print_summary(args: argparse.Namespace, runs: list[dict], summary: list[dict], load: float):
    """The table; adds each plan's ratios to the floor to ``summary``."""
    tuning = {
        None: "",
        "report": " Garbage collection tuned in the report's render.",
        "both": " Garbage collection tuned in the report's and the floor's render.",
    }
    print(
        f"\nBoard highlight report, month {runs[0]['month']}; medians of {args.n} runs, each in a "
        f"fresh process.{tuning[args.tune_gc]}"
        + (" Plans with workstreams, KPIs and root causes." if args.programme else "")
    )
    header = (
        f"{'plan':>7} {'rows':>5} {'pages':>5} {'build s':>8} {'render s':>9} {'total s':>8} "
        f"{'CPU s':>6} {'floor s':>8} {'x floor':>7} {'peak RSS MB':>11} {'floor RSS':>9}"
    )
    print(header)
    print("-" * len(header))
    for s in summary:
        ratio = s["total_s"] / s["floor_s"] if s["floor_s"] else float("nan")
        s["ratio_to_floor"] = round(ratio, 2)
        s["render_ratio_to_floor"] = round(s["render_s"] / s["floor_s"], 2) if s["floor_s"] else 0
        print(
            f"{s['size']:>7,} {s['rows']:>5,} {s['pages'] or '-':>5} {s['build_s']:>8.2f} "
            f"{s['render_s']:>9.2f} {s['total_s']:>8.2f} {s['total_cpu_s']:>6.2f} "
            f"{s['floor_s']:>8.2f} {ratio:>6.2f}x {s['peak_rss_mb']:>11.0f} "
            f"{s['floor_peak_rss_mb']:>9.0f}"
        )
    print(
        f"A PDF worker's warm-up as its process starts (imports, fonts, templates), "
        f"not in the totals: "
        f"{statistics.median(s['imports_s'] for s in summary):.2f} s. "
        f"Load average {load:.1f} on {os.cpu_count()} CPUs."
    )


def _checks(summary: list[dict]) -> list[tuple[str, str, bool]]:
    """Measured in the same run: each report against its own bare-appendix floor."""
    checks = [
        (
            f"{s['size']:,} actions within {TARGET_FLOOR_RATIO}x the floor",
            f"{s['ratio_to_floor']:.2f}x",
            s["ratio_to_floor"] <= TARGET_FLOOR_RATIO,
        )
        for s in summary
    ]
    for label, value, ok in checks:
        print(f"  {'PASS' if ok else 'MISS'}  {label}: {value}")
    return checks


def _print_charts(chart_results: list[dict]) -> None:
    print(
        "\nCharts: CPU ms to make each, and for WeasyPrint to lay out an A4 page of it "
        "(medians of 7)."
    )
    print(
        f"{'chart':<30} {'format':>6} {'make':>6} {'WeasyPrint':>10} {'both':>6} "
        f"{'markup KiB':>10} {'PDF KiB':>8}"
    )
    for c in chart_results:
        print(
            f"{c['chart']:<30} {c['format']:>6} {c['make_cpu_ms']:>6.0f} "
            f"{c['weasyprint_cpu_ms']:>10.0f} {c['both_cpu_ms']:>6.0f} "
            f"{c['markup_kib']:>10.1f} {c['pdf_kib']:>8.1f}"
        )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.programme:
        os.environ[PROGRAMME_ENV] = "1"  # the children read it: their own databases
    if args.child:
        return _run_child_step(args)
    if args.parts:
        for size in args.sizes:
            print(f"Preparing the {size:,}-action plan…")
            _child("--child", "prepare", str(size))
        return _print_parts(
            [_child("--child", "parts", str(size), "-n", str(args.n)) for size in args.sizes]
        )

    datasets, runs = _measure_all(args)
    chart_results = _child("--child", "charts", "7") if args.charts else []

    load = os.getloadavg()[0]
    summary = _summarise(runs, args.sizes)
    _print_summary(args, runs, summary, load)
    checks = _checks(summary)
    if chart_results:
        _print_charts(chart_results)
    if args.profile:
        names = ", ".join(f"board_report_{size}.profile.txt" for size in args.sizes)
        print(f"\nProfiles of the render in {RESULTS}: {names}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    results_name = "board_report_programme.json" if args.programme else "board_report.json"
    (RESULTS / results_name).write_text(
        json.dumps(
            {
                "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "load_average": round(load, 2),
                "cpus": os.cpu_count(),
                "tune_gc": args.tune_gc,
                "datasets": datasets,
                "summary": summary,
                "runs": runs,
                "charts": chart_results,
                "checks": [{"check": c, "value": v, "pass": ok} for c, v, ok in checks],
            },
            indent=2,
        )
    )
    return 0


def _print_parts(results: list[dict]) -> int:
    load = os.getloadavg()[0]
    for r in results:
        print(
            f"\n{r['size']:,} actions ({r['off_track_rows']} off track): each part alone, "
            f"CPU s, best of the runs. Load average {load:.1f} on {os.cpu_count()} CPUs."
        )
        print(f"{'part':<28} {'pages':>5} {'text KiB':>8} {'CPU s':>6}")
        for name, part in r["parts"].items():
            print(
                f"{name:<28} {part['pages'] or '-':>5} {part['text_kib']:>8} {part['cpu_s']:>6.2f}"
            )
        print(f"{'building the document':<28} {'':>5} {'':>8} {r['build_cpu_s']:>6.2f}")
        print(f"{'the HTML (charts cached)':<28} {'':>5} {'':>8} {r['html_cpu_s']:>6.2f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "board_report_parts.json").write_text(
        json.dumps({"load_average": round(load, 2), "results": results}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
