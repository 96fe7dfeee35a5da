"""``make bench``: server time of the plan page and "My actions" on a 2,000-action plan.

Runs in-process through Django's test Client against the PostgreSQL database of
``bench.settings`` (``improvement_bench``): migrates it, generates the plan if it is missing
or stale (``bench/generate.py``), then times each page N times after warm-ups, the pages
interleaved so that anything slowing the machine slows them all alike. Reports the median
and p95 in milliseconds, the ratio of each p95 to the bare view's p95, the SQL queries per
request, PASS or MISS against the targets, and writes ``bench/results/latest.json``.

Targets (the issue): the plan page's p95 under 150 ms and under 3x the bare view's p95.

    .venv/bin/python bench/run.py [-n 200] [--warmup 20] [--regenerate] [--fresh]
                                  [--queries] [--profile plan-filtered] [--pages mapping]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import platform
import pstats
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TARGET_P95_MS = 150.0
TARGET_RATIO = 3.0
TARGET_LEAD_ACTIONS = 7
TARGET_SLOW_PAGES_MS = 300.0  # the findings mapping page and the board dashboard


@dataclass
class Page:
    key: str
    label: str
    url: str
    client: object = field(repr=False)
    expect: bytes = b""
    target: bool = False  # the plan page: the targets apply
    target_ms: float = 0.0  # a p95 target of its own (the mapping page, the dashboard)
    # Run untimed before each request: e.g. forget this process's cached embeddings, so
    # every request is the first a new web process serves.
    before: Callable[[], None] | None = field(default=None, repr=False)
    # A new query string on every request, so the page renders its cached part each time:
    # what the first visitor after a change to the plan waits for.
    uncached: bool = False
    served: int = field(default=0, repr=False)
    times_ms: list[float] = field(default_factory=list, repr=False)
    cpu_ms: list[float] = field(default_factory=list, repr=False)
    queries: list[dict] = field(default_factory=list, repr=False)
    sql_ms_samples: list[float] = field(default_factory=list, repr=False)

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.times_ms, n=20, method="inclusive")[18]

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_ms)

    @property
    def sql_ms(self) -> float:
        return statistics.median(self.sql_ms_samples)


def _setup(fresh: bool) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    if fresh:
        from bench import settings

        print(f"Dropping and recreating the bench database ({settings.BENCH_DATABASE_URL}).")
        settings.drop_database()
        settings.ensure_database()
    import django

    django.setup()


def _pages(plan, pmo, lead, lead_open: int) -> list[Page]:
    from django.test import Client

    from actions.inspections import suggestions as suggest

    pmo_client, lead_client = Client(), Client()
    pmo_client.force_login(pmo)
    lead_client.force_login(lead)
    filtered = urlencode([("status", "A"), ("status", "G"), ("sort", "lead"), ("page", 3)])
    return [
        Page(
            "plan-filtered",
            "Plan: Amber+Green, by lead, page 3",
            f"/plans/{plan.pk}/?{filtered}",
            pmo_client,
            b"app-plan-table",
            target=True,
        ),
        Page(
            "plan-filtered-miss",
            "Plan: the same, rendered (cache miss)",
            f"/plans/{plan.pk}/?{filtered}",
            pmo_client,
            b"app-plan-table",
            uncached=True,
        ),
        Page(
            "plan",
            "Plan: unfiltered, page 1",
            f"/plans/{plan.pk}/",
            pmo_client,
            b"app-plan-table",
            target=True,
        ),
        Page(
            "my-actions",
            f"My actions ({lead_open} open actions)",
            "/my-actions/",
            lead_client,
            b"app-card",
        ),
        Page(
            "mapping",
            f"Findings mapping ({plan.inspection.findings.count()} findings)",
            f"/inspections/{plan.inspection_id}/mapping/?plan={plan.pk}",
            pmo_client,
            b'Link<span class="nhsuk-u-visually-hidden"> finding',
            target_ms=TARGET_SLOW_PAGES_MS,
            before=suggest.cache_clear,
        ),
        Page(
            "mapping-miss",
            "Findings mapping, first view after a change",
            f"/inspections/{plan.inspection_id}/mapping/?plan={plan.pk}",
            pmo_client,
            b'Link<span class="nhsuk-u-visually-hidden"> finding',
            target_ms=TARGET_SLOW_PAGES_MS,  # a page that changes as the PMO works on it
            before=suggest.cache_clear,
            uncached=True,
        ),
        Page(
            "dashboard",
            "Board dashboard",
            f"/plans/{plan.pk}/board-dashboard/",
            pmo_client,
            b"app-chart",
            target_ms=TARGET_SLOW_PAGES_MS,
        ),
        # No session cookie: the middleware has nothing to load. See bench/urls.py.
        Page("bare", "Bare view (base.html, no SQL)", "/bench/bare/", Client(), b"nhsuk-header"),
        # Not a target: what signing in alone costs (session, user and roles queries).
        Page(
            "bare-signed-in",
            "Bare view, signed in (for comparison)",
            "/bench/bare/signed-in/",
            pmo_client,
            b"nhsuk-header__navigation",
        ),
    ]


def _get(page: Page):
    if page.before is not None:
        page.before()
    page.served += 1
    url = f"{page.url}&miss={page.served}" if page.uncached else page.url
    response = page.client.get(url)
    if response.status_code != 200 or page.expect not in response.content:
        raise SystemExit(
            f"{page.label}: {page.url} answered {response.status_code}"
            f"{'' if response.status_code != 200 else ' without ' + page.expect.decode()}"
        )
    return response


def _time(pages: list[Page], n: int, warmup: int) -> None:
    for _ in range(warmup):
        for page in pages:
            _get(page)
    for _ in range(n):
        for page in pages:
            started, cpu = time.perf_counter(), time.process_time()
            _get(page)
            page.times_ms.append((time.perf_counter() - started) * 1000)
            page.cpu_ms.append((time.process_time() - cpu) * 1000)


def _count_queries(pages: list[Page], repeat: int) -> None:
    """Each page's queries on a typical request of ``repeat``, and its median SQL time.

    Typical: the most common count. (Once a minute a signed-in request also saves the
    session, ``improvement.sessions``; that request is timed but not the one counted.)
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for page in pages:
        runs = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                _get(page)
            runs.append(list(captured.captured_queries))
            page.sql_ms_samples.append(
                sum(float(q["time"]) for q in captured.captured_queries) * 1000
            )
        counts = Counter(len(r) for r in runs)
        typical = min(counts, key=lambda n: (-counts[n], n))
        page.queries = next(r for r in runs if len(r) == typical)
    bare = next(p for p in pages if p.key == "bare")
    if bare.queries:
        raise SystemExit(
            f"The bare view made {len(bare.queries)} queries (it must make none):\n"
            + "\n".join(q["sql"] for q in bare.queries)
        )


