"""Test settings: production flags, fast hashing, mail kept in memory, tasks run eagerly.

The database and Redis come from the environment as in production: CI sets them to this
machine's PostgreSQL and Redis; without them the tests use SQLite.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-not-secret-" + "x7Qp2Lm9Rt4Vw8Yz3Bn6Cd1Fg5Hj0Ks")
os.environ.setdefault("DEBUG", "0")
# Plain http in tests (the test client, the browser tests' live server).
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("LOG_FORMAT", "text")
os.environ.setdefault("IMPROVEMENT_VAR_DIR", tempfile.mkdtemp(prefix="improvement-test-"))
# pytest -n (xdist): the workers inherit the controller's folder; each gets its own inside it.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker and os.path.basename(os.environ["IMPROVEMENT_VAR_DIR"]) != _worker:
    os.environ["IMPROVEMENT_VAR_DIR"] = os.path.join(os.environ["IMPROVEMENT_VAR_DIR"], _worker)

from .settings import *  # noqa: E402,F403
from .settings import STATIC_ROOT, STORAGES  # noqa: E402

STATIC_ROOT.mkdir(parents=True, exist_ok=True)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
SECURE_SSL_REDIRECT = False
# Tasks run eagerly inside the test's request: recording them would add queries to the
# pages whose query counts tests pin. Tests of the record turn it on.
TASK_RUNS_RECORD = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test process keeps its own cache, emptied before every test (tests/conftest.py): a
# shared Redis would let one test (or one concurrent run) see another's cached pages.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
