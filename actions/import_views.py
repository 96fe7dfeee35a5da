"""The PMO imports a plan: upload, preview what will be created and changed, confirm.

The worker reads the file and imports it (``actions.import_jobs``); the upload's page
shows its progress, then the preview, then what was imported.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from . import access, import_jobs, import_previews
from .models import ImportJob

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class PlanFileForm(forms.Form):
    file = forms.FileField(
        label="Plan file",
        help_text="An Excel workbook (.xlsx) or a CSV file, with a header row such as "
        "Ref., Theme, Dept, Must do / should do, Requirement and actions, RAGB, Exec lead, "
        "Start date, End date. You will see a preview before anything is saved.",
        error_messages={"required": "Choose the plan file to upload."},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in {".xlsx", ".csv"}:
            raise forms.ValidationError("Upload the plan as .xlsx or .csv.")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB; is it the right file?")
        return upload


def get_import_job_for_pmo(request: HttpRequest, token: uuid.UUID) -> ImportJob:
    """The PMO's own upload: another PMO's preview is not theirs to see or confirm."""
    access.require_pmo(request)
    return get_object_or_404(
        ImportJob.objects.select_related("plan", "inspection"),
        token=token,
        uploaded_by=request.user,
    )


@login_required
def plan_import_upload(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.get_plan_for_pmo(request, pk)
    form = PlanFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = import_jobs.plan_import_start(
            plan=plan, filename=upload.name, data=upload.read(), by=request.user
        )
        return redirect(job)
    return render(request, "actions/import_upload.html", {"plan": plan, "form": form})


@login_required
def plan_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.get_plan_for_pmo(request, pk)
    if request.method != "POST":
        return redirect("plan_import", pk=plan.pk)
    job = _job_by_token(request, plan=plan)
    if job is not None and import_previews.job_expire_if_old(job):
        messages.error(request, import_previews.expired_message())
        return redirect("plan_import", pk=plan.pk)
    if job is None:
        messages.error(
            request,
            "That preview has already been used or has expired; nothing was saved. "
            "Upload the file again to see a fresh preview.",
        )
        return redirect("plan_import", pk=plan.pk)
    # A second confirm (a double click) finds the import under way and shows its progress.
    import_jobs.import_job_confirm(job=job, by=request.user)
    return redirect(job)


def _job_by_token(request: HttpRequest, **scope) -> ImportJob | None:
    try:
        token = uuid.UUID(request.POST.get("token", ""))
    except ValueError:
        return None
    return ImportJob.objects.filter(token=token, uploaded_by=request.user, **scope).first()


# The upload's page, plan or findings: progress, then the preview, then the outcome. ------


def _job_context(job: ImportJob) -> dict:
    report = import_jobs.job_report(job)
    return {
        "job": job,
        "report": report,
        "progress": import_jobs.progress_of(job),
        "plan": job.plan,
        "inspection": job.inspection,
        "filename": job.filename,
        # The preview's confirm button and "change the columns" link need the upload.
        "token": job.token.hex if job.state == ImportJob.State.PREVIEW or job.table else "",
    }


def _columns(job: ImportJob) -> str:
    return reverse("findings_import_columns", args=[job.inspection_id])


@login_required
def import_job(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    job = get_import_job_for_pmo(request, token)
    if job.state == ImportJob.State.COLUMNS:
        return redirect(_columns(job))
    return render(request, "actions/import_job.html", _job_context(job))


@login_required
def import_job_status(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """The fragment the upload's page polls until the worker has finished."""
    job = get_import_job_for_pmo(request, token)
    if job.state == ImportJob.State.COLUMNS:  # the file is read: on to the columns
        response = HttpResponse()
        response["HX-Redirect"] = _columns(job)
        return response
    return render(request, "actions/_import_job.html", _job_context(job))
