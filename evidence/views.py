"""Pages for evidence, closure, peer inspection, sign-off and the assurance group.

Each view starts with one helper from ``evidence.access`` (object or 404/403), validates
a form, makes one service call, and redirects or renders.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation, ValidationError
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.views.decorators.http import require_POST

from actions.access import is_pmo
from actions.models import Plan, Status
from improvement.forms import INVALID, add_errors

from . import access, selectors, services
from .forms import (
    EVIDENCE_FORMS,
    ApproveForm,
    ClosureSettingsForm,
    DeclineForm,
    FileEvidenceForm,
    InspectionForm,
    InspectorForm,
    MeetingForm,
    PresentForm,
    ReopenForm,
    WithdrawForm,
    closure_request_form,
)
from .models import AssuranceMeeting, ClosureRequest, Evidence


def action_page_context(*, user, action) -> dict:
    """The evidence and closure section of the action's page (``actions.hooks``)."""
    panel = selectors.action_panel(user=user, action=action)
    return {
        "panel": panel,
        "evidence_form": FileEvidenceForm() if panel.can_add_evidence else None,
        "closure_form": closure_request_form(action) if panel.can_request_closure else None,
    }


def _posted(request: HttpRequest):
    """The POST data for a form on a POST (even an empty one), else None: unbound."""
    return request.POST if request.method == "POST" else None


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


# Evidence ------------------------------------------------------------------------------


