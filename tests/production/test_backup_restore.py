"""Backup and restore: deploy/backup.sh, then deploy/restore.sh into an empty database.

The plan is made through the services (actions, weekly updates, a lock and its snapshot,
evidence with a file, a closure and its sign-off), committed, backed up with pg_dump and
a tar of the evidence folder, and restored into a new, empty database: every table has
the same rows, and the evidence file the same bytes.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone
from psycopg import sql

from actions import services
from tests.factories import ActionFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.postgres
ROOT = Path(settings.BASE_DIR)


def database_url(name: str) -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "postgres")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def table_contents(url: str) -> dict[str, tuple[int, str]]:
    """Every table of the public schema: its row count and a checksum of its rows."""
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        contents = {}
        for table in tables:
            query = sql.SQL(
                "SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "
                "FROM {} AS t"
            ).format(sql.Identifier(table))
            contents[table] = tuple(conn.execute(query).fetchone())
    return contents


def run_script(script: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "deploy" / script), *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def empty_database():
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    maintenance = database_url("postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield database_url(name)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def make_the_plan(evidence_file: bytes) -> dict[str, int]:
    """A plan as a trust would have it after a few weeks; returns what was made."""
    pmo = UserFactory(username="pmo", roles=["PMO"])
    lead = UserFactory(username="lead", roles=["Action lead"])
    reviewer = UserFactory(username="reviewer", roles=["Assurance reviewer"])
    plan = PlanFactory(name="CQC improvement plan", cycle_starts_on=timezone.localdate())
    actions = [ActionFactory(plan=plan, ref=f"M{n}", action_lead=lead) for n in range(1, 6)]
    now = timezone.now()
    period = services.period_current_row(plan=plan, now=now)
    for n, action in enumerate(actions):
        services.update_submit(
            action=action, period=period, author=lead, status="G", narrative=f"On plan {n}", now=now
        )
    services.plan_lock_now(plan=plan, by=pmo, reason="Board pack")
    made = {"actions": len(actions), "updates": len(actions), "sign_offs": 0}

    try:
        evidence_model = apps.get_model("evidence", "Evidence")
        closure_model = apps.get_model("evidence", "ClosureRequest")
        sign_off_model = apps.get_model("evidence", "SignOff")
    except LookupError:  # the evidence app is being written; the plan alone is tested
        return made
    evidence = evidence_model(
        action=actions[0],
        kind="file",
        description="Audit of the risk register, May",
        original_name="audit.pdf",
        content_type="application/pdf",
        size=len(evidence_file),
        added_by=lead,
        added_at=now,
    )
    evidence.file.save("audit.pdf", ContentFile(evidence_file), save=False)
    evidence.save()
    closure = closure_model.objects.create(
        action=actions[0],
        summary="Done and embedded.",
        requested_by=lead,
        requested_at=now,
        previous_status="G",
        state="approved",
    )
    closure.evidence.add(evidence)
    sign_off_model.objects.create(
        closure=closure, decision="approved", decided_by=reviewer, decided_at=now
    )
    made["sign_offs"] = 1
    made["evidence_file"] = evidence.file.name
    return made


@pytest.mark.django_db(transaction=True)
def test_backup_restores_every_action_update_and_sign_off_into_an_empty_database(
    tmp_path, settings, empty_database
):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    pdf = b"%PDF-1.4 the audit of the risk register\n" * 100
    made = make_the_plan(pdf)
    source = database_url(connection.settings_dict["NAME"])
    before = table_contents(source)

    backup = run_script(
        "backup.sh",
        str(tmp_path / "backups"),
        env={"DATABASE_URL": source, "EVIDENCE_ROOT": str(settings.EVIDENCE_ROOT)},
    )
    assert backup.returncode == 0, backup.stderr
    folder = Path(backup.stdout.strip().splitlines()[-1])
    assert {p.name for p in folder.iterdir()} == {"database.dump", "evidence.tar.gz", "SHA256SUMS"}

    restored_evidence = tmp_path / "restored-evidence"
    restore = run_script(
        "restore.sh",
        str(folder),
        env={"DATABASE_URL": empty_database, "EVIDENCE_ROOT": str(restored_evidence)},
    )
    assert restore.returncode == 0, restore.stderr

    after = table_contents(empty_database)
    assert after == before
    assert after["actions_action"][0] == made["actions"]
    assert after["actions_weeklyupdate"][0] == made["updates"]
    assert after["actions_periodsnapshot"][0] == made["actions"]
    if made["sign_offs"]:
        assert after["evidence_signoff"][0] == made["sign_offs"]
        assert (restored_evidence / made["evidence_file"]).read_bytes() == pdf


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(tmp_path, settings, empty_database):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    ActionFactory()
    source = database_url(connection.settings_dict["NAME"])
    backup = run_script(
        "backup.sh",
        str(tmp_path / "backups"),
        env={"DATABASE_URL": source, "EVIDENCE_ROOT": str(settings.EVIDENCE_ROOT)},
    )
    folder = backup.stdout.strip().splitlines()[-1]

    refused = run_script(
        "restore.sh",
        folder,
        env={"DATABASE_URL": source, "EVIDENCE_ROOT": str(tmp_path / "restored")},
    )

    assert refused.returncode != 0
    assert "restore only into an empty one" in refused.stderr


def test_restore_refuses_a_backup_that_does_not_match_its_checksums(tmp_path):
    folder = tmp_path / "improvement-20260101T000000Z"
    folder.mkdir()
    (folder / "database.dump").write_bytes(b"not a dump")
    (folder / "evidence.tar.gz").write_bytes(b"")
    (folder / "SHA256SUMS").write_text(
        "0" * 64 + "  database.dump\n" + "0" * 64 + "  evidence.tar.gz\n"
    )

    refused = run_script(
        "restore.sh",
        str(folder),
        env={"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "EVIDENCE_ROOT": str(tmp_path)},
    )

    assert refused.returncode != 0
    assert "does not match its SHA256SUMS" in refused.stderr
