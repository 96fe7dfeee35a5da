"""Evidence and closure on pages the actions app renders: the action's page, "My actions"."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.forms import Form

from actions.models import Action, Status
from evidence import access, selectors
from evidence.forms import FileEvidenceForm, closure_request_form
from evidence.models import ClosureRequest

register = template.Library()


@dataclass
class ActionPanel:
    """The evidence and closure section of one action's page, for one user."""

    state: selectors.ActionClosureState
    can_add_evidence: bool
    can_request_closure: bool
    can_reopen: bool
    withdrawable_ids: set[int]
    file_form: Form | None
    closure_form: Form | None


@register.simple_tag(takes_context=True)
def action_panel(context, action: Action) -> ActionPanel:
    """``{% action_panel action as panel %}``: what the user sees and may do (4-5 queries)."""
    user = context["request"].user
    state = selectors.action_closure_state(action)
    waiting = state.waiting
    locked_ids = state.kept_ids | ({e.pk for e in waiting.evidence.all()} if waiting else set())
    can_add = access.can_add_evidence(user, action)
    can_request = (
        access.can_request_closure(user, action)
        and action.status != Status.BLUE
        and waiting is None
        and bool(state.evidence)
    )
    return ActionPanel(
        state=state,
        can_add_evidence=can_add,
        can_request_closure=can_request,
        can_reopen=action.status == Status.BLUE and access.can_reopen(user, action),
        withdrawable_ids={
            e.pk
            for e in state.evidence
            if access.can_withdraw_evidence(user, e) and e.pk not in locked_ids
        },
        file_form=FileEvidenceForm() if can_add else None,
        closure_form=closure_request_form(action) if can_request else None,
    )


@register.filter
def latest_closure(action: Action) -> ClosureRequest | None:
    """The action's newest closure request: from the "My actions" prefetch when present."""
    closures = getattr(action, "recent_closures", None)
    if closures is None:
        closures = list(
            ClosureRequest.objects.filter(action=action)
            .select_related("sign_off__decided_by")
            .order_by("-requested_at", "-id")[:1]
        )
    return closures[0] if closures else None


@register.filter
def contains(collection, item) -> bool:
    return item in collection
