"""Gunicorn's settings for the web service, from the environment.

The defaults are what the Wednesday-rush benchmark measured best on 2 cores (see the
README's "Deploy"): threaded workers, so a request waiting on PostgreSQL does not hold a
whole process.
"""

import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Django (and WhiteNoise's index of the static files, seconds of work) is loaded once in
# the master and forked: a new or replaced worker answers at once.
preload_app = True
# A worker is replaced after this many requests (with jitter, so not all at once).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The proxy in front terminates TLS; Django reads X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Workers' heartbeat files: the image sets /dev/shm (a container's /tmp may be disk).
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or None


def pre_fork(server, worker):
    """No database connection crosses a fork: a shared socket would mix two workers' SQL."""
    from django.db import connections

    connections.close_all()
