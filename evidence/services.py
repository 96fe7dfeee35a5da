"""Every write about evidence, closure and sign-off: one function each, one transaction.

Each validates before it writes, checks who is asking (views check first; these check
again so no path goes round the rules), and puts the event on the action's history.
Blue is set in one place only, ``closure_approve``, through ``actions.services.action_edit``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from actions import history
from actions import services as action_services
from actions.access import is_pmo
from actions.models import Action, HistoryEntry, Plan, Status

from . import access, files
from .models import (
    AssuranceMeeting,
    ClosureRequest,
    ClosureSettings,
    Evidence,
    PeerInspection,
    Reopening,
    SignOff,
)
from .selectors import closure_settings_for, sign_off_blockers

DESCRIPTION_MESSAGE = "Describe the evidence: what it is and what it shows."
SUMMARY_MESSAGE = "Write a summary of what was done to complete the action."
NO_EVIDENCE_MESSAGE = "Choose at least one item of evidence that proves the action is done."
REASON_MESSAGE = "Give a reason for declining the closure; the action lead will see it."


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _history(
    *,
    action: Action,
    by: User | None,
    kind: str,
    at: dt.datetime,
    note: str = "",
    changes: dict | None = None,
) -> HistoryEntry:
    """An event on the action's record. The action's version is unchanged: not an edit."""
    return HistoryEntry.objects.create(
        action=action,
        actor=by,
        actor_name=history.user_name(by),
        at=at,
        kind=kind,
        version=action.version,
        changes=changes or {},
        note=note,
    )


def _lock_action(action_id: int) -> Action:
    """Every write here that locks takes the action's row first, then the closure's or the
    evidence's: one order everywhere, so two writes on one action queue, never deadlock."""
    action = Action.objects.select_for_update(of=("self",)).select_related("plan").get(pk=action_id)
    action_services.plan_ensure_writable(action.plan)
    return action


def _lock_closure(pk: int) -> ClosureRequest:
    _lock_action(ClosureRequest.objects.values_list("action_id", flat=True).get(pk=pk))
    return (
        ClosureRequest.objects.select_for_update(of=("self",))
        .select_related("action__plan")
        .get(pk=pk)
    )


# Evidence ------------------------------------------------------------------------------


