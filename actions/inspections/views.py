"""A new inspection report: ratings and their comparison, the findings import with its
column mapping, and mapping each finding onto the open actions of a plan.

Every view starts with one access helper: the PMO writes; the comparison is also for
exec leads, reviewers and the board.
"""

from __future__ import annotations

import hashlib
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from improvement.forms import INVALID

from .. import access, import_jobs, import_previews
from ..models import Action, Finding, ImportJob, Inspection, Plan
from ..pmo_forms import ActionForm
from . import findings_import, mapping, ratings
from .forms import ColumnMappingForm, CompareForm, FindingsFileForm, RatingsGridForm

PENDING_KEY = "pending_findings_import"


# Ratings ----------------------------------------------------------------------------------


@login_required
def ratings_edit(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = access.get_inspection_for_pmo(request, pk)
    form = RatingsGridForm(request.POST or None, grid=ratings.ratings_grid(inspection))
    if request.method == "POST" and form.is_valid():
        try:
            count = ratings.inspection_ratings_save(inspection=inspection, grid=form.grid())
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, f"Ratings saved: {count} recorded for {inspection}.")
            return redirect("inspection_ratings", inspection.pk)
    status = INVALID if form.is_bound and form.errors else 200
    context = {
        "form": form,
        "inspection": inspection,
        "columns": ratings.RATING_COLUMNS,
    }
    return render(request, "actions/findings/ratings_form.html", context, status=status)


@login_required
def inspections_compare(request: HttpRequest) -> HttpResponse:
    access.require_plan_reader(request)
    # Newest report first; one not yet published (no date) goes last, not first.
    inspections = list(Inspection.objects.order_by(F("published_on").desc(nulls_last=True), "-id"))
    initial = {"after": inspections[0], "before": inspections[1]} if len(inspections) > 1 else {}
    chosen = "before" in request.GET or "after" in request.GET
    form = CompareForm(
        request.GET if chosen else None,
        inspections=inspections,
        initial={name: i.pk for name, i in initial.items()},
    )
    comparison = None
    if chosen and form.is_valid():
        comparison = ratings.inspections_compare(**form.chosen())
    elif not chosen and initial:
        comparison = ratings.inspections_compare(**initial)
    context = {
        "form": form,
        "comparison": comparison,
        "columns": ratings.RATING_COLUMNS,
        "is_pmo": access.is_pmo(request.user),
    }
    status = INVALID if form.is_bound and form.errors else 200
    return render(request, "actions/findings/compare.html", context, status=status)


# Findings import --------------------------------------------------------------------------


def _pending_job(request: HttpRequest, inspection: Inspection, token: str | None = None):
    """The PMO's upload waiting for this inspection, or None if used, expired or foreign."""
    pending = request.session.get(PENDING_KEY) or {}
    if pending.get("inspection") != inspection.pk or (
        token is not None and pending.get("token") != token
    ):
        return None
    return (
        ImportJob.objects.filter(
            token=pending.get("token"), inspection=inspection, uploaded_by=request.user
        )
        .exclude(state__in=[ImportJob.State.IMPORTING, ImportJob.State.IMPORTED])
        .first()
    )


def _expired(request: HttpRequest, inspection: Inspection) -> HttpResponse:
    messages.error(
        request,
        "That upload has already been imported or has expired; nothing was saved. "
        "Upload the file again.",
    )
    return redirect("findings_import", inspection.pk)


@login_required
def findings_import_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """The worker reads the file; its page shows the progress, then the columns."""
    inspection = access.get_inspection_for_pmo(request, pk)
    form = FindingsFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = import_jobs.findings_import_start(
            inspection=inspection, filename=upload.name, data=upload.read(), by=request.user
        )
        request.session[PENDING_KEY] = {"token": job.token.hex, "inspection": inspection.pk}
        return redirect(job)
    status = INVALID if form.is_bound and form.errors else 200
    return render(
        request,
        "actions/findings/import_upload.html",
        {"form": form, "inspection": inspection},
        status=status,
    )


