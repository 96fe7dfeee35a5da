"""Sign-off races on the real PostgreSQL, with real transactions on separate connections.

As in tests/actions/test_races.py: one thread holds its transaction open, the other starts,
and the test waits until PostgreSQL reports the second blocked by the first. Nothing sleeps.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from actions.models import Role, Status
from evidence import services
from evidence.models import ClosureRequest, Evidence, SignOff
from tests.evidence.db import signoffs_cleared  # noqa: F401 - a fixture
from tests.factories import ActionFactory, UserFactory
from tests.races import WAIT, Holder, Worker, blocked_behind

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("signoffs_cleared"),
]


@pytest.fixture
def waiting(db):
    lead = UserFactory(username="race-lead", roles=[Role.ACTION_LEAD])
    action = ActionFactory(ref="T3", action_lead=lead)
    note = services.evidence_add(action=action, by=lead, kind="note", note="n", description="d")
    closure = services.closure_request(action=action, by=lead, summary="Done", evidence=[note])
    first = UserFactory(username="reviewer-1", roles=[Role.REVIEWER])
    second = UserFactory(username="reviewer-2", roles=[Role.REVIEWER])
    return action, closure, first, second


def test_two_reviewers_deciding_at_once_make_one_sign_off(race, waiting):
    action, closure, first, second = waiting
    approving = race(Holder(lambda: services.closure_approve(closure=closure, by=first)))
    declining = race(
        Worker(lambda: services.closure_decline(closure=closure, by=second, reason="No"))
    )
    blocked_behind(declining, approving)
    approving.commit()
    declining.join(WAIT)

    assert approving.error is None
    assert isinstance(declining.error, ValidationError)
    assert "already been decided" in str(declining.error)
    assert SignOff.objects.get().decided_by == first
    action.refresh_from_db()
    assert action.status == Status.BLUE


def test_evidence_withdrawn_while_closure_is_requested_is_refused(race, db):
    lead = UserFactory(username="race-lead", roles=[Role.ACTION_LEAD])
    action = ActionFactory(ref="T3", action_lead=lead)
    note = services.evidence_add(action=action, by=lead, kind="note", note="n", description="d")
    withdrawing = race(Holder(lambda: services.evidence_withdraw(evidence=note, by=lead)))
    requesting = race(
        Worker(
            lambda: services.closure_request(action=action, by=lead, summary="s", evidence=[note])
        )
    )
    blocked_behind(requesting, withdrawing)
    withdrawing.commit()
    requesting.join(WAIT)

    assert withdrawing.error is None
    assert isinstance(requesting.error, ValidationError)
    assert not ClosureRequest.objects.exists()


def test_withdrawal_waiting_on_a_closure_request_is_refused(race, db):
    lead = UserFactory(username="race-lead", roles=[Role.ACTION_LEAD])
    action = ActionFactory(ref="T3", action_lead=lead)
    note = services.evidence_add(action=action, by=lead, kind="note", note="n", description="d")
    requesting = race(
        Holder(
            lambda: services.closure_request(action=action, by=lead, summary="s", evidence=[note])
        )
    )
    withdrawing = race(Worker(lambda: services.evidence_withdraw(evidence=note, by=lead)))
    blocked_behind(withdrawing, requesting)
    requesting.commit()
    withdrawing.join(WAIT)

    assert requesting.error is None
    assert isinstance(withdrawing.error, ValidationError)
    assert not Evidence.objects.get().is_withdrawn
    assert list(ClosureRequest.objects.get().evidence.all()) == [note]