def evidence_add(
    *,
    action: Action,
    by: User,
    kind: str,
    description: str,
    file: UploadedFile | None = None,
    url: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> Evidence:
    """Add a file, a link or a note to ``action``. A refused file is never stored."""
    now = _now(now)
    action_services.plan_ensure_writable(action.plan)
    if not access.can_add_evidence(by, action):
        raise PermissionDenied("Only the action's lead, its exec lead or the PMO can add evidence.")
    description = (description or "").strip()
    errors = _description_errors(description)
    evidence = Evidence(
        action=action, kind=kind, description=description, added_by=by, added_at=now
    )
    if kind == Evidence.Kind.FILE:
        errors.update(_file_attach(evidence, file))
    elif kind == Evidence.Kind.LINK:
        errors.update(_link_attach(evidence, url))
    elif kind == Evidence.Kind.NOTE:
        errors.update(_note_attach(evidence, note))
    else:
        errors["kind"] = ["Choose a file, a link or a note."]
    if errors:
        raise ValidationError(errors)
    _evidence_save(evidence, by=by, at=now)
    return evidence


def _description_errors(description: str) -> dict[str, list[str]]:
    if not description:
        return {"description": [DESCRIPTION_MESSAGE]}
    if len(description) > 500:
        return {"description": ["Keep the description to 500 characters or fewer."]}
    return {}


def _file_attach(evidence: Evidence, file: UploadedFile | None) -> dict[str, list[str]]:
    """Put the upload on ``evidence`` once its checks pass; the errors if not."""
    if file is None:
        return {"file": ["Choose a file to upload."]}
    try:
        checked = files.check_upload(file)
    except ValidationError as error:
        return {"file": error.messages}
    evidence.file = file
    evidence.original_name = (file.name or "").rsplit("/", 1)[-1][:255]
    evidence.content_type = checked.content_type
    evidence.size = checked.size
    return {}


def _link_attach(evidence: Evidence, url: str) -> dict[str, list[str]]:
    url = (url or "").strip()
    evidence.url = url
    try:
        URLValidator(schemes=["http", "https"])(url)
        if len(url) > 2000:
            raise ValidationError("too long")
    except ValidationError:
        return {"url": ["Enter a web address starting with https:// (or http://)."]}
    return {}


def _note_attach(evidence: Evidence, note: str) -> dict[str, list[str]]:
    note = (note or "").strip()
    evidence.note = note
    return {} if note else {"note": ["Write the note."]}


def _evidence_save(evidence: Evidence, *, by: User, at: dt.datetime) -> None:
    """Store the evidence and its history entry; a stored file goes if either fails."""
    try:
        with transaction.atomic():
            evidence.save()  # stores the file under a generated name
            _history(
                action=evidence.action,
                by=by,
                kind=HistoryEntry.Kind.EVIDENCE_ADDED,
                at=at,
                note=(f"{evidence.get_kind_display()}: {evidence.title} — {evidence.description}"),
            )
    except Exception:
        if evidence.file and evidence.file.name:
            evidence.file.storage.delete(evidence.file.name)
        raise


def evidence_withdraw(*, evidence: Evidence, by: User, now: dt.datetime | None = None) -> Evidence:
    """Withdraw evidence its adder no longer wants; kept once it supports a sign-off.

    The record stays (the history names it); a file's content is removed from disk.
    """
    now = _now(now)
    with transaction.atomic():
        _lock_action(evidence.action_id)
        evidence = (
            Evidence.objects.select_for_update(of=("self",))
            .select_related("action")
            .get(pk=evidence.pk)
        )
        if not access.can_withdraw_evidence(by, evidence):
            raise PermissionDenied("Only the person who added this evidence can withdraw it.")
        if evidence.is_withdrawn:
            return evidence
        closures = set(evidence.closure_requests.values_list("state", flat=True))
        if ClosureRequest.State.APPROVED in closures:
            raise ValidationError(
                "This evidence supports a signed-off closure, so it is kept for good."
            )
        if ClosureRequest.State.REQUESTED in closures:
            raise ValidationError(
                "This evidence supports a closure request waiting for a decision. "
                "Withdraw the closure request first."
            )
        evidence.withdrawn_at = now
        evidence.withdrawn_by = by
        evidence.save(update_fields=["withdrawn_at", "withdrawn_by"])
        _history(
            action=evidence.action,
            by=by,
            kind=HistoryEntry.Kind.EVIDENCE_WITHDRAWN,
            at=now,
            note=f"{evidence.get_kind_display()}: {evidence.title} — {evidence.description}",
        )
        if evidence.kind == Evidence.Kind.FILE and evidence.file.name:
            name, storage = evidence.file.name, evidence.file.storage
            transaction.on_commit(lambda: storage.delete(name))
    return evidence


# Closure -------------------------------------------------------------------------------


def closure_request(
    *,
    action: Action,
    by: User,
    summary: str,
    evidence: Iterable[Evidence],
    inspector: User | None = None,
    now: dt.datetime | None = None,
) -> ClosureRequest:
    """The action lead asks for closure, with a summary and the evidence that proves it.

    The action keeps its status ("Closure requested" shows beside it); only an approval
    makes it Blue. Where the plan needs a peer inspection the lead may name the inspector.
    """
    now = _now(now)
    if not access.can_request_closure(by, action):
        raise PermissionDenied("Only the action's lead can ask for it to be closed.")
    summary = (summary or "").strip()
    chosen = list(evidence)
    errors: dict[str, list[str]] = {}
    if not summary:
        errors["summary"] = [SUMMARY_MESSAGE]
    if not chosen:
        errors["evidence"] = [NO_EVIDENCE_MESSAGE]
    if inspector is not None and inspector.pk == by.pk:
        errors["inspector"] = ["The peer inspector must be someone other than you."]
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        action = _lock_action(action.pk)
        if action.status == Status.BLUE:
            raise ValidationError("This action is already complete (Blue).")
        if ClosureRequest.objects.waiting().filter(action=action).exists():
            raise ValidationError("This action already has a closure request waiting.")
        # Locked, so a withdrawal racing this request either lands first (and the item is
        # refused here) or waits and then sees the request (and refuses itself).
        usable = list(
            Evidence.objects.select_for_update()
            .current()
            .filter(action=action, pk__in=[e.pk for e in chosen])
            .order_by("added_at", "id")
        )
        if len(usable) != len({e.pk for e in chosen}):
            raise ValidationError(
                {"evidence": ["Choose evidence added to this action and not withdrawn."]}
            )
        try:
            with transaction.atomic():
                closure = ClosureRequest.objects.create(
                    action=action,
                    summary=summary,
                    requested_by=by,
                    requested_at=now,
                    previous_status=action.status,
                )
        except IntegrityError as error:  # a second request racing this one
            raise ValidationError("This action already has a closure request waiting.") from error
        closure.evidence.set(usable)
        _history(
            action=action,
            by=by,
            kind=HistoryEntry.Kind.CLOSURE_REQUESTED,
            at=now,
            note=summary,
            changes={history.EVIDENCE: history.change([], [e.title for e in usable])},
        )
        if inspector is not None:
            _inspector_name(closure=closure, inspector=inspector, by=by, now=now)
    return closure


def closure_withdraw(
    *, closure: ClosureRequest, by: User, now: dt.datetime | None = None
) -> ClosureRequest:
    """The lead who asked takes the request back before anyone decides it."""
    now = _now(now)
    with transaction.atomic():
        closure = _lock_closure(closure.pk)
        if closure.requested_by_id != by.pk:
            raise PermissionDenied("Only the person who asked for the closure can withdraw it.")
        if not closure.is_waiting:
            raise ValidationError("This closure has already been decided or withdrawn.")
        closure.state = ClosureRequest.State.WITHDRAWN
        closure.withdrawn_at = now
        closure.save(update_fields=["state", "withdrawn_at"])
        _history(action=closure.action, by=by, kind=HistoryEntry.Kind.CLOSURE_WITHDRAWN, at=now)
    return closure


def _inspector_name(
    *,
    closure: ClosureRequest,
    inspector: User,
    by: User,
    now: dt.datetime,
) -> PeerInspection:
    named = PeerInspection.objects.filter(closure=closure).select_related("inspector").first()
    inspection, _ = PeerInspection.objects.update_or_create(
        closure=closure,
        defaults={"inspector": inspector, "named_by": by, "named_at": now},
    )
    _history(
        action=closure.action,
        by=by,
        kind=HistoryEntry.Kind.INSPECTOR_NAMED,
        at=now,
        changes={
            history.PEER_INSPECTOR: history.change(named.inspector if named else None, inspector)
        },
    )
    return inspection


def peer_inspector_name(
    *,
    closure: ClosureRequest,
    inspector: User,
    by: User,
    now: dt.datetime | None = None,
) -> PeerInspection:
    """Name (or change) who will test the change in practice, before they record it."""
    now = _now(now)
    with transaction.atomic():
        closure = _lock_closure(closure.pk)
        if not access.can_name_inspector(by, closure):
            raise PermissionDenied("Only the PMO or the lead who asked can name the inspector.")
        if not closure.is_waiting:
            raise ValidationError("This closure has already been decided or withdrawn.")
        if inspector.pk == closure.requested_by_id:
            raise ValidationError(
                {"inspector": ["The peer inspector must be someone other than the lead."]}
            )
        if closure.inspection is not None and closure.inspection.is_recorded:
            raise ValidationError("The peer inspection is already recorded.")
        return _inspector_name(closure=closure, inspector=inspector, by=by, now=now)


def peer_inspection_record(
    *,
    closure: ClosureRequest,
    by: User,
    passed: bool,
    note: str,
    now: dt.datetime | None = None,
) -> PeerInspection:
    """The named inspector records "tested in practice": passed or failed, with a note."""
    now = _now(now)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ["Write what you found when you tested it in practice."]})
    with transaction.atomic():
        closure = _lock_closure(closure.pk)
        inspection = PeerInspection.objects.select_for_update().filter(closure=closure).first()
        if inspection is None or inspection.inspector_id != by.pk:
            raise PermissionDenied("Only the named peer inspector can record the inspection.")
        if not closure.is_waiting:
            raise ValidationError("This closure has already been decided or withdrawn.")
        if inspection.is_recorded:
            raise ValidationError("The peer inspection is already recorded.")
        inspection.outcome = (
            PeerInspection.Outcome.PASSED if passed else PeerInspection.Outcome.FAILED
        )
        inspection.note = note
        inspection.recorded_at = now
        inspection.save(update_fields=["outcome", "note", "recorded_at"])
        _history(
            action=closure.action,
            by=by,
            kind=HistoryEntry.Kind.PEER_INSPECTION,
            at=now,
            note=f"Tested in practice: {inspection.get_outcome_display().lower()}. {note}",
        )
    return inspection


