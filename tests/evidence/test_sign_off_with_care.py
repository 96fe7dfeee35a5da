"""Sign-off with care: the closure card shows the latest update and the evidence, approval
asks "I have reviewed the evidence", a double click signs once, and whoever may not decide a
closure is told who can."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from actions import services as action_services
from actions.models import Role, Status
from evidence import services
from evidence.models import ClosureSettings, SignOff
from tests.factories import UserFactory

MONDAY_9AM = dt.datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/London"))


def test_approve_without_ticking_reviewed_is_refused_and_says_what_to_do(
    client, action, closure, reviewer
):
    client.force_login(reviewer)

    response = client.post(
        reverse("closure_approve", args=[closure.pk]), {"next": reverse("review_queue")}
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert "There is a problem" in page
    assert "Tick “I have reviewed the evidence” to approve" in page
    assert f'href="#reviewed-{closure.pk}"' in page
    assert not SignOff.objects.exists()
    action.refresh_from_db()
    assert action.status == Status.GREEN


def test_approve_with_reviewed_ticked_signs_off(client, action, closure, reviewer):
    client.force_login(reviewer)

    response = client.post(reverse("closure_approve", args=[closure.pk]), {"reviewed": "on"})

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == Status.BLUE


def test_a_double_click_on_approve_signs_off_once_and_says_so(client, action, closure, reviewer):
    client.force_login(reviewer)
    url = reverse("closure_approve", args=[closure.pk])
    data = {"reviewed": "on", "next": reverse("review_queue")}

    first = client.post(url, data)
    second = client.post(url, data, follow=True)

    assert first.status_code == 302
    assert second.status_code == 200
    assert "T3 is already signed off: you approved it at" in second.content.decode()
    assert SignOff.objects.count() == 1


def test_a_second_reviewer_approving_a_decided_closure_is_told_it_was_decided(
    client, action, closure, reviewer
):
    other = UserFactory(username="reviewer2", roles=[Role.REVIEWER])
    services.closure_approve(closure=closure, by=other)
    client.force_login(reviewer)

    response = client.post(reverse("closure_approve", args=[closure.pk]), {"reviewed": "on"})

    assert response.status_code == 422
    assert "already been decided" in response.content.decode()
    assert SignOff.objects.get().decided_by == other


def test_decline_still_needs_a_reason_with_its_error_linked_to_the_box(client, closure, reviewer):
    client.force_login(reviewer)

    response = client.post(reverse("closure_decline", args=[closure.pk]), {"reason": " "})

    page = response.content.decode()
    assert response.status_code == 422
    assert f'href="#reason-{closure.pk}"' in page
    assert "Give a reason for declining the closure" in page
    assert not SignOff.objects.exists()


def test_approve_and_decline_are_separate_with_the_checkbox_before_approve(
    client, closure, reviewer
):
    client.force_login(reviewer)

    page = client.get(reverse("review_queue")).content.decode()

    checkbox = page.index(f'id="reviewed-{closure.pk}"')
    approve = page.index(">Approve<")
    reason = page.index(f'id="reason-{closure.pk}"')
    assert checkbox < approve < reason
    assert "Or decline: T3 stays open" in page
    assert 'data-prevent-double-click="true"' in page


@time_machine.travel(MONDAY_9AM, tick=False)
def test_the_closure_card_shows_the_latest_update_and_the_evidence(
    client, plan, action, lead, reviewer, pdf_evidence
):
    period = action_services.period_current_row(plan=plan)
    action_services.update_submit(
        action=action, period=period, author=lead, status="G", narrative="Audit passed at 98%"
    )
    closure = services.closure_request(
        action=action, by=lead, summary="Done", evidence=[pdf_evidence]
    )
    client.force_login(reviewer)

    for url in (reverse("review_queue"), reverse("closure", args=[closure.pk])):
        page = client.get(url).content.decode()
        assert "Latest update" in page
        assert "Audit passed at 98%" in page
        assert "Week ending Wed 25 Nov 2026, saved 23 November 2026 09:00" in page
        assert "Evidence (1)" in page and "Training register.pdf" in page


def test_an_action_with_no_update_says_so_on_the_card(client, closure, reviewer):
    client.force_login(reviewer)

    assert "No weekly update yet" in client.get(reverse("review_queue")).content.decode()


def test_someone_who_cannot_decide_is_told_who_can_by_role_and_name(
    client, closure, reviewer, other_exec
):
    """An exec lead of another action reads who may sign this one off: the reviewers by
    name and T3's exec lead, DWOD, held by "exec"."""
    reviewer.first_name, reviewer.last_name = "David", "Hughes"
    reviewer.save()
    holder = closure.action.exec_roles.get().holder
    holder.first_name, holder.last_name = "Jane", "Smith"
    holder.save()
    client.force_login(other_exec)

    queue = client.get(reverse("review_queue")).content.decode()
    detail = client.get(reverse("closure", args=[closure.pk])).content.decode()
    refused = client.post(reverse("closure_approve", args=[closure.pk]), {"reviewed": "on"})

    expected = (
        "Only assurance reviewers (David Hughes) or T3&#x27;s exec lead (DWOD: Jane Smith) "
        "can sign this off."
    )
    assert expected in queue
    assert expected in detail
    assert ">Approve<" not in queue
    assert refused.status_code == 403
    assert not SignOff.objects.exists()


def test_the_pmo_is_named_when_the_plan_lets_the_pmo_sign_off(client, plan, closure, lead):
    ClosureSettings.objects.create(
        plan=plan, reviewers_sign_off=False, exec_lead_signs_off=False, pmo_signs_off=True
    )
    UserFactory(username="pmo1", first_name="Pat", last_name="Jones", roles=[Role.PMO])
    lead.groups.add(Group.objects.get(name=Role.REVIEWER))
    client.force_login(lead)

    page = client.get(reverse("review_queue")).content.decode()

    assert (
        "You cannot sign this off: you asked for this closure, so someone else must decide "
        "it. On this plan the PMO (Pat Jones) can sign it off." in page
    )
