"""Sign-off records cannot be changed or deleted: the database refuses it.

A trigger on ``evidence_signoff`` raises on every UPDATE and DELETE, on PostgreSQL and on
SQLite, so not even raw SQL or a future bug in the app can rewrite a decision. The error
is an integrity error (SQLSTATE 23001 on PostgreSQL, RAISE(ABORT) on SQLite), which Django
reports as ``django.db.IntegrityError`` on both.

On SQLite, a later migration that alters this table rebuilds it and drops the triggers:
such a migration must run ``GUARD_SQL`` again (tests/evidence/test_signoff_immutable.py
fails if the guard is missing).
"""

from django.db import migrations

MESSAGE = "Sign-off records cannot be changed or deleted"

GUARD_SQL = {
    "postgresql": [
        f"""
        CREATE OR REPLACE FUNCTION evidence_signoff_immutable() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
        END;
        $$ LANGUAGE plpgsql;
        """,
        """
        CREATE TRIGGER evidence_signoff_immutable
        BEFORE UPDATE OR DELETE ON evidence_signoff
        FOR EACH ROW EXECUTE FUNCTION evidence_signoff_immutable();
        """,
    ],
    "sqlite": [
        f"""
        CREATE TRIGGER evidence_signoff_no_update BEFORE UPDATE ON evidence_signoff
        BEGIN SELECT RAISE(ABORT, '{MESSAGE} (UPDATE refused)'); END;
        """,
        f"""
        CREATE TRIGGER evidence_signoff_no_delete BEFORE DELETE ON evidence_signoff
        BEGIN SELECT RAISE(ABORT, '{MESSAGE} (DELETE refused)'); END;
        """,
    ],
}

UNGUARD_SQL = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS evidence_signoff_immutable ON evidence_signoff;",
        "DROP FUNCTION IF EXISTS evidence_signoff_immutable();",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS evidence_signoff_no_update;",
        "DROP TRIGGER IF EXISTS evidence_signoff_no_delete;",
    ],
}


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements:
            raise NotImplementedError(
                f"No sign-off guard for {vendor}: add one before using this database."
            )
        for sql in statements[vendor]:
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("evidence", "0001_initial")]

    operations = [migrations.RunPython(_run(GUARD_SQL), _run(UNGUARD_SQL))]
