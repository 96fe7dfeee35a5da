"""The pages: the list, the report (draft and issued), its PDF, who has updated, the
distribution list and the report settings. Every test also tries someone who must be refused.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from actions.models import Status
from reporting import services
from reporting.models import DistributionEntry, ExceptionReport, Reminder, ReportComment
from tests.factories import ActionFactory, PlanFactory

from .conftest import london, travel, week

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(locked_week):
    return services.report_build(period=locked_week, now=london(2026, 11, 25, 12, 2))


@pytest.fixture
def issued(draft, pmo):
    report, _ = services.report_issue(report=draft, by=pmo, now=london(2026, 11, 26, 9))
    return report


def signed_in(client, user):
    client.force_login(user)
    return client


# The list ----------------------------------------------------------------------------------


def test_the_pmo_sees_drafts_and_issued_reports_in_the_list(client, pmo, draft, plan):
    response = signed_in(client, pmo).get(reverse("exception_report_list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("plan_exception_reports", args=[plan.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Week ending Wed 25 Nov 2026" in page
    assert "Draft" in page
    assert reverse("who_has_updated", args=[plan.pk]) in page


def test_exec_leads_reviewers_and_the_board_see_only_issued_reports(
    client, exec_lead, reviewer, board, draft, plan, pmo
):
    url = reverse("plan_exception_reports", args=[plan.pk])
    for reader in (exec_lead, reviewer, board):
        page = signed_in(client, reader).get(url).content.decode()
        assert "Week ending Wed 25 Nov 2026" not in page, reader
    services.report_issue(report=draft, by=pmo)
    for reader in (exec_lead, reviewer, board):
        page = signed_in(client, reader).get(url).content.decode()
        assert "Week ending Wed 25 Nov 2026" in page, reader
        assert reverse("who_has_updated", args=[plan.pk]) not in page


def test_action_leads_and_strangers_are_refused_the_reports(client, lead, issued, plan):
    for url in [
        reverse("exception_report_list"),
        reverse("plan_exception_reports", args=[plan.pk]),
        reverse("exception_report", args=[issued.pk]),
        reverse("exception_report_pdf", args=[issued.pk]),
    ]:
        assert signed_in(client, lead).get(url).status_code == 403, url
        client.logout()
        assert client.get(url).status_code == 302, url


def test_the_list_of_every_plans_reports_reads_a_fixed_number_of_queries(
    client, pmo, issued, lead, django_assert_num_queries
):
    """Report rows select their period, plan and issuer at once: no query per report."""
    other = PlanFactory(cycle_starts_on=dt.date(2026, 11, 19))
    ActionFactory(plan=other, action_lead=lead)
    with travel(london(2026, 11, 25, 12, 5)):
        services.reports_sweep()
    assert ExceptionReport.objects.count() >= 3
    signed_in(client, pmo)
    client.get(reverse("exception_report_list"))  # warm the session and roles
    # user, roles, the header's menu, plans (twice), reports; session cached
    with django_assert_num_queries(6):
        response = client.get(reverse("exception_report_list"))
    assert response.status_code == 200


def test_the_nav_links_to_exception_reports_for_readers_only(client, exec_lead, lead, issued):
    page = signed_in(client, exec_lead).get(reverse("exception_report", args=[issued.pk]))
    assert b">Exception reports</a>" in page.content
    page = signed_in(client, lead).get(reverse("my_actions"))
    assert b">Exception reports</a>" not in page.content


# The report --------------------------------------------------------------------------------


def test_the_pmo_reads_the_draft_with_its_tools_and_an_exec_lead_is_refused(
    client, pmo, exec_lead, draft
):
    url = reverse("exception_report", args=[draft.pk])
    page = signed_in(client, pmo).get(url).content.decode()
    assert "Exception report: week ending Wed 25 Nov 2026" in page
    assert "Issue report" in page
    assert "Commentary for the report" in page
    assert 'Add a comment<span class="nhsuk-u-visually-hidden"> on T1</span>' in page
    assert "issued automatically" in page
    assert signed_in(client, exec_lead).get(url).status_code == 403


def test_an_exec_lead_reads_the_issued_report_with_their_actions_first(client, exec_lead, issued):
    page = signed_in(client, exec_lead).get(reverse("exception_report", args=[issued.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "DoN · Director of Nursing · Helen Carter — your actions" in html
    assert "Issue report" not in html and "Add a comment" not in html
    assert "Recruitment delayed; recovery plan due next week." in html


def test_the_pmo_saves_commentary_on_a_draft_but_not_an_exec_lead(client, pmo, exec_lead, draft):
    url = reverse("exception_report_commentary", args=[draft.pk])
    assert signed_in(client, exec_lead).post(url, {"commentary": "x"}).status_code == 403
    response = signed_in(client, pmo).post(url, {"commentary": "Two Reds; IPAG on Friday."})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.commentary == "Two Reds; IPAG on Friday."


def test_the_pmo_comments_on_an_action_in_place_with_htmx(client, pmo, exec_lead, draft):
    t1 = next(a for a in draft.content["actions"] if a["ref"] == "T1")
    url = reverse("exception_report_comment", args=[draft.pk, t1["id"]])
    assert signed_in(client, exec_lead).get(url, **HTMX).status_code == 403
    form = signed_in(client, pmo).get(url, **HTMX)
    assert b'<label class="nhsuk-label" for="id_text">Comment on T1</label>' in form.content
    saved = client.post(url, {"text": "Escalated to IPAG"}, **HTMX)
    assert saved.status_code == 200
    assert b"Escalated to IPAG" in saved.content and b"Comment saved" in saved.content
    assert ReportComment.objects.get().text == "Escalated to IPAG"
    page = client.get(reverse("exception_report", args=[draft.pk])).content.decode()
    assert "PMO comment:</strong> Escalated to IPAG" in page


def test_without_javascript_the_comment_form_is_a_page_that_returns_to_the_report(
    client, pmo, draft
):
    t1 = next(a for a in draft.content["actions"] if a["ref"] == "T1")
    url = reverse("exception_report_comment", args=[draft.pk, t1["id"]])
    page = signed_in(client, pmo).get(url)
    assert b"<h1>Comment on T1</h1>" in page.content
    response = client.post(url, {"text": "Recovery plan due"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("exception_report", args=[draft.pk]))


def test_an_action_not_in_the_report_has_no_comment_form(client, pmo, draft, lead):
    other = ActionFactory(action_lead=lead)
    url = reverse("exception_report_comment", args=[draft.pk, other.pk])
    assert signed_in(client, pmo).get(url).status_code == 404


def test_the_pmo_issues_the_report_and_it_is_emailed(
    client, pmo, exec_lead, draft, distribution, django_capture_on_commit_callbacks
):
    url = reverse("exception_report_issue", args=[draft.pk])
    assert signed_in(client, exec_lead).post(url).status_code == 403
    signed_in(client, pmo)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert b"It is being emailed to 2 people on the distribution list." in response.content
    draft.refresh_from_db()
    assert draft.is_issued and draft.issued_by == pmo
    assert len(mail.outbox) == 2
    again = client.post(url, follow=True)
    assert b"had already been issued" in again.content


def test_an_issued_report_cannot_be_commented_on(client, pmo, issued):
    t1 = next(a for a in issued.content["actions"] if a["ref"] == "T1")
    url = reverse("exception_report_comment", args=[issued.pk, t1["id"]])
    assert signed_in(client, pmo).post(url, {"text": "Late"}).status_code == 403
    assert not ReportComment.objects.exists()


def test_a_correction_needs_a_reason_and_leaves_the_issued_version_readable(
    client, pmo, exec_lead, issued
):
    url = reverse("exception_report_correct", args=[issued.pk])
    assert signed_in(client, exec_lead).get(url).status_code == 403
    signed_in(client, pmo)
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 422
    assert b"Give the reason for the correction." in refused.content
    response = client.post(url, {"reason": "T1 commentary was wrong"})
    correction = ExceptionReport.objects.get(version=2)
    assert response["Location"] == correction.get_absolute_url()
    old = client.get(issued.get_absolute_url()).content.decode()
    assert "Version 2</a>: draft — correction: T1 commentary was wrong" in old


def test_the_pdf_downloads_for_readers(client, exec_lead, issued):
    response = signed_in(client, exec_lead).get(reverse("exception_report_pdf", args=[issued.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="exception-report-2026-11-25.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")


def test_the_pmo_builds_the_draft_now_after_an_early_lock(client, pmo, exec_lead, plan, lead):
    ActionFactory(plan=plan, action_lead=lead)
    url = reverse("exception_report_build", args=[plan.pk])
    with travel(london(2026, 11, 10, 10)):
        assert signed_in(client, exec_lead).post(url).status_code == 403
        response = signed_in(client, pmo).post(url, follow=True)
        assert b"No period has locked yet" in response.content
    with travel(london(2026, 11, 11, 12, 1)):
        response = signed_in(client, pmo).post(url)
    report = ExceptionReport.objects.get()
    assert response["Location"] == report.get_absolute_url()


# Who has updated ------------------------------------------------------------------------------


@pytest.fixture
def open_week(plan, lead, other_lead):
    """Mon 23 Nov: lead has updated one of two actions; other_lead none of one."""
    a1 = ActionFactory(plan=plan, ref="A1", action_lead=lead)
    ActionFactory(plan=plan, ref="A2", action_lead=lead)
    ActionFactory(plan=plan, ref="B1", action_lead=other_lead)
    ActionFactory(plan=plan, ref="B2", action_lead=other_lead, status=Status.BLUE)
    period = week(plan, dt.date(2026, 11, 25))
    from .conftest import submit

    submit(a1, period)
    return period


def test_the_pmo_sees_who_has_and_has_not_updated_this_period(
    client, pmo, exec_lead, plan, open_week
):
    url = reverse("who_has_updated", args=[plan.pk])
    with travel(london(2026, 11, 23, 15)):
        assert signed_in(client, exec_lead).get(url).status_code == 403
        page = signed_in(client, pmo).get(url).content.decode()
    assert "Week ending Wed 25 Nov 2026" in page
    assert "1 of 3 open actions with a lead have an update so far." in page
    assert "Not updated yet (2 leads)" in page
    assert "Send a nudge to the missing leads" in page


def test_who_has_updated_reads_a_fixed_number_of_queries(
    client, pmo, plan, open_week, lead, django_assert_max_num_queries
):
    """Leads, their actions and reminders are read in bulk: no query per lead or action."""
    from tests.factories import UserFactory

    for n in range(10):
        ActionFactory(plan=plan, ref=f"X{n}", action_lead=UserFactory())
    url = reverse("who_has_updated", args=[plan.pk])
    with travel(london(2026, 11, 23, 15)):
        signed_in(client, pmo).get(url)
        with django_assert_max_num_queries(9):
            assert client.get(url).status_code == 200


def test_the_pmo_nudges_the_missing_leads_and_is_told_how_many(
    client, pmo, exec_lead, plan, open_week
):
    url = reverse("who_has_updated_nudge", args=[plan.pk])
    with travel(london(2026, 11, 23, 15)):
        assert signed_in(client, exec_lead).post(url).status_code == 403
        response = signed_in(client, pmo).post(url, follow=True)
        assert b"Nudge sent to 2 leads." in response.content
        again = client.post(url, follow=True)
    assert b"Not nudged again (nudged in the last half hour)" in again.content
    assert len(mail.outbox) == 2
    assert Reminder.objects.filter(kind=Reminder.Kind.NUDGE, sent_by=pmo).count() == 2
    assert b"Nudge from the PMO" in again.content


# Distribution list and settings --------------------------------------------------------------


def test_the_pmo_adds_and_removes_people_on_the_distribution_list(client, pmo, exec_lead, plan):
    url = reverse("distribution_list", args=[plan.pk])
    assert signed_in(client, exec_lead).get(url).status_code == 403
    signed_in(client, pmo)
    response = client.post(
        url, {"name": "Sam Jones", "email": "Sam.Jones@trust.nhs.uk", "role": "Operational lead"}
    )
    assert response.status_code == 302
    entry = DistributionEntry.objects.get()
    assert entry.email == "sam.jones@trust.nhs.uk"
    duplicate = client.post(url, {"name": "Sam", "email": "sam.jones@trust.nhs.uk"})
    assert duplicate.status_code == 422
    assert b"is already on the distribution list" in duplicate.content
    remove = reverse("distribution_entry_remove", args=[entry.pk])
    assert signed_in(client, exec_lead).post(remove).status_code == 403
    signed_in(client, pmo).post(remove)
    assert not DistributionEntry.objects.exists()


def test_the_distribution_list_suggests_the_exec_leads_and_adds_them(
    client, pmo, exec_lead, plan, lead, don
):
    action = ActionFactory(plan=plan, action_lead=lead)
    action.exec_roles.set([don])
    page = signed_in(client, pmo).get(reverse("distribution_list", args=[plan.pk]))
    assert b"Helen Carter (DoN), helen.carter@trust.example.nhs.uk" in page.content
    client.post(reverse("distribution_exec_leads_add", args=[plan.pk]))
    entry = DistributionEntry.objects.get()
    assert (entry.name, entry.role) == ("Helen Carter", "Executive lead (DoN)")


def test_the_pmo_changes_the_issue_time_and_reminders(client, pmo, exec_lead, plan):
    url = reverse("report_settings", args=[plan.pk])
    assert signed_in(client, exec_lead).get(url).status_code == 403
    page = signed_in(client, pmo).get(url).content.decode()
    assert 'value="09:00"' in page
    data = {
        "issue_weekday": "3",
        "issue_time": "10:30",
        "oversight_group": "IPAG",
        "slots-TOTAL_FORMS": "3",
        "slots-INITIAL_FORMS": "2",
        "slots-MIN_NUM_FORMS": "0",
        "slots-MAX_NUM_FORMS": "1000",
        "slots-0-weekday": "1",
        "slots-0-time": "09:00",
        "slots-1-weekday": "2",
        "slots-1-time": "09:00",
        "slots-1-DELETE": "on",
        "slots-2-weekday": "0",
        "slots-2-time": "16:00",
    }
    response = client.post(url, data, follow=True)
    assert b"Reports are issued by Thursday 10:30; reminders: Monday 16:00, Tuesday 09:00" in (
        response.content
    )
    bad = client.post(url, {**data, "issue_time": "half ten"})
    assert bad.status_code == 422
    assert b"Issue time must be a time on the 24-hour clock" in bad.content
