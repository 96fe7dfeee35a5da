"""Settings, read from the environment.

Local defaults are safe and need no server: SQLite and a file-system Celery broker under
``var/``. Set ``DATABASE_URL`` and ``REDIS_URL`` to run on PostgreSQL and Redis. With
DEBUG off, a bad production value (a weak SECRET_KEY, ALLOWED_HOSTS=*, half an identity
provider) stops the start with ImproperlyConfigured. deploy/env.example lists them all.
"""

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from improvement.observability import init_error_reporting, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("IMPROVEMENT_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# A local checkout keeps its own values in .env (written by `make setup`, never committed).
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]"]),
)

DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY in the environment (or DEBUG=1 for local use).")
    SECRET_KEY = "insecure-local-development-key-only"  # noqa: S105 (DEBUG only)
elif not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-")
):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use at least 50 random characters "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env("ALLOWED_HOSTS")
if not DEBUG and (not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS):
    raise ImproperlyConfigured("Set ALLOWED_HOSTS to the site's host names (not '*').")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# An out-of-date form says what happened and what to do (htmx saves keep the text).
CSRF_FAILURE_VIEW = "improvement.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "django_filters",
    "django_htmx",
    "import_export",
    "actions",
    "evidence",
    "reporting",
    "programme",
    "kpis",
    "integrations",
    "demo",
    "improvement",
    "axes",
    "csp",
    "health_check",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # django-ninja's API docs (Swagger UI) from our own static files, not a CDN.
    "ninja",
]

MIDDLEWARE = [
    "improvement.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "improvement.sessions.SessionIdleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Signed-in pages are never cached (shared ward computers); an htmx request whose
    # session has ended gets a 401 the page can explain, not the sign-in page in a card.
    "improvement.middleware.NoStoreForSignedInMiddleware",
    "improvement.middleware.HtmxSignInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A password sign-in of a PMO, exec lead, reviewer or board member is not finished
    # until the second factor is given: nothing else is served before.
    "improvement.two_factor.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into the sign-in page's message.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "improvement.urls"
WSGI_APPLICATION = "improvement.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "actions.context_processors.roles",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer rather than fail at once; IMMEDIATE takes the write lock up front.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No iterator() needs a server-side cursor here, and they break behind pgbouncer.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in. Local accounts always work (trusts without an identity provider); django-axes
# refuses a locked-out account before any password is checked; the trust's identity
# provider (OpenID Connect) is used when OIDC_RP_CLIENT_ID is set.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "improvement.auth.PasswordBackend",  # Django's ModelBackend; owes a second factor
    "improvement.oidc.TrustOIDCBackend",  # does nothing unless OIDC is configured
]

# Guessing: five wrong passwords for one username from one address lock that username
# there for 15 minutes. Not by address alone: a trust's staff share a few outgoing
# addresses, and one ward's typos must not lock out the hospital. Not by username alone:
# anyone could then lock every lead out on a Wednesday morning.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = dt.timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind the trust's proxy REMOTE_ADDR is the proxy's: set TRUSTED_PROXY_COUNT to the number
# of proxies in front of the app, and the client's address is read from X-Forwarded-For.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "improvement.auth.client_ip_address"
AXES_RESET_ON_SUCCESS = True
# The lockout ends a fixed time after it began; trying again meanwhile does not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "improvement.auth.lockout_response"
AXES_VERBOSE = False
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_COOLOFF_MINUTES must be 1 or more.")

# Two-factor sign-in (improvement/two_factor.py). A local password sign-in by one of these
# roles also asks for a code from an authenticator app (or a one-time recovery code);
# action leads may choose to set it up. Sign-in through the trust's identity provider is
# not asked again: the provider applies its own MFA. Turning it off is for a local demo
# only (DEBUG); production refuses to start without it.
TWO_FACTOR_ENFORCED = env.bool("TWO_FACTOR_ENFORCED", default=True)
TWO_FACTOR_REQUIRED_ROLES = env.list(
    "TWO_FACTOR_REQUIRED_ROLES",
    default=["PMO", "Executive lead", "Assurance reviewer", "Board member"],
)
TWO_FACTOR_RECOVERY_CODES = 10
if not TWO_FACTOR_ENFORCED and not DEBUG:
    raise ImproperlyConfigured(
        "TWO_FACTOR_ENFORCED=0 is for a local demo only (DEBUG=1): staff who sign in with "
        "a password must give a second factor in production."
    )
