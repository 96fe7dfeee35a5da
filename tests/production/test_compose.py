"""docker-compose.yml and the Dockerfile, tested without Docker (it cannot run here).

The compose file parses, names every service with a health check, runs exactly one beat,
keeps the database and the evidence on volumes, and runs only deploy/entrypoint.sh, whose
commands are the ones CI and the benchmark run, naming modules that really exist.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SERVICES = {"db", "redis", "clamav", "web", "worker", "pdf-worker", "beat"}
APP_SERVICES = {"web", "worker", "pdf-worker", "beat"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def entrypoint() -> str:
    return (ROOT / "deploy" / "entrypoint.sh").read_text()


def entrypoint_branch(entrypoint: str, name: str) -> str:
    """The shell lines of one ``case`` branch of deploy/entrypoint.sh."""
    match = re.search(rf"^  {re.escape(name)}\)\n(.*?)^    ;;", entrypoint, re.M | re.S)
    assert match, f"deploy/entrypoint.sh has no '{name})' branch"
    return " ".join(match.group(1).replace("\\\n", " ").split())


def test_compose_names_every_service(compose):
    assert set(compose["services"]) == SERVICES


def test_every_service_has_a_health_check(compose):
    for name, service in compose["services"].items():
        check = service.get("healthcheck", {})
        assert check.get("test"), f"{name} has no health check"
        assert check.get("interval") and check.get("retries"), name


def test_exactly_one_beat(compose):
    beats = [n for n, s in compose["services"].items() if s.get("command") == ["beat"]]
    assert beats == ["beat"]
    assert compose["services"]["beat"]["deploy"]["replicas"] == 1


def test_database_and_evidence_live_on_volumes(compose):
    assert {"pgdata", "evidence"} <= set(compose["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]
    evidence_root = "/data/evidence"
    for name in ("web", "worker", "pdf-worker"):
        assert f"evidence:{evidence_root}" in compose["services"][name]["volumes"], name
    assert (
        f"ENV IMPROVEMENT_VAR_DIR=/app/var \\\n    EVIDENCE_ROOT={evidence_root}"
        in (ROOT / "Dockerfile").read_text()
    )


def test_services_use_postgres_16_and_redis(compose):
    assert compose["services"]["db"]["image"] == "postgres:16"
    assert compose["services"]["redis"]["image"].startswith("redis:")


def test_clamav_scans_uploads_for_the_web_service(compose):
    """clamd keeps its signatures on a volume (freshclam updates them in the container);
    the web service, which takes the uploads, names it in deploy/env.example."""
    clamav = compose["services"]["clamav"]
    assert clamav["image"].startswith("clamav/clamav:")
    assert "clamav-signatures:/var/lib/clamav" in clamav["volumes"]
    assert "clamav-signatures" in compose["volumes"]
    # clamd answers PING, not just runs: the image's own clamdcheck.sh asks "localhost"
    # with busybox nc, which fails where Docker gives containers IPv6 on loopback.
    assert clamav["healthcheck"]["test"] == ["CMD", "clamdscan", "--ping", "1"]
    # The first start downloads the signatures: allow it minutes before counting failures.
    assert int(clamav["healthcheck"]["start_period"].rstrip("s")) >= 300
    # Uploads are refused while clamd is down, so the site starts without waiting for it.
    assert compose["services"]["web"]["depends_on"]["clamav"] == {"condition": "service_started"}
    example = (ROOT / "deploy" / "env.example").read_text()
    assert re.search(r"^CLAMAV_URL=tcp://clamav:3310$", example, re.M)
    assert "`CLAMAV_URL`" in (ROOT / "README.md").read_text()


def test_app_services_read_the_env_file_whose_example_is_committed(compose):
    for name in APP_SERVICES | {"db"}:
        assert compose["services"][name]["env_file"] == "deploy/.env", name
    assert (ROOT / "deploy" / "env.example").is_file()
    assert "deploy/.env" in (ROOT / ".gitignore").read_text().split()


def test_env_example_names_every_setting_the_settings_read():
    source = (ROOT / "improvement" / "settings.py").read_text()
    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', source))
    names |= set(re.findall(r'Env\(\)\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', source))
    assert {"SECRET_KEY", "DATABASE_URL", "OIDC_RP_CLIENT_ID", "BEAT_STALE_SECONDS"} <= names
    example = (ROOT / "deploy" / "env.example").read_text()
    missing = sorted(n for n in names if not re.search(rf"^#? ?{n}=", example, re.M))
    assert not missing, f"deploy/env.example does not mention: {missing}"


def test_app_services_run_the_entrypoint_with_a_known_command(compose, entrypoint):
    for name in APP_SERVICES:
        (command,) = compose["services"][name]["command"]
        entrypoint_branch(entrypoint, command)
        check = compose["services"][name]["healthcheck"]["test"]
        assert check[:3] == ["CMD", "deploy/entrypoint.sh", "healthcheck"], name
    assert 'ENTRYPOINT ["deploy/entrypoint.sh"]' in (ROOT / "Dockerfile").read_text()


def test_web_migrates_and_runs_gunicorn_on_the_real_wsgi_module(entrypoint):
    web = entrypoint_branch(entrypoint, "web")
    assert "manage.py migrate --noinput" in web
    assert "manage.py collectstatic --noinput" in web
    assert "-m gunicorn improvement.wsgi:application --config deploy/gunicorn.conf.py" in web
    from improvement import wsgi

    assert callable(wsgi.application)


def test_workers_and_beat_name_the_real_celery_app(entrypoint):
    from improvement import celery_app

    assert celery_app.main == "improvement"
    worker = entrypoint_branch(entrypoint, "worker")
    pdf = entrypoint_branch(entrypoint, "pdf-worker")
    beat = entrypoint_branch(entrypoint, "beat")
    assert "-m celery -A improvement worker --queues celery" in worker
    assert "-m celery -A improvement worker --queues pdf" in pdf
    assert "--concurrency 1 --max-tasks-per-child 1" in pdf
    assert "export PDF_WORKER_WARM_UP=1" in pdf
    assert "PDF_WORKER_WARM_UP" not in worker
    assert "-m celery -A improvement beat" in beat


def test_pdf_tasks_are_routed_to_the_pdf_worker():
    from improvement import celery_app

    router = celery_app.amqp.router
    assert router.route({}, "reporting.tasks.render_pdf_exception_report")["queue"].name == "pdf"
    assert router.route({}, "reporting.tasks.render_pdf")["queue"].name == "pdf"
    assert router.route({}, "actions.tasks.lock_due_periods")["queue"].name == "celery"


def test_ci_runs_the_same_commands():
    """`make test` runs the security checks; tests here run entrypoint.sh check itself."""
    makefile = (ROOT / "Makefile").read_text()
    test_target = re.search(r"^test:.*?(?=^\S)", makefile, re.M | re.S).group(0)
    assert "$(MAKE) --no-print-directory security" in test_target
    assert "$(VENV)/bin/pytest" in test_target
    security = re.search(r"^security:.*?(?=^\S)", makefile, re.M | re.S).group(0)
    assert "bandit" in security and "audit" in security
    rush = (ROOT / "bench" / "rush" / "run.py").read_text()
    assert '"deploy/entrypoint.sh", "web"' in rush


def test_the_image_installs_what_weasyprint_and_the_front_end_need():
    dockerfile = (ROOT / "Dockerfile").read_text()
    makefile = (ROOT / "Makefile").read_text()
    apt = re.search(r"^APT_PACKAGES := (.*)$", makefile, re.M).group(1).split()
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"):
        assert package in apt and package in dockerfile, package
    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    assert "npm ci" in dockerfile
    assert "manage.py collectstatic --noinput" in dockerfile
    assert "postgresql-client-16" in dockerfile  # pg_dump as new as the db service


def test_shell_scripts_parse():
    for script in sorted((ROOT / "deploy").glob("*.sh")):
        result = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True)
        assert result.returncode == 0, f"{script.name}: {result.stderr}"