def _decidable(
    *,
    closure: ClosureRequest,
    by: User,
    meeting: AssuranceMeeting | None,
    now: dt.datetime,
) -> tuple[ClosureRequest, ClosureSettings, AssuranceMeeting | None]:
    """Lock the closure and check it may be decided, by ``by``; find the meeting it joins."""
    closure = _lock_closure(closure.pk)
    settings = closure_settings_for(closure.action.plan)
    if closure.requested_by_id == by.pk:
        raise PermissionDenied("You asked for this closure; someone else must decide it.")
    if not access.may_sign_off(by, closure, settings):
        raise PermissionDenied(
            f"On this plan, closures are signed off by {settings.signers_label}."
        )
    if not closure.is_waiting:
        raise ValidationError("This closure has already been decided or withdrawn.")
    presented_at = closure.meetings.all()
    if meeting is not None:
        if not presented_at.filter(pk=meeting.pk).exists():
            raise ValidationError("This closure was not presented at that meeting.")
    else:
        # A decision after the closure was presented belongs to that meeting.
        meeting = (
            presented_at.filter(held_on__lte=timezone.localdate(now, closure.action.plan.tz))
            .order_by("-held_on", "-id")
            .first()
        )
    return closure, settings, meeting


def closure_approve(
    *,
    closure: ClosureRequest,
    by: User,
    meeting: AssuranceMeeting | None = None,
    now: dt.datetime | None = None,
) -> SignOff:
    """Sign the closure off: the action becomes Blue, with who and when on record."""
    now = _now(now)
    with transaction.atomic():
        closure, settings, meeting = _decidable(closure=closure, by=by, meeting=meeting, now=now)
        blockers = sign_off_blockers(closure, settings)
        if blockers:
            raise ValidationError(blockers)
        sign_off = SignOff.objects.create(
            closure=closure,
            decision=SignOff.Decision.APPROVED,
            decided_by=by,
            decided_at=now,
            meeting=meeting,
        )
        closure.state = ClosureRequest.State.APPROVED
        closure.save(update_fields=["state"])
        action = closure.action
        if action.status == Status.BLUE:  # made Blue another way (an imported plan)
            _history(action=action, by=by, kind=HistoryEntry.Kind.CLOSURE_APPROVED, at=now)
        else:
            action = action_services.action_sign_off_blue(
                action=action, by=by, note=_meeting_note(meeting), now=now
            )
    return sign_off


