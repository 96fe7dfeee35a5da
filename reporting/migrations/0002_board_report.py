# The monthly board highlight report: its versions, cover sheet, progress and PDF.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import reporting.models


class Migration(migrations.Migration):
    dependencies = [
        ('reporting', '0001_initial'), ('actions', '0006_finding_suggestions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='BoardReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text='The first day of the month the report is for.')),
                ('version', models.PositiveIntegerField(default=1)),
                ('status', models.CharField(choices=[('queued', 'Waiting to start'), ('rendering', 'Being made'), ('ready', 'Ready'), ('failed', 'Failed')], default='queued', max_length=10)),
                ('progress', models.PositiveSmallIntegerField(default=0, help_text='Per cent done.')),
                ('error', models.TextField(blank=True)),
                ('pdf', models.FileField(blank=True, max_length=200, upload_to=reporting.models.board_report_file_name)),
                ('document', models.JSONField(blank=True, null=True)),
                ('meeting', models.CharField(default='Trust Board', max_length=200)),
                ('paper_title', models.CharField(max_length=300)),
                ('meeting_date', models.DateField(blank=True, null=True, verbose_name='date of meeting')),
                ('written_on', models.DateField(blank=True, null=True, verbose_name='date paper was written')),
                ('responsible_director', models.CharField(blank=True, max_length=200)),
                ('author', models.CharField(blank=True, max_length=200)),
                ('asked_to', models.CharField(choices=[('approve', 'Approve'), ('receive', 'Receive'), ('note', 'Note'), ('assurance', 'Take assurance')], default='note', max_length=10, verbose_name='the board is asked to')),
                ('key_questions', models.JSONField(blank=True, default=list, help_text='Which the paper links to.', verbose_name='CQC key questions')),
                ('baf_risks', models.TextField(blank=True, verbose_name='board assurance framework risks')),
                ('executive_summary', models.TextField(blank=True)),
                ('risks', models.TextField(blank=True, verbose_name='risks and mitigations')),
                ('next_steps', models.TextField(blank=True)),
                ('requested_at', models.DateTimeField()),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='board_reports', to='actions.plan')),
                ('requested_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['plan', '-month', '-version', '-id'],
                'constraints': [models.UniqueConstraint(fields=('plan', 'month', 'version'), name='board_report_version_unique'), models.CheckConstraint(condition=models.Q(('month__day', 1)), name='board_report_month_first_day'), models.CheckConstraint(condition=models.Q(('progress__lte', 100)), name='board_report_progress_percent'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'ready'), _negated=True), models.Q(('pdf', ''), _negated=True), _connector='OR'), name='board_report_ready_has_pdf')],
            },
        ),
    ]
