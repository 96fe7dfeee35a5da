# Public publication of a plan: the PMO's settings, the frozen snapshots and withdrawals.
"""A published snapshot, and its withdrawal, cannot be changed or deleted: the database
refuses it.

Triggers on ``reporting_publication`` and ``reporting_publicationwithdrawal`` raise on
every UPDATE and DELETE, on PostgreSQL and on SQLite, as evidence migration 0002 does for
sign-offs, with one exception: the PDF, made by a worker after publishing, may be stored
once: an UPDATE that sets ``pdf`` where it was NULL and changes nothing else passes.
Withdrawal is a row of its own, so taking a snapshot down never rewrites it. On SQLite, a
later migration that alters these tables rebuilds them and drops the triggers: such a
migration must run ``GUARD_SQL`` again (the publication tests fail if the guard is missing),
and a column added to ``reporting_publication`` must be added to ``FROZEN_COLUMNS`` (a test
compares them with the model).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MESSAGE = "Publications cannot be changed or deleted"
TABLES = ["reporting_publication", "reporting_publicationwithdrawal"]


def _sqlite_exception(table: str, op: str) -> str:
    """SQLite's WHEN clause: the trigger lets the PDF be stored once, nothing else."""
    if (table, op) != ("reporting_publication", "UPDATE"):
        return ""
    same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in FROZEN_COLUMNS)
    return f"WHEN NOT (OLD.pdf IS NULL AND NEW.pdf IS NOT NULL AND {same})"

# Every column of reporting_publication but ``pdf``: what storing the PDF must leave alone.
FROZEN_COLUMNS = [
    "id",
    "plan_id",
    "slug",
    "number",
    "token",
    "published_at",
    "published_by_id",
    "title",
    "content",
    "digest",
]

GUARD_SQL = {
    "postgresql": [
        f"""
        CREATE OR REPLACE FUNCTION reporting_publication_immutable() RETURNS trigger AS $$
        BEGIN
            -- The one write allowed: storing the PDF once, every other column unchanged.
            IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'reporting_publication'
                AND to_jsonb(OLD) -> 'pdf' = 'null'::jsonb
                AND to_jsonb(NEW) -> 'pdf' <> 'null'::jsonb
                AND (to_jsonb(NEW) - 'pdf') = (to_jsonb(OLD) - 'pdf')
            THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
        END;
        $$ LANGUAGE plpgsql;
        """,
        *(
            f"""
            CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION reporting_publication_immutable();
            """
            for table in TABLES
        ),
    ],
    "sqlite": [
        f"""
        CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table}
        {_sqlite_exception(table, op)}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE} ({op} refused)'); END;
        """
        for table in TABLES
        for op in ("UPDATE", "DELETE")
    ],
}

UNGUARD_SQL = {
    "postgresql": [
        *(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};" for table in TABLES),
        "DROP FUNCTION IF EXISTS reporting_publication_immutable();",
    ],
    "sqlite": [
        f"DROP TRIGGER IF EXISTS {table}_no_{op};" for table in TABLES for op in ("update", "delete")
    ],
}


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements:
            raise NotImplementedError(
                f"No publication guard for {vendor}: add one before using this database."
            )
        for sql in statements[vendor]:
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ('reporting', '0002_board_report'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PublicationSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slug', models.SlugField(max_length=80, unique=True)),
                ('fields', models.JSONField(default=list, help_text='The action fields the public sees.')),
                ('highlights', models.TextField(blank=True)),
                ('challenges', models.TextField(blank=True)),
                ('glossary', models.JSONField(default=list, help_text='[{"term": …, "definition": …}]')),
                ('updated_at', models.DateTimeField()),
                ('plan', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='publication_settings', to='actions.plan')),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'publication settings',
                'verbose_name_plural': 'publication settings',
            },
        ),
        migrations.CreateModel(
            name='Publication',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slug', models.SlugField(max_length=80)),
                ('number', models.PositiveIntegerField(help_text="1 for the plan's first publication, …")),
                ('token', models.UUIDField(help_text='The preview it was published from.', unique=True)),
                ('published_at', models.DateTimeField()),
                ('title', models.CharField(max_length=300)),
                ('content', models.JSONField()),
                ('digest', models.CharField(help_text='SHA-256 of the content as published.', max_length=64)),
                ('pdf', models.BinaryField(help_text='Made by a worker after publishing; stored once.', null=True)),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='publications', to='actions.plan')),
                ('published_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['plan', '-number', '-id'],
                'constraints': [
                    models.UniqueConstraint(fields=('slug', 'number'), name='publication_address_unique'),
                    models.UniqueConstraint(fields=('plan', 'number'), name='publication_number_unique'),
                ],
            },
        ),
        migrations.CreateModel(
            name='PublicationWithdrawal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('withdrawn_at', models.DateTimeField()),
                ('reason', models.TextField()),
                ('publication', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='withdrawal', to='reporting.publication')),
                ('withdrawn_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-withdrawn_at', '-id'],
                'constraints': [
                    models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='publication_withdrawal_has_reason'),
                ],
            },
        ),
        migrations.RunPython(_run(GUARD_SQL), _run(UNGUARD_SQL)),
    ]
