"""Where a save's time goes: CPU per save, the queries of one save, the costliest functions.

In-process, through Django's test client, against the rush database as the last
``make rush`` left it (production settings, the same code path as gunicorn runs). CPU time
is the process's own, so other load on the machine changes it less than wall time.

    .venv/bin/python bench/rush/profile_save.py [-n 300] [--profile] [--lead lead050]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HIDDEN = re.compile(r'name="a(\d+)-(period|base_revision)" value="(\d+)"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=300, help="saves to time")
    parser.add_argument("--profile", action="store_true", help="also profile (CPU time)")
    parser.add_argument("--lead", default="lead050")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.rush.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    try:
        client.force_login(get_user_model().objects.get(username=args.lead))
    except get_user_model().DoesNotExist:
        raise SystemExit(f"No {args.lead} in the rush database: run `make rush` first.") from None
    cards: dict[int, dict[str, int]] = {}
    for pk, field, value in HIDDEN.findall(client.get("/my-actions/").content.decode()):
        cards.setdefault(int(pk), {})[field] = int(value)
    order = sorted(cards)

    def save(n: int) -> None:
        pk = order[n % len(order)]
        card = cards[pk]
        response = client.post(
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
        cards[pk] = {f: int(v) for p, f, v in HIDDEN.findall(body) if int(p) == pk}

    for n in range(20):
        save(n)
    with CaptureQueriesContext(connection) as queries:
        save(20)
    print(f"{len(queries.captured_queries)} queries in one save:")
    for q in queries.captured_queries:
        print(f"  {q['sql'][:140]}")

    started, cpu = time.perf_counter(), time.process_time()
    for n in range(args.n):
        save(100 + n)
    wall = (time.perf_counter() - started) / args.n * 1000
    cpu_ms = (time.process_time() - cpu) / args.n * 1000
    print(f"\nper save: {cpu_ms:.1f} ms CPU, {wall:.1f} ms wall (test client included)")

    if args.profile:
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for n in range(args.n):
            save(1000 + n)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(
            r"actions/|evidence/|reporting/|improvement/|template/loader|sessions/backends|"
            r"compiler.py.*execute_sql|forms/renderers",
            30,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