@login_required
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a file (the default), a link or a note to an action."""
    action = access.get_action_for_evidence(request, pk)
    kind = request.POST.get("kind") or request.GET.get("kind") or Evidence.Kind.FILE
    form_class = EVIDENCE_FORMS.get(kind)
    if form_class is None:
        raise Http404("No such kind of evidence.")
    form = form_class(_posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            evidence = services.evidence_add(
                action=action, by=request.user, **form.service_kwargs()
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Evidence added to {action.ref}: {evidence.title}.")
            return redirect(reverse("action", args=[action.pk]) + "#evidence")
    return render(
        request,
        "evidence/evidence_add.html",
        {"action": action, "form": form, "kind": kind, "kinds": Evidence.Kind},
        status=INVALID if form.is_bound and form.errors else 200,
    )


@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file as an attachment, under its original name made safe; never shown inline."""
    evidence = access.get_evidence_for_download(request, pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The file is missing from the evidence store.") from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=_safe_name(evidence),
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def _safe_name(evidence: Evidence) -> str:
    try:
        return get_valid_filename(evidence.original_name)
    except SuspiciousFileOperation:
        return f"evidence-{evidence.pk}"


@login_required
def evidence_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: confirm. POST: withdraw."""
    evidence = access.get_evidence_for_withdrawal(request, pk)
    form = WithdrawForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.evidence_withdraw(evidence=evidence, by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Evidence withdrawn: {evidence.title}.")
            return redirect(reverse("action", args=[evidence.action_id]) + "#evidence")
    return render(
        request,
        "evidence/evidence_withdraw.html",
        {"evidence": evidence, "action": evidence.action, "form": form},
        status=INVALID if form.errors else 200,
    )


# Closure -------------------------------------------------------------------------------


@login_required
def closure_request(request: HttpRequest, pk: int) -> HttpResponse:
    action = access.get_action_for_closure_request(request, pk)
    form = closure_request_form(action, _posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.closure_request(
                action=action,
                by=request.user,
                summary=form.cleaned_data["summary"],
                evidence=form.cleaned_data["evidence"],
                inspector=form.cleaned_data.get("inspector"),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"Closure requested on {action.ref}. It stays {action.get_status_display()} "
                "until someone signs it off.",
            )
            return redirect(action)
    return render(
        request,
        "evidence/closure_request.html",
        {"action": action, "form": form},
        status=INVALID if form.is_bound and form.errors else 200,
    )


def _closure_page(request: HttpRequest, closure: ClosureRequest, status: int = 200, **forms):
    settings = selectors.closure_settings_for(closure.action.plan)
    user = request.user
    can_decide = closure.is_waiting and access.may_sign_off(user, closure, settings)
    context = {
        "closure": closure,
        "action": closure.action,
        "settings": settings,
        "evidence": closure.evidence.order_by("added_at", "id"),
        "inspection": closure.inspection,
        "blockers": selectors.sign_off_blockers(closure, settings) if closure.is_waiting else [],
        "latest_update": selectors.latest_update(closure.action),
        "can_decide": can_decide,
        "cannot_decide": selectors.why_cannot_sign_off(
            user, closure, settings, selectors.signers_by_role()
        )
        if closure.is_waiting and not can_decide
        else "",
        "can_withdraw": closure.is_waiting and closure.requested_by_id == user.pk,
        "can_name_inspector": closure.is_waiting
        and access.can_name_inspector(user, closure)
        and not (closure.inspection and closure.inspection.is_recorded),
        "can_record_inspection": closure.is_waiting
        and access.can_record_inspection(user, closure)
        and not closure.inspection.is_recorded,
        "approve_form": forms.get("approve_form") or ApproveForm(),
        "decline_form": forms.get("decline_form") or DeclineForm(),
        "inspector_form": forms.get("inspector_form") or InspectorForm(closure=closure),
        "inspection_form": forms.get("inspection_form") or InspectionForm(),
        "problem": forms.get("problem", ""),
    }
    return render(request, "evidence/closure_detail.html", context, status=status)


@login_required
def closure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    closure = access.get_closure_for_view(request, pk)
    return _closure_page(request, closure)


@login_required
@require_POST
def closure_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    closure = access.get_closure_for_view(request, pk)
    try:
        services.closure_withdraw(closure=closure, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Closure request on {closure.action.ref} withdrawn.")
    return redirect(closure.action)


def _meeting_from(form: Form) -> AssuranceMeeting | None:
    meeting_id = form.cleaned_data.get("meeting")
    return get_object_or_404(AssuranceMeeting, pk=meeting_id) if meeting_id else None


@login_required
@require_POST
def closure_approve(request: HttpRequest, pk: int) -> HttpResponse:
    closure = access.get_closure_for_decision(request, pk)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            services.closure_approve(closure=closure, by=request.user, meeting=_meeting_from(form))
        except ValidationError as error:
            mine = selectors.approved_by(closure, request.user)
            if mine is None:
                problem = " ".join(error.messages)
                return _closure_page(request, closure, status=INVALID, problem=problem)
            # A second click on Approve (or a resent form): the first one signed it off.
            messages.info(
                request,
                f"{closure.action.ref} is already signed off: you approved it at "
                f"{timezone.localtime(mine.decided_at, closure.action.plan.tz):%H:%M}.",
            )
            return redirect(form.next_url(request, reverse("review_queue")))
        messages.success(request, f"{closure.action.ref} signed off: it is now Blue.")
        return redirect(form.next_url(request, reverse("review_queue")))
    return _closure_page(request, closure, status=INVALID, approve_form=form)


@login_required
@require_POST
def closure_decline(request: HttpRequest, pk: int) -> HttpResponse:
    closure = access.get_closure_for_decision(request, pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.closure_decline(
                closure=closure,
                by=request.user,
                reason=form.cleaned_data["reason"],
                meeting=_meeting_from(form),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"Closure of {closure.action.ref} declined. The action lead will see your "
                "reason on “My actions”.",
            )
            return redirect(form.next_url(request, reverse("review_queue")))
    return _closure_page(request, closure, status=INVALID, decline_form=form)


@login_required
@require_POST
def peer_inspector(request: HttpRequest, pk: int) -> HttpResponse:
    closure = access.get_closure_for_view(request, pk)
    if not access.can_name_inspector(request.user, closure):
        raise PermissionDenied("Only the PMO or the lead who asked can name the inspector.")
    form = InspectorForm(request.POST, closure=closure)
    if form.is_valid():
        try:
            services.peer_inspector_name(
                closure=closure, inspector=form.cleaned_data["inspector"], by=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, f"Peer inspector named: {_name(form.cleaned_data['inspector'])}."
            )
            return redirect(closure)
    return _closure_page(request, closure, status=INVALID, inspector_form=form)


@login_required
@require_POST
def peer_inspection(request: HttpRequest, pk: int) -> HttpResponse:
    closure = access.get_closure_for_view(request, pk)
    if not access.can_record_inspection(request.user, closure):
        raise PermissionDenied("Only the named peer inspector can record the inspection.")
    form = InspectionForm(request.POST)
    if form.is_valid():
        try:
            services.peer_inspection_record(
                closure=closure,
                by=request.user,
                passed=form.cleaned_data["outcome"] == "passed",
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Peer inspection recorded.")
            return redirect(closure)
    return _closure_page(request, closure, status=INVALID, inspection_form=form)


@login_required
def action_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    action = access.get_action_for_reopening(request, pk)
    form = ReopenForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            reopening = services.action_reopen(
                action=action, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"{action.ref} re-opened: it is {Status(reopening.status_after).label} again.",
            )
            return redirect(action)
    return render(
        request,
        "evidence/reopen.html",
        {"action": action, "form": form},
        status=INVALID if form.is_bound and form.errors else 200,
    )


# The assurance group -------------------------------------------------------------------


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Every closure waiting for a decision, oldest first, with its evidence one click away."""
    access.require_review_queue(request)
    queue = selectors.review_queue(request.user)
    return render(
        request,
        "evidence/review_queue.html",
        {
            "items": queue.items,
            "queue": queue,
            "plans": Plan.objects.order_by("name") if is_pmo(request.user) else [],
            "next": request.get_full_path(),
        },
    )


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    access.require_meetings(request)
    return render(
        request,
        "evidence/meeting_list.html",
        {
            "meetings": selectors.meetings_list(),
            "can_record": access.can_record_meeting(request.user),
        },
    )


@login_required
def meeting_create(request: HttpRequest) -> HttpResponse:
    access.require_meeting_recorder(request)
    waiting = ClosureRequest.objects.waiting().for_listing().order_by("requested_at", "id")
    form = MeetingForm(_posted(request), closures=waiting)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_record(
                name=form.cleaned_data["name"],
                held_on=form.cleaned_data["held_on"],
                closures=form.cleaned_data["closures"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Meeting recorded: {meeting}.")
            return redirect(meeting)
    return render(
        request,
        "evidence/meeting_form.html",
        {"form": form},
        status=INVALID if form.is_bound and form.errors else 200,
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting's table (seed 003) and each closure presented with its decision."""
    meeting = access.get_meeting_for_view(request, pk)
    return _meeting_page(request, meeting)


def _meeting_page(request, meeting, present_form=None, status=200) -> HttpResponse:
    presented = list(
        meeting.presented.for_listing()
        .prefetch_related("action__exec_roles")
        .select_related("peer_inspection__inspector")
        .order_by("action__department", "action__ref", "id")
    )
    settings = selectors.settings_by_plan(c.action.plan_id for c in presented)
    rows = [
        {
            "closure": c,
            "can_decide": c.is_waiting
            and access.may_sign_off(request.user, c, settings[c.action.plan_id]),
            "blockers": selectors.sign_off_blockers(c, settings[c.action.plan_id])
            if c.is_waiting
            else [],
        }
        for c in presented
    ]
    can_record = access.can_record_meeting(request.user)
    if can_record and present_form is None:
        present_form = PresentForm(
            closures=ClosureRequest.objects.waiting()
            .exclude(meetings=meeting)
            .for_listing()
            .order_by("requested_at", "id")
        )
    return render(
        request,
        "evidence/meeting_detail.html",
        {
            "meeting": meeting,
            "table": selectors.meeting_outcomes(meeting),
            "rows": rows,
            "present_form": present_form if can_record else None,
            "next": request.get_full_path(),
        },
        status=status,
    )


@login_required
@require_POST
def meeting_present(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.get_meeting_for_view(request, pk)
    access.require_meeting_recorder(request)
    form = PresentForm(
        request.POST,
        closures=ClosureRequest.objects.waiting().exclude(meetings=meeting).for_listing(),
    )
    if form.is_valid():
        try:
            services.meeting_present(
                meeting=meeting, closures=form.cleaned_data["closures"], by=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Closures added to the meeting.")
            return redirect(meeting)
    return _meeting_page(request, meeting, present_form=form, status=INVALID)


@login_required
def closure_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """The PMO: who signs off this plan's closures, and whether a peer inspection comes first."""
    plan = access.get_plan_for_closure_settings(request, pk)
    current = selectors.closure_settings_for(plan)
    initial = {
        "signers": [
            name
            for name, on in (
                ("reviewers", current.reviewers_sign_off),
                ("exec_lead", current.exec_lead_signs_off),
                ("pmo", current.pmo_signs_off),
            )
            if on
        ],
        "peer_inspection_required": current.peer_inspection_required,
    }
    form = ClosureSettingsForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.closure_settings_save(
                plan=plan, by=request.user, **form.service_kwargs()
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"Sign-off settings saved: closures are signed off by {saved.signers_label}.",
            )
            return redirect("review_queue")
    return render(
        request,
        "evidence/closure_settings.html",
        {"plan": plan, "form": form},
        status=INVALID if form.is_bound and form.errors else 200,
    )