# The name authenticator apps show beside the code.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Improvement plan")
# Wrong codes also slow the next try: 1, 2, 4, 8… seconds (django-otp), on top of the
# lockout that wrong codes share with wrong passwords (django-axes).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The admin's device pages do not show the secret keys or recovery codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Sessions end after SESSION_IDLE_MINUTES without a request (improvement.sessions moves
# the expiry on, once a minute at most), and when the browser closes: wards share
# computers.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=60)
if not 2 <= SESSION_IDLE_MINUTES <= 24 * 60:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES must be between 2 and 1440.")
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
# Sessions are read from the cache (Redis in production) and written through to the database.
SESSION_ENGINE = env.str("SESSION_ENGINE", default="django.contrib.sessions.backends.cached_db")

# OpenID Connect: Microsoft Entra ID, NHS CIS2 or any provider of the authorization code
# flow. Staff are matched to existing accounts by email; unknown emails are refused
# unless OIDC_CREATE_USERS is on. Either the discovery document or all four endpoints.
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_DISCOVERY_URL = env.str("OIDC_OP_DISCOVERY_URL", default="")
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
OIDC_EMAIL_CLAIMS = env.list("OIDC_EMAIL_CLAIMS", default=["email"])
OIDC_CREATE_USERS = env.bool("OIDC_CREATE_USERS", default=False)
OIDC_USE_PKCE = env.bool("OIDC_USE_PKCE", default=True)
OIDC_TOKEN_USE_BASIC_AUTH = env.bool("OIDC_TOKEN_USE_BASIC_AUTH", default=False)
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="your NHS account")
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
LOGIN_REDIRECT_URL_FAILURE = "login"
if OIDC_ENABLED:
    _explicit = [
        OIDC_OP_AUTHORIZATION_ENDPOINT,
        OIDC_OP_TOKEN_ENDPOINT,
        OIDC_OP_USER_ENDPOINT,
        OIDC_OP_JWKS_ENDPOINT,
    ]
    if not OIDC_RP_CLIENT_SECRET:
        raise ImproperlyConfigured("OIDC_RP_CLIENT_ID is set: set OIDC_RP_CLIENT_SECRET too.")
    if not OIDC_OP_DISCOVERY_URL and not all(_explicit):
        raise ImproperlyConfigured(
            "OIDC_RP_CLIENT_ID is set: set OIDC_OP_DISCOVERY_URL (the provider's "
            ".well-known/openid-configuration), or all of OIDC_OP_AUTHORIZATION_ENDPOINT, "
            "OIDC_OP_TOKEN_ENDPOINT, OIDC_OP_USER_ENDPOINT and OIDC_OP_JWKS_ENDPOINT."
        )
    if OIDC_RP_SIGN_ALGO not in {"RS256", "RS384", "RS512", "PS256", "ES256", "ES384"}:
        raise ImproperlyConfigured(
            f"OIDC_RP_SIGN_ALGO={OIDC_RP_SIGN_ALGO} is not allowed: use RS256 (the default) "
            "or another public-key algorithm the provider signs with."
        )
    if not DEBUG and any(
        url and not url.startswith("https://") for url in [OIDC_OP_DISCOVERY_URL, *_explicit]
    ):
        raise ImproperlyConfigured("The identity provider's URLs must use https://.")
    if not OIDC_EMAIL_CLAIMS:
        raise ImproperlyConfigured("OIDC_EMAIL_CLAIMS must name at least one claim.")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("nhsuk", NODE_MODULES / "nhsuk-frontend" / "dist" / "nhsuk"),
    ("htmx", NODE_MODULES / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # The evidence folder (EVIDENCE_ROOT), named here for the health check.
    "evidence": {"BACKEND": "evidence.storage.EvidenceStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# WhiteNoise serves the hashed names (app.4e3f….css) with a ten-year, immutable
# Cache-Control; other names for a minute. Source files of the front-end packages are
# hashed but not compressed: only developer tools ever fetch them.
WHITENOISE_MAX_AGE = env.int("WHITENOISE_MAX_AGE", default=60)
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    *"jpg jpeg png gif webp zip gz tgz bz2 tbz xz br swf flv woff woff2".split(),
    *"3gp 3gpp asf avi m4v mov mp4 mpeg mpg webm wmv".split(),
    *"map scss njk md mts json".split(),
]

CRISPY_ALLOWED_TEMPLATE_PACKS = ("nhsuk",)
CRISPY_TEMPLATE_PACK = "nhsuk"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Email: console locally, SMTP when EMAIL_URL is set (smtp+tls://user:pass@host:587).
_email = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(_email)
# Every message goes through one backend that marks it as sent by a machine (RFC 3834).
EMAIL_INNER_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_BACKEND = "improvement.mail.AutoSubmittedEmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="improvement-plan@localhost")

# Celery: Redis when REDIS_URL is set, otherwise a file-system broker that needs no server.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Results are ignored unless a caller asks for one (a command that waits for a task).
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    _broker_dir = VAR_DIR / "broker"
    (_broker_dir / "out").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
# Cache: Redis when REDIS_URL is set (shared by every web worker), otherwise in memory.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Set for the PDF worker only (deploy/entrypoint.sh): each new worker process lays out a
# sample page before it takes a job, so the job does not wait for fonts and templates.
PDF_WORKER_WARM_UP = env.bool("PDF_WORKER_WARM_UP", default=False)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The schedule is data (each plan's deadlines); beat only wakes the catch-up task often.
CELERY_BEAT_SCHEDULE = {
    "lock-due-periods": {
        "task": "actions.tasks.lock_due_periods",
        "schedule": env.float("LOCK_SWEEP_SECONDS", default=120.0),
    },
    # Builds drafts after each lock, issues overdue reports, sends due reminders.
    "reporting-sweep": {
        "task": "reporting.tasks.sweep",
        "schedule": env.float("LOCK_SWEEP_SECONDS", default=120.0),
    },
    # Cards to each plan's Teams channel (issued reports, early locks, closures waiting).
    "teams-sweep": {
        "task": "integrations.tasks.teams_sweep",
        "schedule": env.float("LOCK_SWEEP_SECONDS", default=120.0),
    },
    # Deletes the uploaded files of import previews nobody confirmed.
    "expire-import-previews": {
        "task": "actions.tasks.expire_import_previews",
        "schedule": crontab(minute=23),
    },
    "prune-task-runs": {
        "task": "improvement.tasks.prune_task_runs",
        "schedule": crontab(hour=3, minute=17),
    },
}
# PDF rendering runs on its own worker (queue "pdf"), which replaces its process after
# each job: WeasyPrint's memory goes back to the system. The rule: any task whose name
# contains "render_pdf" (reporting.tasks.render_pdf_exception_report, …).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {"*render_pdf*": {"queue": "pdf"}}
# A task is taken off the queue when it has finished, not when it starts: a worker killed
# mid-task (a deploy, the PDF worker out of memory) leaves it for another. Tasks are safe
# to run twice (STYLE.md), which is what this needs.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The PMO's Automation page and the health checks read what workers and beat record.
TASK_RUNS_RECORD = env.bool("TASK_RUNS_RECORD", default=True)
# Beat counts as stalled when it has sent nothing for this long (it sends every sweep).
BEAT_STALE_SECONDS = env.int(
    "BEAT_STALE_SECONDS", default=int(3 * env.float("LOCK_SWEEP_SECONDS", default=120.0)) + 60
)

# One JSON object per line (with the request id) for the trust's log collector; plain text
# for a terminal. LOG_FORMAT=json|text; JSON unless DEBUG.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
LOGGING = logging_config(level=env.str("LOG_LEVEL", default="INFO"), json=LOG_FORMAT == "json")

# Error reports to Sentry or GlitchTip when SENTRY_DSN is set; nothing leaves otherwise.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    init_error_reporting(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        release=env.str("RELEASE", default=""),
    )

# Security: production values unless DEBUG.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Load balancers and the compose health check may ask over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz"]
SECURE_SSL_REDIRECT = False
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # TLS ends at the trust's proxy or load balancer, which must set this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy: nothing inline, nothing evaluated, nothing from elsewhere (trust
# networks block other sites, so even the NHS typeface is not fetched: pages use
# static/nhsuk-frontend-local-fonts.min.css, NHS.UK's stylesheet without its @font-face,
# so text is in Frutiger where a computer has it installed, else Arial). Templates keep
# scripts in static files (base.html's first script is static/js-enabled.js) and htmx is
# told not to inject its own styles (a meta tag).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
        **({"upgrade-insecure-requests": True} if SECURE_SSL_REDIRECT else {}),
    }
}