def closure_decline(
    *,
    closure: ClosureRequest,
    by: User,
    reason: str,
    meeting: AssuranceMeeting | None = None,
    now: dt.datetime | None = None,
) -> SignOff:
    """Decline, with a reason the lead sees. The action keeps the status it had."""
    now = _now(now)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [REASON_MESSAGE]})
    with transaction.atomic():
        closure, _settings, meeting = _decidable(closure=closure, by=by, meeting=meeting, now=now)
        sign_off = SignOff.objects.create(
            closure=closure,
            decision=SignOff.Decision.DECLINED,
            reason=reason,
            decided_by=by,
            decided_at=now,
            meeting=meeting,
        )
        closure.state = ClosureRequest.State.DECLINED
        closure.save(update_fields=["state"])
        # The status never left what it was when closure was asked for (weekly updates
        # may have moved it since, and stand): a decline changes nothing but the record.
        _history(
            action=closure.action,
            by=by,
            kind=HistoryEntry.Kind.CLOSURE_DECLINED,
            at=now,
            note=f"{reason}{_meeting_note(meeting, prefix=' ')}",
        )
    return sign_off


def action_reopen(
    *, action: Action, by: User, reason: str, now: dt.datetime | None = None
) -> Reopening:
    """The PMO or the exec lead re-opens a Blue action; it returns to its pre-closure status."""
    now = _now(now)
    reason = (reason or "").strip()
    if not access.can_reopen(by, action):
        raise PermissionDenied("Only the PMO or the action's exec lead can re-open it.")
    if not reason:
        raise ValidationError({"reason": ["Give a reason for re-opening the action."]})
    with transaction.atomic():
        current = _lock_action(action.pk)
        if current.status != Status.BLUE:
            raise ValidationError("This action is not Blue; there is nothing to re-open.")
        closure = (
            ClosureRequest.objects.filter(action=current, state=ClosureRequest.State.APPROVED)
            .order_by("-requested_at", "-id")
            .first()
        )
        status_after = closure.previous_status if closure else Status.GREEN
        reopening = Reopening.objects.create(
            action=current,
            closure=closure,
            reason=reason,
            status_after=status_after,
            reopened_by=by,
            reopened_at=now,
        )
        action_services.action_reopen_status(
            action=current, by=by, status=status_after, note=reason, now=now
        )
    return reopening


