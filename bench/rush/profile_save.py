"""Where a save's time goes: CPU per save against a signed-in page that does nothing.

In-process, through Django's test client, against the rush database as the last
``make rush`` left it (production settings, the same code path as gunicorn runs). CPU time
is the process's own, so other load on the machine changes it less than wall time.

The save is compared like with like: ``/bench/signed-in/`` is base.html for the same
signed-in lead (session, user, every middleware, the header menu) and nothing else. The
two are timed in alternating batches, so a busy moment on the shared machine falls on
both; the medians of the batches are reported, and their ratio.

    .venv/bin/python bench/rush/profile_save.py [-n 300] [--profile] [--lead lead050]
        [--json out.json] [--quiet]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HIDDEN = re.compile(r'name="a(\d+)-(period|base_revision)" value="(\d+)"')
BATCH = 20


def _signed_in_client(lead: str):
    """Django on the rush database, and a test client signed in as ``lead``."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.rush.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    try:
        client.force_login(get_user_model().objects.get(username=lead))
    except get_user_model().DoesNotExist:
        raise SystemExit(f"No {lead} in the rush database: run `make rush` first.") from None
    return client


class _Lead:
    """The lead's cards on "My actions", saved in turn, and the signed-in bare view."""

    def __init__(self, client) -> None:
        self.client = client
        self.cards: dict[int, dict[str, int]] = {}
        for pk, field, value in HIDDEN.findall(client.get("/my-actions/").content.decode()):
            self.cards.setdefault(int(pk), {})[field] = int(value)
        self.order = sorted(self.cards)

    def save(self, n: int) -> None:
        pk = self.order[n % len(self.order)]
        card = self.cards[pk]
        response = self.client.post(
            f"/actions/{pk}/update/",
            {
                f"a{pk}-status": "AG"[n % 2],
                f"a{pk}-narrative": f"profile {n} {time.time()}",
                f"a{pk}-period": card["period"],
                f"a{pk}-base_revision": card["base_revision"],
            },
            HTTP_HX_REQUEST="true",
        )
        body = response.content.decode()
        if "Update saved" not in body and "This period locked at" not in body:
            raise SystemExit(f"unexpected answer to a save:\n{body[:1000]}")
        self.cards[pk] = {f: int(v) for p, f, v in HIDDEN.findall(body) if int(p) == pk}

    def bare(self, n: int) -> None:
        response = self.client.get("/bench/signed-in/")
        if response.status_code != 200 or b"Sign out" not in response.content:
            raise SystemExit(f"unexpected answer from the signed-in bare view: {response}")


def _queries(request, n: int) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        request(n)
    return [q["sql"] for q in queries.captured_queries]


def _print_queries(title: str, queries: list[str]) -> None:
    print(f"{len(queries)} queries in {title}:")
    for sql in queries:
        print(f"  {sql[:140]}")


def _batch_ms(request, start: int) -> float:
    cpu = time.process_time()
    for n in range(start, start + BATCH):
        request(n)
    return (time.process_time() - cpu) / BATCH * 1000


def _machine_busy() -> float:
    import psutil

    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def _timed_batches(lead: _Lead, n: int) -> tuple[list[float], list[float], float, float]:
    """Saves and bare views in alternating batches: CPU ms per request of each, the wall
    time, and everything else the machine ran meanwhile, in % of one core (as run.py)."""
    save_ms: list[float] = []
    bare_ms: list[float] = []
    started, busy, own = time.perf_counter(), _machine_busy(), time.process_time()
    for b in range(max(1, n // BATCH)):
        save_ms.append(_batch_ms(lead.save, 100 + b * BATCH))
        bare_ms.append(_batch_ms(lead.bare, 0))
    wall = time.perf_counter() - started
    other = max(0.0, (_machine_busy() - busy) - (time.process_time() - own)) / wall * 100
    return save_ms, bare_ms, wall, other


def _profile(lead: _Lead, n: int) -> None:
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for i in range(n):
        lead.save(1000 + i)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(
        r"actions/|evidence/|reporting/|improvement/|template/loader|sessions/backends|"
        r"compiler.py.*execute_sql|forms/renderers",
        30,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=300, help="saves (and bare pages) to time")
    parser.add_argument("--profile", action="store_true", help="also profile (CPU time)")
    parser.add_argument("--lead", default="lead050")
    parser.add_argument("--json", type=Path, help="write the numbers here too")
    parser.add_argument("--quiet", action="store_true", help="no query list")
    args = parser.parse_args()

    lead = _Lead(_signed_in_client(args.lead))
    for n in range(2 * BATCH):
        lead.save(n)
        lead.bare(n)
    save_queries = _queries(lead.save, 2 * BATCH)
    bare_queries = _queries(lead.bare, 0)
    if not args.quiet:
        _print_queries("one save", save_queries)
        _print_queries("the signed-in bare view", bare_queries)

    save_ms, bare_ms, wall, other = _timed_batches(lead, args.n)
    result = {
        "lead": args.lead,
        "batches": len(save_ms),
        "batch_size": BATCH,
        "save_cpu_ms": round(statistics.median(save_ms), 2),
        "signed_in_bare_cpu_ms": round(statistics.median(bare_ms), 2),
        "save_queries": len(save_queries),
        "signed_in_bare_queries": len(bare_queries),
        "wall_s": round(wall, 1),
        "other_cpu_percent_of_one_core": round(other, 1),
        # The least disturbed batch of each (as timeit advises), beside the medians.
        "save_cpu_ms_min": round(min(save_ms), 2),
        "signed_in_bare_cpu_ms_min": round(min(bare_ms), 2),
    }
    result["ratio"] = round(result["save_cpu_ms"] / result["signed_in_bare_cpu_ms"], 2)
    result["ratio_min"] = round(result["save_cpu_ms_min"] / result["signed_in_bare_cpu_ms_min"], 2)
    print(
        f"CPU per request, median of {len(save_ms)} batches of {BATCH} (test client included): "
        f"save {result['save_cpu_ms']} ms ({len(save_queries)} queries), signed-in bare view "
        f"{result['signed_in_bare_cpu_ms']} ms ({len(bare_queries)} queries): "
        f"ratio {result['ratio']} (least disturbed batches: {result['save_cpu_ms_min']} / "
        f"{result['signed_in_bare_cpu_ms_min']} ms, ratio {result['ratio_min']}; other CPU on "
        f"the machine meanwhile {result['other_cpu_percent_of_one_core']} % of one core)"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if args.profile:
        _profile(lead, args.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