@login_required
def findings_import_columns(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the columns found; the PMO says which holds what; then the preview."""
    inspection = access.get_inspection_for_pmo(request, pk)
    job = _pending_job(request, inspection)
    if job is not None and import_previews.job_expire_if_old(job):
        request.session.pop(PENDING_KEY, None)
        messages.error(request, import_previews.expired_message())
        return redirect("findings_import", inspection.pk)
    if job is None:
        return _expired(request, inspection)
    if job.table is None:  # not read yet, or unreadable: its page says which
        return redirect(job)
    table = findings_import.table_from_json(job.table)
    remembered = findings_import.mapping_remembered(inspection)
    guess = findings_import.mapping_guess(table, remembered)
    form = ColumnMappingForm(
        request.POST or None,
        table=table,
        guess=guess,
        kind_guesses=lambda p: findings_import.KIND_GUESSES.get(p, ""),
    )
    if request.method == "POST" and form.is_valid():
        import_jobs.findings_columns_choose(job=job, mapping=form.mapping(), by=request.user)
        return redirect(job)
    columns = [
        (findings_import.column_label(table, i), table.samples(i))
        for i in range(len(table.headers))
    ]
    status = INVALID if form.is_bound and form.errors else 200
    return render(
        request,
        "actions/findings/import_columns.html",
        {
            "form": form,
            "inspection": inspection,
            "filename": job.filename,
            "table": table,
            "columns": columns,
            "remembered": remembered,
        },
        status=status,
    )


@login_required
@require_POST
def findings_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = access.get_inspection_for_pmo(request, pk)
    token = request.POST.get("token", "")
    job = ImportJob.objects.filter(
        token=token if _is_token(token) else None, inspection=inspection, uploaded_by=request.user
    ).first()
    if job is not None and import_previews.job_expire_if_old(job):
        request.session.pop(PENDING_KEY, None)
        messages.error(request, import_previews.expired_message())
        return redirect("findings_import", inspection.pk)
    if job is None:
        return _expired(request, inspection)
    # A second confirm (a double click) finds the import under way and shows its progress.
    if import_jobs.import_job_confirm(job=job, by=request.user):
        request.session.pop(PENDING_KEY, None)
    return redirect(job)


def _is_token(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


# Mapping findings onto open actions -------------------------------------------------------


def _plan_from(request: HttpRequest) -> Plan | None:
    """The plan the PMO chose, else the newest plan."""
    chosen = request.POST.get("plan") or request.GET.get("plan")
    if chosen:
        return get_object_or_404(Plan, pk=chosen if str(chosen).isdigit() else 0)
    return Plan.objects.order_by("-created_at", "-id").first()


# A page of findings: a 400-finding report on one page took seconds to render.
FINDINGS_PER_PAGE = 50


def _mapping_url(inspection: Inspection, plan: Plan, finding: Finding | None = None) -> str:
    url = f"{reverse('finding_mapping', args=[inspection.pk])}?plan={plan.pk}"
    if finding is None:
        return url
    ordered = sorted(inspection.findings.only("pk", "ref", "kind"), key=mapping.finding_order)
    index = next((i for i, f in enumerate(ordered) if f.pk == finding.pk), 0)
    page = index // FINDINGS_PER_PAGE + 1
    return url + (f"&page={page}" if page > 1 else "") + f"#finding-{finding.pk}"


@login_required
def finding_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """Each finding with the plan's open actions most like it; link or raise in a click.

    The findings of the page, the summary and the counts are rendered once per state of the
    inspection, the plan and the query, and served from the cache until anything they show
    changes (``mapping.mapping_state``); each visitor's CSRF token is put into the cached
    forms on every request.
    """
    inspection = access.get_inspection_for_pmo(request, pk)
    plan = _plan_from(request)
    context: dict = {
        "inspection": inspection,
        "plan": plan,
        "plans": Plan.objects.order_by("-created_at", "-id"),
    }
    if plan is None:
        return render(request, "actions/findings/mapping.html", context)
    show = "unmapped" if request.GET.get("show") == "unmapped" else "all"
    state = mapping.mapping_state(inspection=inspection, plan=plan)
    key = _mapping_body_key(request, state)
    parts = cache.get(key)
    if parts is None:
        parts = _mapping_body(
            inspection=inspection,
            plan=plan,
            show=show,
            page_number=request.GET.get("page", ""),
            state=state,
        )
        if not parts["engine_problem"]:  # without the engine: asked again on the next visit
            cache.set(key, parts, settings.MAPPING_PAGE_CACHE_SECONDS)
    context.update(show=show, body=_with_csrf_token(request, parts["body"]))
    return render(request, "actions/findings/mapping.html", context)


# Stands in for the visitor's CSRF token in the cached forms: never one person's real token.
CSRF_PLACEHOLDER = "csrf-token-of-the-request"
_CSRF_INPUT = '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'


def _with_csrf_token(request: HttpRequest, body: str) -> str:
    """The cached part with this visitor's own CSRF token in each of its forms.

    Only the hidden input ``{% csrf_token %}`` wrote is replaced: a finding's or an action's
    text is escaped, so its quotes can never spell that input."""
    token = get_token(request)
    # Both from our own templates, with autoescaping; the token is letters and digits.
    return mark_safe(  # nosec B308 B703
        body.replace(_CSRF_INPUT.format(CSRF_PLACEHOLDER), _CSRF_INPUT.format(token))
    )


def _mapping_body_key(request: HttpRequest, state: mapping.MappingState) -> str:
    """The cache key of the mapping page's rows: the state of the inspection and the plan
    (``mapping.mapping_state``: both are in it) and the query (which page, what shown)."""
    query = hashlib.blake2b(request.GET.urlencode().encode(), digest_size=12).hexdigest()
    return f"mapping-page:1:{state.fingerprint}:{query}"


def _mapping_body(
    *,
    inspection: Inspection,
    plan: Plan,
    show: str,
    page_number: str,
    state: mapping.MappingState,
) -> dict[str, str]:
    """The page's findings with their suggestions, the summary and the counts, rendered with
    a stand-in CSRF token (``_with_csrf_token``); and why there are no suggestions, if so."""
    rows = mapping.mapping_rows(inspection=inspection, plan=plan)
    matching = [r for r in rows if show != "unmapped" or r.category == mapping.UNMAPPED]
    page = Paginator(matching, FINDINGS_PER_PAGE).get_page(page_number)
    shown = list(page.object_list)
    engine_problem = mapping.suggestions_attach(shown, plan)
    body = render_to_string(
        "actions/findings/_mapping_body.html",
        {
            "inspection": inspection,
            "plan": plan,
            "rows": shown,
            "page": page,
            "page_size": FINDINGS_PER_PAGE,
            "query": urlencode({"plan": plan.pk, "show": show}),
            "show": show,
            "summary": mapping.mapping_summary(rows),
            "open_count": state.open_count,
            "engine_problem": engine_problem,
            "csrf_token": CSRF_PLACEHOLDER,
        },
    )
    return {"body": body, "engine_problem": engine_problem}


def _row_response(
    request: HttpRequest, finding: Finding, plan: Plan, error: str = "", saved: str = ""
) -> HttpResponse:
    """The finding's row again (htmx), with the summary out of band; else back to the page."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif saved:
            messages.success(request, saved)
        return redirect(_mapping_url(finding.inspection, plan, finding))
    rows = mapping.mapping_rows(inspection=finding.inspection, plan=plan)
    row = next(r for r in rows if r.finding.pk == finding.pk)
    problem = mapping.suggestions_attach([row], plan)
    context = {
        "row": row,
        "plan": plan,
        "inspection": finding.inspection,
        "error": error,
        "saved": saved,
        "engine_problem": problem,
        "summary": mapping.mapping_summary(rows),
        "oob": True,
    }
    return render(request, "actions/findings/_finding_row.html", context)


def _action_in_plan(request: HttpRequest, plan: Plan) -> Action | None:
    chosen = request.POST.get("action", "")
    if chosen.isdigit():
        return Action.objects.filter(plan=plan, pk=int(chosen)).first()
    ref = request.POST.get("ref", "").strip()
    return Action.objects.filter(plan=plan, ref__iexact=ref).first() if ref else None


@login_required
@require_POST
def finding_link(request: HttpRequest, pk: int) -> HttpResponse:
    finding = access.get_finding_for_pmo(request, pk)
    plan = _plan_from(request)
    if plan is None:
        return redirect("finding_mapping", finding.inspection_id)
    action = _action_in_plan(request, plan)
    if action is None:
        ref = request.POST.get("ref", "").strip()
        error = (
            f"{plan.name} has no action {ref}." if ref else "Enter the ref. of an action to link."
        )
        return _row_response(request, finding, plan, error=error)
    try:
        mapping.finding_link(finding=finding, action=action, by=request.user)
    except ValidationError as error:
        return _row_response(request, finding, plan, error=" ".join(error.messages))
    return _row_response(
        request, finding, plan, saved=f"Finding {finding.ref} linked to {action.ref}."
    )


@login_required
@require_POST
def finding_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    finding = access.get_finding_for_pmo(request, pk)
    plan = _plan_from(request)
    if plan is None:
        return redirect("finding_mapping", finding.inspection_id)
    action = _action_in_plan(request, plan)
    if action is None:
        return _row_response(request, finding, plan, error="That action is not in this plan.")
    mapping.finding_unlink(finding=finding, action=action, by=request.user)
    return _row_response(
        request, finding, plan, saved=f"Finding {finding.ref} unlinked from {action.ref}."
    )


@login_required
def finding_raise(request: HttpRequest, pk: int) -> HttpResponse:
    """A new action from the finding: the form comes filled in; the PMO checks and saves."""
    finding = access.get_finding_for_pmo(request, pk)
    plan = _plan_from(request)
    if plan is None:
        messages.error(request, "Add a plan first: new actions go into a plan.")
        return redirect("finding_mapping", finding.inspection_id)
    form = ActionForm(
        request.POST or None,
        plan=plan,
        initial=mapping.raise_initial(finding=finding, plan=plan),
    )
    if request.method == "POST" and form.is_valid():
        fields = form.service_kwargs()
        also = fields.pop("findings", [])
        try:
            action = mapping.finding_action_raise(
                finding=finding, plan=plan, by=request.user, findings=also, **fields
            )
        except ValidationError as error:
            for name, errors in getattr(error, "message_dict", {None: error.messages}).items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(
                request, f"Action {action.ref} raised in {plan.name} from finding {finding.ref}."
            )
            return redirect(_mapping_url(finding.inspection, plan, finding))
    status = INVALID if form.is_bound and form.errors else 200
    return render(
        request,
        "actions/findings/raise_action.html",
        {"form": form, "finding": finding, "plan": plan, "inspection": finding.inspection},
        status=status,
    )
