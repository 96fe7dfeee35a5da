"""The risk register and notice pages: who may see and change them, and what they show."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programme import notices, risks
from programme.models import Alignment, NoticeCondition, NoticeKind, Risk, RiskKind
from tests.factories import ActionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def risk(plan):
    return risks.risk_create(
        plan=plan, kind=RiskKind.BAF, reference="BAF 3", title="Quality of care", score=16
    )


@pytest.fixture
def notice(plan):
    notice = notices.notice_create(plan=plan, kind=NoticeKind.SECTION_31, reference="Maternity")
    condition = notices.condition_create(notice=notice, text="CTG training for all midwives")
    notices.condition_links_set(condition=condition, actions=[ActionFactory(plan=plan, ref="M1")])
    return notice


def _reading_urls(plan, risk, notice):
    return [
        reverse("risk_list", args=[plan.pk]),
        reverse("risk", args=[risk.pk]),
        reverse("notice_list", args=[plan.pk]),
        reverse("notice", args=[notice.pk]),
        reverse("conditions_report", args=[plan.pk]),
    ]


def _pmo_urls(plan, risk, notice):
    condition = notice.conditions.get()
    return [
        reverse("risk_create", args=[plan.pk]),
        reverse("risk_edit", args=[risk.pk]),
        reverse("risk_links", args=[risk.pk]),
        reverse("risk_import", args=[plan.pk]),
        reverse("notice_create", args=[plan.pk]),
        reverse("notice_edit", args=[notice.pk]),
        reverse("condition_create", args=[notice.pk]),
        reverse("condition_edit", args=[condition.pk]),
    ]


def test_plan_readers_see_risks_notices_and_the_conditions_report(
    client, plan, risk, notice, readers
):
    for user in readers.values():
        client.force_login(user)
        for url in _reading_urls(plan, risk, notice):
            response = client.get(url)
            assert response.status_code == 200, (user, url)
        page = client.get(reverse("conditions_report", args=[plan.pk])).content.decode()
        assert "CTG training for all midwives" in page and "M1" in page


def test_only_the_pmo_sees_the_change_links_and_pages(client, plan, risk, notice, readers):
    for name, user in readers.items():
        client.force_login(user)
        listing = client.get(reverse("risk_list", args=[plan.pk])).content.decode()
        assert ("Add a risk" in listing) == (name == "pmo")
        for url in _pmo_urls(plan, risk, notice):
            assert client.get(url).status_code == (200 if name == "pmo" else 403), (name, url)


def test_an_action_lead_is_refused_every_page(client, plan, risk, notice, lead):
    client.force_login(lead)

    for url in _reading_urls(plan, risk, notice) + _pmo_urls(plan, risk, notice):
        assert client.get(url).status_code == 403, url
    assert client.get(reverse("conditions_report_pdf", args=[plan.pk])).status_code == 403
    response = client.post(
        reverse("risk_create", args=[plan.pk]), {"title": "x", "kind": "register"}
    )
    assert response.status_code == 403
    assert Risk.objects.count() == 1


def test_anonymous_users_go_to_sign_in(client, plan, risk, notice):
    for url in _reading_urls(plan, risk, notice) + _pmo_urls(plan, risk, notice):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_register_shows_the_score_band_and_the_alignment_breakdown(client, plan, risk, pmo):
    risks.risk_create(
        plan=plan, title="Not on it", theme="EoLC", alignment=Alignment.NOT_ON_REGISTER
    )
    risks.risk_create(
        plan=plan,
        reference="R1",
        title="Needs words",
        theme="EoLC",
        alignment=Alignment.NEEDS_UPDATE,
    )
    client.force_login(pmo)

    page = client.get(reverse("risk_list", args=[plan.pk])).content.decode()

    assert "16 Extreme" in page
    assert "Risks identified once themed" in page
    baf_only = client.get(reverse("risk_list", args=[plan.pk]) + "?kind=baf").content.decode()
    assert "Quality of care" in baf_only and "Needs words" not in baf_only


def test_the_pmo_adds_a_risk_and_links_it_by_ref(client, plan, pmo):
    action = ActionFactory(plan=plan, ref="T3")
    client.force_login(pmo)

    response = client.post(
        reverse("risk_create", args=[plan.pk]),
        {"kind": "register", "reference": "R77", "title": "Staffing", "likelihood": "3",
         "consequence": "4", "status": "open", "alignment": ""},
    )  # fmt: skip

    risk = Risk.objects.get(reference="R77")
    assert response.status_code == 302 and risk.score == 12
    response = client.post(
        reverse("risk_links", args=[risk.pk]), {"actions": "t3", "findings": "", "root_causes": ""}
    )
    assert response.status_code == 302
    assert list(risk.actions.all()) == [action]
    refused = client.post(reverse("risk_links", args=[risk.pk]), {"actions": "T3, Z9"})
    assert refused.status_code == 422
    assert "No action with the ref Z9" in refused.content.decode()
    assert list(risk.actions.all()) == [action]


def test_the_pmo_imports_risks_and_sees_row_errors(client, plan, pmo):
    client.force_login(pmo)
    bad = SimpleUploadedFile("risks.csv", b"Title,Likelihood\nOne,9\n", content_type="text/csv")

    response = client.post(reverse("risk_import", args=[plan.pk]), {"file": bad})

    assert response.status_code == 422
    assert "Row 2:" in response.content.decode()
    assert not Risk.objects.exists()
    good = SimpleUploadedFile("risks.csv", b"Title,Kind\nOne,BAF\n", content_type="text/csv")
    response = client.post(reverse("risk_import", args=[plan.pk]), {"file": good})
    assert response.status_code == 302
    assert Risk.objects.get().kind == RiskKind.BAF


def test_the_pmo_records_a_notice_and_a_condition_linked_to_actions(client, plan, pmo):
    ActionFactory(plan=plan, ref="M2")
    client.force_login(pmo)

    response = client.post(
        reverse("notice_create", args=[plan.pk]),
        {"kind": "section_29a", "reference": "Medicine", "deadline": "2026-12-31"},
    )
    assert response.status_code == 302
    notice = plan.notices.get()
    response = client.post(
        reverse("condition_create", args=[notice.pk]),
        {"text": "Deteriorating patient", "status": "open"},
    )
    assert response.status_code == 302
    condition = NoticeCondition.objects.get()
    response = client.post(
        reverse("condition_edit", args=[condition.pk]),
        {
            "number": "1",
            "text": "Deteriorating patient",
            "status": "open",
            "actions": "M2",
            "findings": "",
        },
    )
    assert response.status_code == 302
    assert [a.ref for a in condition.actions.all()] == ["M2"]


def test_the_conditions_report_downloads_as_a_pdf(client, plan, notice, readers):
    client.force_login(readers["board"])

    response = client.get(reverse("conditions_report_pdf", args=[plan.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "conditions-report-2026-11-23.pdf" in response["Content-Disposition"]


def test_a_closed_plan_refuses_changes(client, plan, risk, pmo):
    from django.utils import timezone

    plan.closed_at = timezone.now()
    plan.save()
    client.force_login(pmo)

    response = client.post(
        reverse("risk_edit", args=[risk.pk]),
        {"kind": "baf", "reference": "BAF 3", "title": "Changed", "status": "open", "score": "16"},
    )

    assert response.status_code == 422
    risk.refresh_from_db()
    assert risk.title == "Quality of care"


def test_the_action_page_lists_its_risks_and_notice_conditions_for_plan_readers(
    client, plan, risk, notice, readers, lead
):
    action = notice.conditions.get().actions.get()
    risks.risk_links_set(risk=risk, actions=[action])
    action.action_lead = lead
    action.save()
    client.force_login(readers["exec"])

    page = client.get(reverse("action", args=[action.pk])).content.decode()

    assert "BAF 3: Quality of care" in page
    assert "Section 31 conditions Maternity condition 1" in page
    client.force_login(lead)  # the lead sees the action, not the risk register
    page = client.get(reverse("action", args=[action.pk])).content.decode()
    assert "BAF 3" not in page


def test_the_register_and_conditions_report_take_the_same_queries_however_many_rows(
    client, plan, readers, django_assert_num_queries
):
    """The risks come with their owners and link counts in one query, the alignment table
    in one more; the conditions report reads notices, conditions, actions (their latest
    update as subqueries), exec roles and findings once each. Not one query per row."""
    client.force_login(readers["board"])
    register = reverse("risk_list", args=[plan.pk])
    report = reverse("conditions_report", args=[plan.pk])

    def add(n, start=0):
        for i in range(start, start + n):
            risk = risks.risk_create(
                plan=plan, title=f"Risk {i}", theme="T", alignment="needs_update"
            )
            risks.risk_links_set(risk=risk, actions=[ActionFactory(plan=plan)])
            notice = notices.notice_create(plan=plan, kind=NoticeKind.SECTION_31, reference=f"N{i}")
            condition = notices.condition_create(notice=notice, text="x")
            notices.condition_links_set(condition=condition, actions=[ActionFactory(plan=plan)])

    add(1)
    client.get(register)  # warm the session and the user's roles
    with django_assert_num_queries(REGISTER_QUERIES):
        client.get(register)
    with django_assert_num_queries(REPORT_QUERIES):
        client.get(report)
    add(10, start=1)
    with django_assert_num_queries(REGISTER_QUERIES):
        client.get(register)
    with django_assert_num_queries(REPORT_QUERIES):
        client.get(report)


REGISTER_QUERIES = 6
REPORT_QUERIES = 9


def test_changing_likelihood_on_the_form_works_the_score_out_again(client, plan, pmo):
    risk = risks.risk_create(plan=plan, title="Staffing", likelihood=3, consequence=4)
    client.force_login(pmo)

    response = client.post(
        reverse("risk_edit", args=[risk.pk]),
        {"kind": "register", "title": "Staffing", "likelihood": "4", "consequence": "4",
         "score": "12", "status": "open"},
    )  # fmt: skip

    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.score == 16
