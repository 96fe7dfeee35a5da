"""The PMO imports a plan: upload, preview what will be created and changed, confirm."""

from __future__ import annotations

import uuid
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from . import access, import_previews
from .importer import plan_import

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
PENDING_KEY = "pending_plan_import"


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


def _pending_dir() -> Path:
    return import_previews.pending_dir(import_previews.PLAN_IMPORTS)


@login_required
def plan_import_upload(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.get_plan_for_pmo(request, pk)
    form = PlanFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        report = plan_import(plan=plan, data=data, filename=upload.name, by=request.user)
        token = uuid.uuid4().hex
        if report.ok:
            (_pending_dir() / token).write_bytes(data)
            request.session[PENDING_KEY] = {"token": token, "plan": plan.pk, "name": upload.name}
        return render(
            request,
            "actions/import_preview.html",
            {"plan": plan, "report": report, "filename": upload.name, "token": token},
        )
    return render(request, "actions/import_upload.html", {"plan": plan, "form": form})


@login_required
def plan_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.get_plan_for_pmo(request, pk)
    if request.method != "POST":
        return redirect("plan_import", pk=plan.pk)
    pending = request.session.get(PENDING_KEY) or {}
    path = _pending_dir() / str(pending.get("token", "missing"))
    if pending.get("plan") != plan.pk or pending.get("token") != request.POST.get("token"):
        messages.error(
            request,
            "That preview has already been used or has expired; nothing was saved. "
            "Upload the file again to see a fresh preview.",
        )
        return redirect("plan_import", pk=plan.pk)
    if import_previews.is_expired(path):
        path.unlink(missing_ok=True)
        request.session.pop(PENDING_KEY, None)
        messages.error(request, import_previews.expired_message())
        return redirect("plan_import", pk=plan.pk)
    report = plan_import(
        plan=plan, data=path.read_bytes(), filename=pending["name"], by=request.user, dry_run=False
    )
    path.unlink(missing_ok=True)
    request.session.pop(PENDING_KEY, None)
    if not report.ok:  # the plan changed under the preview in a way that now fails
        return render(
            request,
            "actions/import_preview.html",
            {"plan": plan, "report": report, "filename": pending["name"], "token": ""},
        )
    messages.success(request, f"Plan imported from {pending['name']}: {report.summary()}.")
    return redirect(plan)