# The product's own settings.
# The trust's monitoring reads /healthz/detail with this bearer token (off when empty).
HEALTHZ_TOKEN = env.str("HEALTHZ_TOKEN", default="")
# Where the server may post Teams cards: Microsoft's Workflows hosts, over HTTPS only.
TEAMS_WEBHOOK_HOSTS = env.list(
    "TEAMS_WEBHOOK_HOSTS",
    default=[".logic.azure.com", ".powerplatform.com", ".webhook.office.com"],
)
TEAMS_WEBHOOK_ALLOW_HTTP = False
PLAN_PAGE_SIZE = env.int("PLAN_PAGE_SIZE", default=50)
# The plan page's table is cached until the plan changes (actions.selectors.plan_page_state);
# this bounds only how long a renamed person keeps an old name there.
PLAN_PAGE_CACHE_SECONDS = env.int("PLAN_PAGE_CACHE_SECONDS", default=60)
# The findings mapping page's rows are cached until anything they show changes
# (actions.inspections.mapping.mapping_state); this bounds only how long they are kept.
MAPPING_PAGE_CACHE_SECONDS = env.int("MAPPING_PAGE_CACHE_SECONDS", default=300)
# Links in emails (reminders, issued reports) point here.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# An import preview (plan or findings) not confirmed within this many hours is deleted,
# with the uploaded file behind it; the PMO uploads the file again.
IMPORT_PREVIEW_MAX_AGE_HOURS = env.int("IMPORT_PREVIEW_MAX_AGE_HOURS", default=24)
if IMPORT_PREVIEW_MAX_AGE_HOURS < 1:
    raise ImproperlyConfigured("IMPORT_PREVIEW_MAX_AGE_HOURS must be 1 or more.")
