"""Clearing sign-offs after a test that commits (transaction=True) on SQLite.

Sign-offs cannot be deleted: a trigger refuses it (evidence migration 0002). PostgreSQL's
test flush uses TRUNCATE, which row triggers do not see; SQLite's flush DELETEs row by row
and would be refused. A transactional test that signs anything off uses ``signoffs_cleared``
as a fixture so the flush after it finds the table empty and the guard back in place.
"""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

_guard = importlib.import_module("evidence.migrations.0002_signoff_immutable")


def clear_signoffs() -> None:
    """Test teardown only: lift the guard, empty the table, put the guard back."""
    if connection.vendor != "sqlite":
        return  # TRUNCATE does the job and leaves the trigger alone
    with connection.cursor() as cursor:
        for sql in _guard.UNGUARD_SQL["sqlite"]:
            cursor.execute(sql)
        cursor.execute("DELETE FROM evidence_signoff")
        for sql in _guard.GUARD_SQL["sqlite"]:
            cursor.execute(sql)


@pytest.fixture
def signoffs_cleared(transactional_db):
    """Set up after the database, so torn down (clearing sign-offs) before its flush."""
    yield
    clear_signoffs()
