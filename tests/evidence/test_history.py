"""Every evidence and closure event is on the action's history, and on its page."""

import datetime as dt

from django.urls import reverse

from actions.models import HistoryEntry
from evidence import services
from tests.factories import UserFactory

from . import samples
from .conftest import upload


def test_every_event_appears_in_the_history(
    client, peer_inspection_plan, action, lead, reviewer, pmo, exec_lead
):
    inspector = UserFactory(username="inspector")
    first = services.evidence_add(
        action=action, by=lead, kind="file", file=upload("a.pdf", samples.PDF), description="A"
    )
    second = services.evidence_add(
        action=action, by=lead, kind="note", note="Seen", description="Visit"
    )
    services.evidence_withdraw(evidence=second, by=lead)
    withdrawn = services.closure_request(action=action, by=lead, summary="One", evidence=[first])
    services.closure_withdraw(closure=withdrawn, by=lead)
    closure = services.closure_request(action=action, by=lead, summary="Two", evidence=[first])
    services.meeting_record(
        name="Evidence Assurance Group", held_on=dt.date(2026, 9, 6), closures=[closure], by=pmo
    )
    services.peer_inspector_name(closure=closure, inspector=inspector, by=pmo)
    services.peer_inspection_record(closure=closure, by=inspector, passed=False, note="Not yet")
    services.closure_decline(closure=closure, by=reviewer, reason="CSPI failed")
    again = services.closure_request(
        action=action, by=lead, summary="Three", evidence=[first], inspector=inspector
    )
    services.peer_inspection_record(closure=again, by=inspector, passed=True, note="Embedded")
    services.closure_approve(closure=again, by=reviewer)
    services.action_reopen(action=action, by=exec_lead, reason="Audit found gaps")

    kinds = list(action.history.order_by("at", "id").values_list("kind", flat=True))
    K = HistoryEntry.Kind
    assert kinds == [
        K.EVIDENCE_ADDED,
        K.EVIDENCE_ADDED,
        K.EVIDENCE_WITHDRAWN,
        K.CLOSURE_REQUESTED,
        K.CLOSURE_WITHDRAWN,
        K.CLOSURE_REQUESTED,
        K.CLOSURE_PRESENTED,
        K.INSPECTOR_NAMED,
        K.PEER_INSPECTION,
        K.CLOSURE_DECLINED,
        K.CLOSURE_REQUESTED,
        K.INSPECTOR_NAMED,
        K.PEER_INSPECTION,
        K.CLOSURE_APPROVED,
        K.REOPENED,
    ]
    approved = action.history.get(kind=K.CLOSURE_APPROVED)
    assert approved.actor == reviewer and approved.changes == {"status": ["G", "B"]}
    reopened = action.history.get(kind=K.REOPENED)
    assert reopened.note == "Audit found gaps" and reopened.changes == {"status": ["B", "G"]}
    assert action.history.get(kind=K.CLOSURE_DECLINED).note.startswith("CSPI failed")
    named = action.history.filter(kind=K.INSPECTOR_NAMED).order_by("at", "id").first()
    inspector_now = {"id": inspector.pk, "name": inspector.get_full_name()}
    assert named.changes == {"peer_inspector": [None, inspector_now]}

    client.force_login(lead)
    page = client.get(reverse("action", args=[action.pk])).content.decode()
    for kind in set(kinds):
        assert K(kind).label in page, K(kind).label
