"""Benchmark settings: the test settings (production flags) on a dedicated PostgreSQL database.

The database is ``improvement_bench`` on the local PostgreSQL unless ``BENCH_DATABASE_URL``
names another; it is created on first use. ``DATABASE_URL`` is overridden on purpose, so the
benchmark can never write its ~200,000 generated rows into a development database.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

BENCH_DIR = Path(__file__).resolve().parent
BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/improvement_bench"
)
os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
os.environ["DEBUG"] = "0"  # what production runs; overrides the checkout's .env
os.environ.setdefault("IMPROVEMENT_VAR_DIR", str(BENCH_DIR / "results" / "var"))


def ensure_database(url: str = BENCH_DATABASE_URL) -> bool:
    """Create the benchmark database if it is missing. True if it was created."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


def drop_database(url: str = BENCH_DATABASE_URL) -> None:
    """Drop the benchmark database (``run.py --fresh``); refuses any other database."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise RuntimeError(f"refusing to drop {name!r}: not a benchmark database")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


ensure_database()

from improvement.settings_test import *  # noqa: E402,F403
from improvement.settings_test import ALLOWED_HOSTS, STATIC_ROOT  # noqa: E402

DEBUG = False
ROOT_URLCONF = "bench.urls"
# The test Client's host; the benchmark does not call setup_test_environment(), which would
# also instrument every template render and slow the pages it measures.
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
# django-axes logs every sign-in at INFO, and the benchmark signs in twice per run.
LOGGING = {**LOGGING, "loggers": {**LOGGING.get("loggers", {}), "axes": {"level": "WARNING"}}}  # noqa: F405
# The cache as production has it: Redis (its own database number, emptied by run.py), so
# sessions and the plan page's cached table cost what they cost there.
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": BENCH_REDIS_URL,
    }
}