# Evidence files: stored under generated names outside any public folder.
EVIDENCE_ROOT = Path(env.str("EVIDENCE_ROOT", default=str(VAR_DIR / "evidence")))
EVIDENCE_MAX_UPLOAD_BYTES = env.int("EVIDENCE_MAX_UPLOAD_BYTES", default=25 * 1024 * 1024)
# Evidence files are scanned by ClamAV's daemon when this names it (tcp://clamav:3310 or
# unix:///run/clamav/clamd.sock); empty, they are not, and the upload page says so. When
# set, a file is refused if clamd finds something or cannot be reached (evidence.virus_scan).
CLAMAV_URL = env.str("CLAMAV_URL", default="").strip()
# Per step (connect, send, verdict); under gunicorn's 60 s so a slow clamd gets a clear refusal.
CLAMAV_TIMEOUT = env.float("CLAMAV_TIMEOUT", default=20.0)
if CLAMAV_URL:
    _clamav = urlsplit(CLAMAV_URL)
    if not (
        (_clamav.scheme == "tcp" and _clamav.hostname and _clamav.port)
        or (_clamav.scheme == "unix" and _clamav.path and not _clamav.netloc)
    ):
        raise ImproperlyConfigured(
            "CLAMAV_URL must be tcp://host:port or unix:///path/to/clamd.sock (or empty)."
        )
# Plan and findings imports read at most this much of a spreadsheet: a workbook can claim a
# million rows by 16,384 columns in a few bytes, so the reader stops here, with an error.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=5_000)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=100)
# An .xlsx is a zip: refuse one that unpacks to more than this (a "zip bomb").
IMPORT_MAX_XLSX_UNPACKED_BYTES = env.int("IMPORT_MAX_XLSX_UNPACKED_BYTES", default=50 * 1024 * 1024)