def _profile(page: Page, n: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        _get(page)
    profiler.disable()
    print(f"\ncProfile of {n} requests to {page.label} ({page.url}), by cumulative time:")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    print("… and by own time:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def _lead_with_about(n: int):
    """The action lead whose number of open actions is nearest ``n`` (lowest name first)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Q

    from actions.models import Status

    leads = (
        get_user_model()
        .objects.filter(led_actions__isnull=False)
        .annotate(open=Count("led_actions", filter=~Q(led_actions__status=Status.BLUE)))
        .order_by("username")
    )
    return min(leads, key=lambda u: (abs(u.open - n), u.username))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=200, help="timed requests per page (200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page (20)")
    parser.add_argument("--regenerate", action="store_true", help="generate the plan again")
    parser.add_argument("--fresh", action="store_true", help="drop the database first")
    parser.add_argument("--queries", action="store_true", help="print each page's SQL")
    parser.add_argument(
        "--profile",
        metavar="PAGE",
        choices=[
            "plan-filtered",
            "plan-filtered-miss",
            "plan",
            "my-actions",
            "mapping",
            "mapping-miss",
            "dashboard",
            "bare",
            "bare-signed-in",
        ],
        help="also run cProfile over N requests to one page",
    )
    parser.add_argument(
        "--pages",
        metavar="PAGE,…",
        help="time only these pages, comma-separated (e.g. mapping); the bare view always runs",
    )
    args = parser.parse_args(argv)
    _setup(args.fresh)

    import django
    from django.contrib.auth import get_user_model
    from django.db import connection

    from bench import generate

    generate.prepare_database()
    plan = generate.ensure(force=args.regenerate)
    dataset = generate.describe(plan)
    pmo = get_user_model().objects.get(username="pmo")
    lead = _lead_with_about(TARGET_LEAD_ACTIONS)
    from django.core.cache import cache

    cache.clear()  # the bench's own Redis database: nothing cached by an earlier run
    from actions.inspections import suggestions as suggest

    # What the worker does when findings are imported: the mapping page then only reads
    # vectors (its requests forget this process's copies, so each reads them from Redis).
    embedded = suggest.suggestion_vectors_prepare(inspection_id=plan.inspection_id, plan_id=plan.pk)
    print(f"The worker's step: {embedded} distinct finding and action texts embedded.")
    pages = _pages(plan, pmo, lead, lead.open)
    if args.pages:
        chosen = {"bare", *args.pages.split(","), *([args.profile] if args.profile else [])}
        unknown = chosen - {p.key for p in pages}
        if unknown:
            parser.error(f"no such page: {', '.join(sorted(unknown))}")
        pages = [p for p in pages if p.key in chosen]
    by_key = {p.key: p for p in pages}

    print(
        f"Bench plan: {dataset['actions']:,} actions ({dataset['open_actions']:,} open), "
        f"{dataset['action_leads']} leads, {dataset['periods_locked']} locked weeks, "
        f"{dataset['weekly_updates']:,} weekly updates. "
        f"Timing {args.n} requests per page after {args.warmup} warm-ups…"
    )
    load_before = os.getloadavg()
    _time(pages, args.n, args.warmup)
    load_after = os.getloadavg()
    _count_queries(pages, repeat=min(args.n, 20))

    bare_p95 = by_key["bare"].p95
    name_width = max(len(p.label) for p in pages)
    header = (
        f"{'page':<{name_width}}  {'median ms':>9}  {'p95 ms':>7}  {'p95/bare':>8}"
        f"  {'queries':>7}  {'SQL ms':>6}  {'CPU ms':>6}"
    )
    print()
    print(header)
    print("-" * len(header))
    for p in pages:
        print(
            f"{p.label:<{name_width}}  {p.median:>9.1f}  {p.p95:>7.1f}  {p.p95 / bare_p95:>7.1f}x"
            f"  {len(p.queries):>7}  {p.sql_ms:>6.1f}  {p.cpu_median:>6.1f}"
        )
    print(
        "\nmedian, p95: server time of the request, in-process (test Client), wall clock.\n"
        "SQL ms: median time in the database per request (Django's debug cursor, 1 ms steps).\n"
        "CPU ms: median CPU time of this Python process per request (SQL excluded)."
    )
    cpus = os.cpu_count() or 1
    print(
        f"Load average {load_before[0]:.1f} before, {load_after[0]:.1f} after, on {cpus} CPUs."
        + (
            " The machine was busy: the wall-clock times are inflated; compare CPU ms."
            if max(load_before[0], load_after[0]) > cpus
            else ""
        )
    )

    checks = []
    for p in pages:
        if p.target_ms:
            checks.append(
                {
                    "page": p.key,
                    "check": f"p95 under {p.target_ms:.0f} ms",
                    "value": round(p.p95, 2),
                    "pass": p.p95 < p.target_ms,
                }
            )
        if not p.target:
            continue
        checks.append(
            {
                "page": p.key,
                "check": f"p95 under {TARGET_P95_MS:.0f} ms",
                "value": round(p.p95, 2),
                "pass": p.p95 < TARGET_P95_MS,
            }
        )
        checks.append(
            {
                "page": p.key,
                "check": f"p95 under {TARGET_RATIO:.0f}x the bare view's ({bare_p95:.1f} ms)",
                "value": round(p.p95 / bare_p95, 2),
                "pass": p.p95 < TARGET_RATIO * bare_p95,
            }
        )
    print("\nTargets")
    for c in checks:
        shown = f"{c['value']:.1f} ms" if "ms" in c["check"].split("(")[0] else f"{c['value']}x"
        verdict = "PASS" if c["pass"] else "MISS"
        print(f"  {verdict}  {by_key[c['page']].label}: {c['check']}: {shown}")
    passed = all(c["pass"] for c in checks)
    print(f"\nOverall: {'PASS' if passed else 'MISS'}")

    if args.queries:
        for p in pages:
            print(f"\n{p.label}: {len(p.queries)} queries, {p.sql_ms:.1f} ms")
            for q in p.queries:
                print(f"  {float(q['time']) * 1000:6.2f} ms  {q['sql']}")

    RESULTS.mkdir(parents=True, exist_ok=True)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    result = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "environment": {
            "python": platform.python_version(),
            "django": django.get_version(),
            "postgresql": pg_version,
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "load_average_before": round(load_before[0], 2),
            "load_average_after": round(load_after[0], 2),
        },
        "dataset": dataset,
        "requests_per_page": args.n,
        "warmup_per_page": args.warmup,
        "pages": [
            {
                "key": p.key,
                "label": p.label,
                "url": p.url,
                "median_ms": round(p.median, 2),
                "p95_ms": round(p.p95, 2),
                "min_ms": round(min(p.times_ms), 2),
                "max_ms": round(max(p.times_ms), 2),
                "p95_over_bare_p95": round(p.p95 / bare_p95, 2),
                "cpu_median_ms": round(p.cpu_median, 2),
                "queries": len(p.queries),
                "sql_median_ms": round(p.sql_ms, 2),
            }
            for p in pages
        ],
        "targets": {
            "p95_ms": TARGET_P95_MS,
            "p95_over_bare": TARGET_RATIO,
            "mapping_and_dashboard_p95_ms": TARGET_SLOW_PAGES_MS,
        },
        "checks": checks,
        "pass": passed,
    }
    out = RESULTS / "latest.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"Wrote {out.relative_to(ROOT)}")

    if args.profile:
        _profile(by_key[args.profile], args.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
