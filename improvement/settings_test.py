"""Test settings: production flags, fast hashing, mail kept in memory, tasks run eagerly.

The database and Redis come from the environment as in production: CI sets them to this
machine's PostgreSQL and Redis; without them the tests use SQLite.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("IMPROVEMENT_VAR_DIR", tempfile.mkdtemp(prefix="improvement-test-"))

from .settings import *  # noqa: E402,F403
from .settings import STATIC_ROOT, STORAGES  # noqa: E402

STATIC_ROOT.mkdir(parents=True, exist_ok=True)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
SECURE_SSL_REDIRECT = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
