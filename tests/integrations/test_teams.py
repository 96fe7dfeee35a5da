"""A plan's Teams channel: Adaptive Cards for the issued exception report, an early lock and
a closure waiting, sent to a Workflows address, retried when Teams refuses them.

Teams is outside our control: a small HTTP server on 127.0.0.1 stands in for Workflows
and records what it was sent."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from actions import services as plan_services
from actions.models import Role, Status
from evidence.models import ClosureRequest
from integrations import services, teams
from integrations.models import TeamsPost, TeamsWebhook
from reporting import services as reporting_services
from tests.factories import ActionFactory, PlanFactory, UserFactory
from tests.reporting.conftest import london, submit, travel, week

LOCAL = override_settings(
    TEAMS_WEBHOOK_HOSTS=["127.0.0.1"],
    TEAMS_WEBHOOK_ALLOW_HTTP=True,
    SITE_URL="https://improvement.example-trust.nhs.uk",
)


class FakeWorkflows:
    """Answers each POST with the next status in ``answers`` (then 202), keeping the body."""

    def __init__(self):
        self.received: list[dict] = []
        self.answers: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append(json.loads(body))
                status = outer.answers.pop(0) if outer.answers else 202
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"Flow is throttled" if status >= 400 else b"")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/workflows/abc123/triggers/manual"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def cards(self) -> list[dict]:
        return [r["attachments"][0]["content"] for r in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def workflows():
    fake = FakeWorkflows()
    with LOCAL:
        yield fake
    fake.close()


@pytest.fixture
def channel(db, workflows):
    plan = PlanFactory(name="CQC improvement plan 2026", cycle_starts_on=dt.date(2026, 11, 19))
    pmo = UserFactory(username="pmo", roles=[Role.PMO], first_name="Pat", last_name="Morgan")
    with travel(london(2026, 11, 23, 9)):
        webhook = services.teams_webhook_save(plan=plan, by=pmo, url=workflows.url)
    return plan, pmo, webhook


def texts(card: dict) -> str:
    return json.dumps(card)


def test_an_early_lock_is_posted_once_as_an_adaptive_card(channel, workflows):
    plan, pmo, _ = channel
    week(plan, dt.date(2026, 11, 25))
    with travel(london(2026, 11, 24, 15)):
        plan_services.plan_lock_now(plan=plan, by=pmo, reason="Board meets early")
        run = services.teams_send()
    assert (run.queued, run.sent, run.failed) == (1, 1, 0)
    (message,) = workflows.received
    assert message["type"] == "message"
    attachment = message["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["body"][0]["text"] == "CQC improvement plan 2026 locked early"
    facts = {f["title"]: f["value"] for f in card["body"][2]["facts"]}
    assert facts["Reason"] == "Board meets early"
    assert facts["Locked"] == "Tue 24 Nov 2026 15:00 by Pat Morgan"
    assert card["actions"][0]["url"].startswith("https://improvement.example-trust.nhs.uk/")
    with travel(london(2026, 11, 24, 15, 5)):
        assert services.teams_send().queued == 0, "one card per event, however often it runs"
    assert len(workflows.received) == 1


def test_an_issued_exception_report_is_posted_with_its_counts(channel, workflows):
    plan, pmo, _ = channel
    lead = UserFactory(username="lead", roles=[Role.ACTION_LEAD])
    t1 = ActionFactory(plan=plan, ref="T1", action_lead=lead, status=Status.GREEN)
    ActionFactory(plan=plan, ref="T2", action_lead=lead, status=Status.GREEN)
    period = week(plan, dt.date(2026, 11, 25))
    submit(t1, period, Status.RED, "Recruitment delayed")
    with travel(london(2026, 11, 25, 12, 1)):
        plan_services.plan_lock_due(plan=plan)
        report = reporting_services.report_build(period=period)
    with travel(london(2026, 11, 25, 16)):
        reporting_services.report_issue(report=report, by=pmo)
        services.teams_send()
    (card,) = workflows.cards()
    assert card["body"][0]["text"] == "Exception report issued: Week ending Wed 25 Nov 2026"
    facts = {f["title"]: f["value"] for f in card["body"][2]["facts"]}
    assert facts["Updates received"] == "1 of 2"
    assert facts["Red"] == "1" and facts["Amber"] == "0"
    assert facts["Issued"] == "Wed 25 Nov 2026 16:00 by Pat Morgan"
    assert card["actions"][0]["url"].endswith(report.get_absolute_url())


def test_a_closure_waiting_is_posted_and_what_people_typed_stays_text(channel, workflows):
    plan, _, _ = channel
    lead = UserFactory(username="lead", roles=[Role.ACTION_LEAD], first_name="Lee")
    action = ActionFactory(plan=plan, ref="T3", action_lead=lead, theme="Training")
    with travel(london(2026, 11, 24, 10)):
        ClosureRequest.objects.create(
            action=action,
            summary="Done. [Click here](http://evil.example/) **now**\n- and this",
            requested_by=lead,
            requested_at=london(2026, 11, 24, 10),
            previous_status=Status.GREEN,
        )
        services.teams_send()
    (card,) = workflows.cards()
    assert card["body"][0]["text"] == "Closure waiting for a decision: T3"
    body = card["body"][3]["text"]
    assert body == r"Done. \[Click here\]\(http://evil.example/\) \*\*now\*\* - and this"
    assert "](http" not in texts(card)


def test_events_before_the_channel_was_set_are_not_posted(db, workflows):
    plan = PlanFactory(cycle_starts_on=dt.date(2026, 11, 19))
    pmo = UserFactory(username="pmo", roles=[Role.PMO])
    week(plan, dt.date(2026, 11, 25))
    with travel(london(2026, 11, 24, 15)):
        plan_services.plan_lock_now(plan=plan, by=pmo, reason="Before Teams")
    with travel(london(2026, 11, 24, 16)):
        services.teams_webhook_save(plan=plan, by=pmo, url=workflows.url)
        assert services.teams_send().queued == 0
    assert workflows.received == []


def test_a_refused_card_is_kept_tried_again_later_and_shown_to_the_pmo(channel, workflows, client):
    plan, pmo, webhook = channel
    workflows.answers = [429, 500]
    services.teams_test_card(webhook=webhook, by=pmo, now=london(2026, 11, 24, 9))
    with travel(london(2026, 11, 24, 9)):
        assert services.teams_send().failed == 1
    post = TeamsPost.objects.get()
    assert (post.state, post.attempts) == ("failed", 1)
    assert post.error == "Teams answered 429: Flow is throttled"
    with travel(london(2026, 11, 24, 9, 2)):
        assert services.teams_send().sent == 0, "not before five minutes"
    with travel(london(2026, 11, 24, 9, 6)):
        assert services.teams_send().failed == 1
    with travel(london(2026, 11, 24, 9, 17)):
        assert services.teams_send().sent == 1
    post.refresh_from_db()
    assert (post.state, post.attempts, post.error) == ("sent", 3, "")
    assert len(workflows.received) == 3


def test_the_automation_page_shows_failing_teams_cards(channel, workflows, client):
    plan, pmo, webhook = channel
    workflows.answers = [500]
    with travel(london(2026, 11, 24, 9)):
        services.teams_test_card(webhook=webhook, by=pmo)
        services.teams_send()
        client.force_login(pmo)
        page = client.get("/automation/").content.decode()
    assert "Teams cards" in page
    assert "Teams answered 500" in page


def test_only_teams_workflows_addresses_over_https_are_accepted(db):
    for url in (
        "https://prod-12.westeurope.logic.azure.com/workflows/x/triggers/manual",
        "https://default123.ab.environment.api.powerplatform.com/powerautomate/x",
    ):
        teams.check_webhook_url(url)
    for url in (
        "http://prod-12.westeurope.logic.azure.com/workflows/x",
        "https://169.254.169.254/latest/meta-data",
        "https://logic.azure.com.evil.example/x",
        "https://user:pw@prod-12.westeurope.logic.azure.com/x",
        "https://intranet.trust.nhs.uk/x",
    ):
        with pytest.raises(ValidationError):
            teams.check_webhook_url(url)


def test_the_pmo_sets_the_channel_and_others_are_refused(db, client):
    plan = PlanFactory()
    lead = UserFactory(username="lead", roles=[Role.ACTION_LEAD])
    board = UserFactory(username="board", roles=[Role.BOARD])
    pmo = UserFactory(username="pmo", roles=[Role.PMO])
    for user in (lead, board):
        client.force_login(user)
        assert client.get(f"/plans/{plan.pk}/teams/").status_code == 403
        assert client.post(f"/plans/{plan.pk}/teams/", {"url": "https://x"}).status_code == 403
    client.force_login(pmo)
    bad = client.post(f"/plans/{plan.pk}/teams/", {"url": "https://intranet.trust.nhs.uk/x"})
    assert bad.status_code == 422
    assert "That is not a Teams Workflows address" in bad.content.decode()
    assert not TeamsWebhook.objects.exists()
    url = "https://prod-12.westeurope.logic.azure.com/workflows/abcdefgh123456/triggers/manual"
    response = client.post(
        f"/plans/{plan.pk}/teams/", {"url": url, "post_issued_reports": "on"}, follow=True
    )
    page = response.content.decode()
    assert "What happens from now on is posted to Teams" in page
    webhook = TeamsWebhook.objects.get(plan=plan)
    assert (webhook.post_issued_reports, webhook.post_early_locks) == (True, False)
    assert "abcdefgh123456/triggers" not in page, "the secret address is shown only in part"
    client.post(f"/plans/{plan.pk}/teams/", {"remove": "1"})
    assert not TeamsWebhook.objects.exists()
