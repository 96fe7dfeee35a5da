# Placeholder in the migration chain; filled in by the feature it is named after.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ('actions', '0004_inspection_ratings_findings_import'),
    ]

    operations = []
