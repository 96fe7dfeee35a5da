# Placeholder in the migration chain; filled in by the feature it is named after.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ('reporting', '0001_initial'), ('actions', '0006_finding_suggestions'),
    ]

    operations = []
