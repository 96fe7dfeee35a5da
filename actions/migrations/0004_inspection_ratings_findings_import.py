# Inspection ratings, the remembered column mapping of findings spreadsheets, and the
# record of actions raised from a new report's findings.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ('actions', '0003_alter_historyentry_kind'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='FindingColumnMapping',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('provider', models.CharField(help_text='The trust, as the inspection names it.', max_length=200, unique=True)),
                ('columns', models.JSONField(default=dict)),
                ('kind_values', models.JSONField(default=dict)),
                ('updated_at', models.DateTimeField()),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['provider', 'id'],
            },
        ),
        migrations.CreateModel(
            name='RaisedAction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('raised_at', models.DateTimeField()),
                ('action', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='raised_from', to='actions.action')),
                ('finding', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='raised', to='actions.finding')),
                ('raised_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-raised_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='InspectionRating',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('core_service', models.CharField(blank=True, max_length=100, verbose_name='core service')),
                ('key_question', models.CharField(blank=True, choices=[('safe', 'Safe'), ('effective', 'Effective'), ('caring', 'Caring'), ('responsive', 'Responsive'), ('well_led', 'Well-led')], max_length=12)),
                ('rating', models.CharField(choices=[('outstanding', 'Outstanding'), ('good', 'Good'), ('requires_improvement', 'Requires improvement'), ('inadequate', 'Inadequate'), ('not_rated', 'Not rated')], max_length=24)),
                ('inspection', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='ratings', to='actions.inspection')),
            ],
            options={
                'ordering': ['inspection', 'core_service', 'key_question', 'id'],
                'constraints': [models.UniqueConstraint(fields=('inspection', 'core_service', 'key_question'), name='inspection_rating_once_per_cell')],
            },
        ),
    ]
