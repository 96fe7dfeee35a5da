# A new plan year: open actions carry over from a closed (read-only) plan.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0004_inspection_ratings_findings_import"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="action",
            name="carried_from",
            field=models.ForeignKey(
                blank=True,
                help_text="The plan year the action was carried from, still open, into this one.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="actions.plan",
            ),
        ),
        migrations.AddField(
            model_name="plan",
            name="closed_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the plan's open actions were carried into a new plan year; "
                "read-only from then.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="plan",
            name="previous",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="next_years",
                to="actions.plan",
                verbose_name="previous plan year",
            ),
        ),
        migrations.CreateModel(
            name="CarryOver",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField()),
                (
                    "themes",
                    models.JSONField(blank=True, default=dict, help_text="Old theme → new theme."),
                ),
                ("counts", models.JSONField(default=dict)),
                (
                    "by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "from_plan",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="carry_over",
                        to="actions.plan",
                    ),
                ),
                (
                    "to_plan",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="carried_in",
                        to="actions.plan",
                    ),
                ),
            ],
            options={
                "ordering": ["-at", "-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("from_plan", models.F("to_plan")), _negated=True),
                        name="carry_over_into_another_plan",
                    )
                ],
            },
        ),
    ]
