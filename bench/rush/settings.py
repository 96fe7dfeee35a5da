"""Settings for the Wednesday rush: production settings on a dedicated PostgreSQL database.

Production's module as it is (DEBUG off, the real password hasher, whitenoise with
hashed names, axes, CSP), with three changes for plain http on the loopback (no TLS
redirect, cookies not marked Secure) and the bench-only URLconf with the bare view.
The database is ``improvement_rush`` unless RUSH_DATABASE_URL names another: it is
dropped and made again by each run, so it can never be a real one.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

RUSH_DIR = Path(__file__).resolve().parent
RUSH_DATABASE_URL = os.environ.get(
    "RUSH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/improvement_rush"
)
os.environ["DATABASE_URL"] = RUSH_DATABASE_URL
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "rush-benchmark-only-" + "k3Jd8Qw2Zx7Lm4Np9Rt6Vb1Hc5Gf0Ys")
os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
os.environ["SECURE_SSL_REDIRECT"] = "0"
os.environ["SESSION_COOKIE_SECURE"] = "0"
os.environ["CSRF_COOKIE_SECURE"] = "0"
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/3")
os.environ.setdefault("IMPROVEMENT_VAR_DIR", str(RUSH_DIR / "var"))


def _maintenance_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.path.lstrip("/"), urlunsplit(parts._replace(path="/postgres"))


def recreate_database(url: str = RUSH_DATABASE_URL) -> None:
    """Drop and create the rush database; refuses any name without 'rush' in it."""
    name, maintenance = _maintenance_url(url)
    if "rush" not in name:
        raise RuntimeError(f"refusing to drop {name!r}: not a rush database")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


from improvement.settings import *  # noqa: E402,F403

ROOT_URLCONF = "bench.rush.urls"
