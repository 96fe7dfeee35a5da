"""The five roles of DOMAIN.md, as auth groups."""

from django.db import migrations

ROLES = ["PMO", "Action lead", "Executive lead", "Assurance reviewer", "Board member"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("actions", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
