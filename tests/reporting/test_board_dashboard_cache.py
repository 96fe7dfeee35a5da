"""The board dashboard's figures are built once per state of the plan: a change shows at
once, an unchanged plan is read from the cache, and its "as at" is always now."""

from __future__ import annotations

import pytest
from django.urls import reverse

from actions.models import Status
from reporting.board import services
from tests.factories import ActionFactory

from .conftest import london, submit, travel, week

pytestmark = pytest.mark.django_db


def dashboard(client, plan):
    return client.get(reverse("board_dashboard", args=[plan.pk]))


def test_an_update_saved_shows_on_the_next_view(client, pmo, plan, lead):
    action = ActionFactory(plan=plan, action_lead=lead, status=Status.GREEN, ref="G1")
    client.force_login(pmo)
    with travel(london(2026, 11, 16, 11)):
        first = dashboard(client, plan)
        assert first.context["r"]["totals"]["actions"] == 1
        submit(action, week(plan, london(2026, 11, 18).date()), status=Status.RED, narrative="Late")
        again = dashboard(client, plan)
    assert [row["ref"] for row in again.context["r"]["off_track"]] == ["G1"]


def test_an_unchanged_plan_is_not_built_again_but_its_as_at_moves(
    client, pmo, plan, lead, monkeypatch
):
    ActionFactory(plan=plan, action_lead=lead)
    client.force_login(pmo)
    with travel(london(2026, 11, 16, 11)):
        dashboard(client, plan)
    builds = []
    real = services.board_report_document
    monkeypatch.setattr(
        services, "board_report_document", lambda **kw: builds.append(kw) or real(**kw)
    )
    with travel(london(2026, 11, 16, 11, 3)):
        later = dashboard(client, plan)
    assert builds == []
    assert "16 November 2026 11:03" in later.context["r"]["as_at"]


def test_a_new_action_moves_the_fingerprint(plan, lead):
    before = services.dashboard_fingerprint(plan=plan)
    assert services.dashboard_fingerprint(plan=plan) == before
    ActionFactory(plan=plan, action_lead=lead)
    assert services.dashboard_fingerprint(plan=plan) != before
