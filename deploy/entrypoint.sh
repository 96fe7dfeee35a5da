#!/bin/sh
# The production commands, in one place. docker-compose.yml runs them; so do CI
# (`make deploy-check` runs `check`) and the rush benchmark (bench/rush/run.py runs `web`).
#
#   deploy/entrypoint.sh web | worker | pdf-worker | beat | check | migrate
#   deploy/entrypoint.sh healthcheck web | worker | pdf-worker | beat
#   deploy/entrypoint.sh backup [DIR] | restore DIR
#
# PYTHON names the interpreter (the image's `python`; a checkout's `.venv/bin/python`).
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
LOG_LEVEL="${LOG_LEVEL:-INFO}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-improvement.settings}"

command="${1:-web}"
[ $# -gt 0 ] && shift

case "$command" in
  web)
    "$PYTHON" manage.py migrate --noinput
    # The image collects at build; a fresh or mounted STATIC_ROOT is collected here.
    static_root=$("$PYTHON" -c 'from django.conf import settings; print(settings.STATIC_ROOT)')
    if [ ! -f "$static_root/staticfiles.json" ]; then
      "$PYTHON" manage.py collectstatic --noinput --verbosity 0
    fi
    exec "$PYTHON" -m gunicorn improvement.wsgi:application --config deploy/gunicorn.conf.py
    ;;
  worker)
    exec "$PYTHON" -m celery -A improvement worker --queues celery --hostname "worker@%h" \
      --loglevel "$LOG_LEVEL"
    ;;
  pdf-worker)
    # One PDF at a time, in a process replaced after each job: WeasyPrint's memory goes back.
    # Each new process loads the fonts and templates before it takes the next job.
    export PDF_WORKER_WARM_UP=1
    exec "$PYTHON" -m celery -A improvement worker --queues pdf --hostname "pdf@%h" \
      --concurrency 1 --max-tasks-per-child 1 --loglevel "$LOG_LEVEL"
    ;;
  beat)
    # Exactly one beat may run: two would send every scheduled task twice.
    exec "$PYTHON" -m celery -A improvement beat --loglevel "$LOG_LEVEL"
    ;;
  check)
    "$PYTHON" manage.py check --deploy --fail-level WARNING
    "$PYTHON" manage.py makemigrations --check --dry-run
    ;;
  migrate)
    exec "$PYTHON" manage.py migrate --noinput
    ;;
  healthcheck)
    case "${1:-web}" in
      web) exec "$PYTHON" deploy/healthcheck.py ;;
      worker) exec "$PYTHON" -m celery -A improvement inspect ping \
                --destination "worker@$(hostname)" --timeout 10 ;;
      pdf-worker) exec "$PYTHON" -m celery -A improvement inspect ping \
                    --destination "pdf@$(hostname)" --timeout 10 ;;
      beat) exec "$PYTHON" manage.py healthcheck beat ;;
      *) echo "healthcheck: web, worker, pdf-worker or beat" >&2; exit 2 ;;
    esac
    ;;
  backup)
    exec deploy/backup.sh "$@"
    ;;
  restore)
    exec deploy/restore.sh "$@"
    ;;
  *)
    exec "$command" "$@"
    ;;
esac