def _meeting_note(meeting: AssuranceMeeting | None, prefix: str = "") -> str:
    return f"{prefix}(at {meeting})" if meeting else ""


# The assurance group -------------------------------------------------------------------


def meeting_record(
    *,
    name: str,
    held_on: dt.date,
    closures: Iterable[ClosureRequest],
    by: User,
    now: dt.datetime | None = None,
) -> AssuranceMeeting:
    """The PMO records a meeting of the group and the closures presented to it."""
    now = _now(now)
    if not access.can_record_meeting(by):
        raise PermissionDenied("Only the PMO records assurance meetings.")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["Enter the meeting's name."]})
    with transaction.atomic():
        meeting = AssuranceMeeting.objects.create(
            name=name, held_on=held_on, recorded_by=by, recorded_at=now
        )
        _present(meeting=meeting, closures=closures, by=by, now=now)
    return meeting


def meeting_present(
    *,
    meeting: AssuranceMeeting,
    closures: Iterable[ClosureRequest],
    by: User,
    now: dt.datetime | None = None,
) -> AssuranceMeeting:
    """Add closures to those presented at ``meeting``."""
    now = _now(now)
    if not access.can_record_meeting(by):
        raise PermissionDenied("Only the PMO records assurance meetings.")
    with transaction.atomic():
        _present(meeting=meeting, closures=closures, by=by, now=now)
    return meeting


def _present(
    *,
    meeting: AssuranceMeeting,
    closures: Iterable[ClosureRequest],
    by: User,
    now: dt.datetime,
) -> None:
    chosen = {c.pk for c in closures}
    already = set(meeting.presented.values_list("pk", flat=True))
    new = list(
        ClosureRequest.objects.waiting()
        .filter(pk__in=chosen - already)
        .select_related("action")
        .order_by("id")
    )
    if len(new) != len(chosen - already):
        raise ValidationError(
            {"closures": ["Choose closures that are still waiting for a decision."]}
        )
    meeting.presented.add(*new)
    for closure in new:
        _history(
            action=closure.action,
            by=by,
            kind=HistoryEntry.Kind.CLOSURE_PRESENTED,
            at=now,
            note=str(meeting),
        )


def closure_settings_save(
    *,
    plan: Plan,
    by: User,
    reviewers_sign_off: bool,
    exec_lead_signs_off: bool,
    pmo_signs_off: bool,
    peer_inspection_required: bool,
) -> ClosureSettings:
    """The PMO chooses who signs off this plan's closures and whether CSPI comes first."""
    if not is_pmo(by):
        raise PermissionDenied("Only the PMO can change who signs off.")
    action_services.plan_ensure_writable(plan)
    if not (reviewers_sign_off or exec_lead_signs_off or pmo_signs_off):
        raise ValidationError("Choose at least one group who may sign off.")
    with transaction.atomic():
        settings, _ = ClosureSettings.objects.update_or_create(
            plan=plan,
            defaults={
                "reviewers_sign_off": reviewers_sign_off,
                "exec_lead_signs_off": exec_lead_signs_off,
                "pmo_signs_off": pmo_signs_off,
                "peer_inspection_required": peer_inspection_required,
            },
        )
    return settings
