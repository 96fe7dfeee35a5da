"""KPI pages. Each starts with one access helper (kpis.access), then a form and a service."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from actions import access as plan_access
from actions import import_previews
from actions.access import is_pmo

from . import access, services
from .charts import kpi_chart, with_unit
from .forms import KpiForm, ValueForm, ValuesFileForm
from .icons import assurance_icon, variation_icon
from .importer import kpi_values_import, read_import
from .models import KpiValue
from .selectors import KpiSummary, by_key_question, kpi_summaries

PENDING_KEY = "pending_kpi_import"


@login_required
def kpi_list(request: HttpRequest, pk: int) -> HttpResponse:
    """A plan's KPIs by CQC key question: latest value, variation, assurance, owner."""
    plan, reads_all = access.get_plan_for_kpis(request, pk)
    summaries = kpi_summaries(plan, owner=None if reads_all else request.user)
    return render(
        request,
        "kpis/kpi_list.html",
        {
            "plan": plan,
            "groups": by_key_question(summaries),
            "count": len(summaries),
            "reads_all": reads_all,
            "can_manage": is_pmo(request.user) and not plan.is_closed,
        },
    )


@login_required
def kpi_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The KPI's XmR chart, icons, values and (for its owner and the PMO) the entry form."""
    kpi = access.get_kpi_for_reading(request, pk)
    can_record = access.can_record_value(request.user, kpi) and not kpi.plan.is_closed
    form = None
    if can_record:
        form = ValueForm(request.POST or None)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Only the KPI's owner and the PMO enter its values.")
        if form.is_valid():
            try:
                recorded = services.kpi_value_record(
                    kpi=kpi,
                    date=form.cleaned_data["date"],
                    value=form.cleaned_data["value"],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                value = with_unit(recorded.value.value, kpi.unit)
                day = f"{recorded.value.date:%d/%m/%Y}"
                if recorded.unchanged:
                    messages.info(request, f"{day} already had {value}; nothing changed.")
                elif recorded.replaced:
                    old = with_unit(recorded.replaced.old_value, kpi.unit)
                    messages.success(request, f"Saved {value} for {day}, replacing {old}.")
                else:
                    messages.success(request, f"Saved {value} for {day}.")
                return redirect(kpi)
    values = list(KpiValue.objects.filter(kpi=kpi).select_related("entered_by").order_by("date"))
    chart = kpi_chart(kpi, values)
    summary = KpiSummary(
        kpi, values, chart.spc, variation_icon(chart.spc), assurance_icon(chart.spc)
    )
    rows = [
        {"value": v, "cells": row, "label": with_unit(v.value, kpi.unit)}
        for v, row in zip(values, chart.rows, strict=True)
    ]
    rows.reverse()  # the latest first, where the owner looks after saving
    return render(
        request,
        "kpis/kpi_detail.html",
        {
            "kpi": kpi,
            "plan": kpi.plan,
            "summary": summary,
            "chart": chart,
            "rows": rows,
            "replaced": kpi.replaced_values.select_related("replaced_by", "old_entered_by")[:20],
            "form": form,
            "can_manage": is_pmo(request.user) and not kpi.plan.is_closed,
            "target_label": with_unit(kpi.target, kpi.unit),
        },
    )


@login_required
def kpi_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_access.get_plan_for_pmo(request, pk)
    form = KpiForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            kpi = services.kpi_create(plan=plan, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"KPI “{kpi.name}” added.")
            return redirect(kpi)
    return render(request, "kpis/kpi_form.html", {"plan": plan, "form": form, "kpi": None})


@login_required
def kpi_edit(request: HttpRequest, pk: int) -> HttpResponse:
    kpi = access.get_kpi_for_pmo(request, pk)
    form = KpiForm(request.POST or None, instance=kpi)
    if request.method == "POST" and form.is_valid():
        try:
            services.kpi_update(kpi=kpi, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"KPI “{kpi.name}” saved.")
            return redirect(kpi)
    return render(request, "kpis/kpi_form.html", {"plan": kpi.plan, "form": form, "kpi": kpi})


def _pending_path(token: str):
    # The plan import's folder: the hourly task deletes what is left there unconfirmed.
    return import_previews.pending_dir(import_previews.PLAN_IMPORTS) / token


@login_required
def kpi_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a file of KPI values and see what it would record."""
    plan = plan_access.get_plan_for_pmo(request, pk)
    form = ValuesFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        report = read_import(plan=plan, data=data, filename=upload.name)
        token = ""
        if report.ok:
            token = uuid.uuid4().hex
            _pending_path(token).write_bytes(data)
            request.session[PENDING_KEY] = {"token": token, "plan": plan.pk, "name": upload.name}
        return render(
            request, "kpis/import_preview.html", {"plan": plan, "report": report, "token": token}
        )
    return render(request, "kpis/import_upload.html", {"plan": plan, "form": form})


@login_required
def kpi_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_access.get_plan_for_pmo(request, pk)
    if request.method != "POST":
        return redirect("kpi_import", pk=plan.pk)
    pending = request.session.get(PENDING_KEY) or {}
    token = str(pending.get("token", ""))
    if not token or pending.get("plan") != plan.pk or token != request.POST.get("token"):
        messages.error(
            request,
            "That preview has already been used or has expired; nothing was saved. "
            "Upload the file again to see a fresh preview.",
        )
        return redirect("kpi_import", pk=plan.pk)
    path = _pending_path(token)
    request.session.pop(PENDING_KEY, None)
    if import_previews.is_expired(path):
        path.unlink(missing_ok=True)
        messages.error(request, import_previews.expired_message())
        return redirect("kpi_import", pk=plan.pk)
    report = kpi_values_import(
        plan=plan, data=path.read_bytes(), filename=pending["name"], by=request.user
    )
    path.unlink(missing_ok=True)
    if not report.ok:  # the KPIs changed under the preview: nothing was saved
        return render(
            request, "kpis/import_preview.html", {"plan": plan, "report": report, "token": ""}
        )
    messages.success(request, f"KPI values imported from {pending['name']}: {report.summary()}.")
    return redirect("kpi_list", pk=plan.pk)
