# Placeholder in the migration chain; filled in by the feature it is named after.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ('reporting', '0002_board_report'),
    ]

    operations = []
