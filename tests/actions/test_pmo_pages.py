"""The PMO's pages: inspections, findings, plans, actions and reassigning action leads."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from actions import services
from actions.models import (
    Action,
    Finding,
    FindingKind,
    HistoryEntry,
    Inspection,
    KeyQuestion,
    Plan,
    Status,
)
from tests.factories import (
    ActionFactory,
    ExecRoleFactory,
    InspectionFactory,
    PlanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# Data ----------------------------------------------------------------------------------


@pytest.fixture
def exec_lead(db):
    return UserFactory(username="exec", roles=["Executive lead"])


@pytest.fixture
def other_pmo(db):
    return UserFactory(username="pmo2", roles=["PMO"], first_name="Priya", last_name="Shah")


@pytest.fixture
def inspection(db):
    return InspectionFactory()


@pytest.fixture
def finding(inspection):
    return Finding.objects.create(
        inspection=inspection, ref="M1", kind=FindingKind.MUST, text="Staff must be trained."
    )


def finding_data(**overrides) -> dict:
    data = {
        "ref": "M2",
        "kind": FindingKind.MUST,
        "core_service": "Maternity",
        "key_question": KeyQuestion.SAFE,
        "regulation": "",
        "text": "The trust must ensure fetal monitoring is reviewed.",
    }
    return {**data, **overrides}


def inspection_data(**overrides) -> dict:
    data = {
        "provider": "Example NHS Foundation Trust",
        "kind": Inspection.Kind.COMPREHENSIVE,
        "visit_start": "05/02/2019",
        "visit_end": "07/02/2019",
        "published_on": "16/04/2019",
        "summary": "Requires improvement overall.",
    }
    return {**data, **overrides}


def plan_data(**overrides) -> dict:
    data = {
        "name": "CQC improvement plan 2026/27",
        "trust": "Example NHS Foundation Trust",
        "inspection": "",
        "cadence": Plan.Cadence.WEEKLY,
        "deadline_weekday": Plan.Weekday.WEDNESDAY,
        "deadline_time": "12:00",
        "month_week": Plan.MonthWeek.LAST,
        "time_zone": "Europe/London",
        "cycle_starts_on": "05/01/2026",
    }
    return {**data, **overrides}


def action_data(action: Action | None = None, **overrides) -> dict:
    """What the action form posts: the action's current values, changed by ``overrides``."""
    if action is None:
        data = {
            "ref": "G11",
            "theme": "Governance",
            "department": "Trust wide",
            "kind": FindingKind.MUST,
            "requirement": "Review the risk register monthly at the quality committee.",
            "action_lead": "",
            "start_date": "01/02/2026",
            "end_date": "30/06/2026",
            "status": Status.WHITE,
        }
    else:
        data = {
            "ref": action.ref,
            "theme": action.theme,
            "department": action.department,
            "kind": action.kind,
            "requirement": action.requirement,
            "action_lead": action.action_lead_id or "",
            "exec_roles": [r.pk for r in action.exec_roles.all()],
            "findings": [f.pk for f in action.findings.all()],
            "start_date": action.start_date.strftime("%d/%m/%Y") if action.start_date else "",
            "end_date": action.end_date.strftime("%d/%m/%Y") if action.end_date else "",
            "status": action.status,
            "version": action.version,
        }
    return {**data, **overrides}


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def pmo_urls(plan, action, inspection, finding) -> list[str]:
    return [
        reverse("inspection_list"),
        reverse("inspection_create"),
        reverse("inspection_edit", args=[inspection.pk]),
        reverse("finding_list", args=[inspection.pk]),
        reverse("finding_create", args=[inspection.pk]),
        reverse("finding_edit", args=[finding.pk]),
        reverse("plan_create"),
        reverse("plan_settings", args=[plan.pk]),
        reverse("action_create", args=[plan.pk]),
        reverse("action_edit", args=[action.pk]),
        reverse("plan_reassign_leads", args=[plan.pk]),
    ]


class FormAudit(HTMLParser):
    """Collects a page's visible form controls, its labels, h1s and back links."""

    def __init__(self):
        super().__init__()
        self.controls: list[str] = []
        self.labelled: set[str] = set()
        self.h1s = 0
        self.back_links = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in {"input", "select", "textarea"} and a.get("type") != "hidden":
            self.controls.append(a.get("id") or f"<{tag} name={a.get('name')} without id>")
        elif tag == "label" and a.get("for"):
            self.labelled.add(a["for"])
        elif tag == "h1":
            self.h1s += 1
        elif tag == "a" and "nhsuk-back-link" in (a.get("class") or ""):
            self.back_links += 1


# Who may use the pages -----------------------------------------------------------------


@pytest.mark.parametrize("role", ["lead", "board", "exec_lead"])
def test_non_pmo_gets_403_on_every_pmo_page(
    client, request, role, plan, action, inspection, finding
):
    client.force_login(request.getfixturevalue(role))
    for url in pmo_urls(plan, action, inspection, finding):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"ref": "X1", "from_lead": "none"}).status_code == 403, url
    assert Action.objects.get(pk=action.pk).version == action.version
    assert list(Finding.objects.values_list("ref", flat=True)) == ["M1"]


def test_anonymous_is_redirected_to_sign_in_on_every_pmo_page(
    client, plan, action, inspection, finding
):
    for url in pmo_urls(plan, action, inspection, finding):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_every_pmo_page_has_one_h1_a_back_link_and_every_field_labelled(
    client, pmo, plan, action, inspection, finding
):
    plan.inspection = inspection
    plan.save()
    client.force_login(pmo)
    urls = pmo_urls(plan, action, inspection, finding)
    urls.append(
        reverse("plan_reassign_leads", args=[plan.pk]) + f"?from_lead={action.action_lead_id}"
    )
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        audit = FormAudit()
        audit.feed(response.content.decode())
        assert audit.h1s == 1, url
        assert audit.back_links == 1, url
        unlabelled = [c for c in audit.controls if c not in audit.labelled]
        assert unlabelled == [], url


def test_pmo_sees_the_links_to_the_pmo_pages_and_others_do_not(client, pmo, board, plan, action):
    PlanFactory()  # two plans, so the board also sees the list rather than a redirect
    client.force_login(pmo)
    plan_page = client.get(reverse("plan", args=[plan.pk])).content.decode()
    assert reverse("inspection_list") in plan_page  # the "Inspections" navigation link
    assert reverse("action_create", args=[plan.pk]) in plan_page
    assert reverse("plan_reassign_leads", args=[plan.pk]) in plan_page
    assert reverse("plan_settings", args=[plan.pk]) in plan_page
    assert (
        reverse("action_edit", args=[action.pk])
        in client.get(reverse("action", args=[action.pk])).content.decode()
    )
    assert reverse("plan_create") in client.get(reverse("plans") + "?all=1").content.decode()

    client.force_login(board)
    plan_page = client.get(reverse("plan", args=[plan.pk])).content.decode()
    assert reverse("inspection_list") not in plan_page
    assert reverse("plan_settings", args=[plan.pk]) not in plan_page
    assert (
        reverse("action_edit", args=[action.pk])
        not in client.get(reverse("action", args=[action.pk])).content.decode()
    )
    assert reverse("plan_create") not in client.get(reverse("plans") + "?all=1").content.decode()


# Inspections and findings --------------------------------------------------------------


def test_pmo_creates_inspection_with_uk_dates(client, pmo):
    client.force_login(pmo)
    response = client.post(reverse("inspection_create"), inspection_data())
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("finding_list", args=[inspection.pk])
    assert inspection.visit_start == dt.date(2019, 2, 5)
    assert inspection.visit_end == dt.date(2019, 2, 7)
    assert inspection.published_on == dt.date(2019, 4, 16)
    assert any("Inspection added" in m for m in messages_of(response))


def test_iso_dates_are_accepted_too(client, pmo):
    client.force_login(pmo)
    client.post(reverse("inspection_create"), inspection_data(published_on="2019-04-16"))
    assert Inspection.objects.get().published_on == dt.date(2019, 4, 16)


def test_bad_date_is_refused_with_message(client, pmo):
    client.force_login(pmo)
    response = client.post(reverse("inspection_create"), inspection_data(published_on="31/02/2019"))
    assert response.status_code == 422
    assert not Inspection.objects.exists()
    assert "Report published date must be a real date, written as DD/MM/YYYY" in (
        response.content.decode()
    )
    assert response.context["form"].errors["published_on"]


def test_visit_end_before_start_is_refused_with_message(client, pmo):
    client.force_login(pmo)
    response = client.post(
        reverse("inspection_create"),
        inspection_data(visit_start="07/02/2019", visit_end="05/02/2019"),
    )
    assert response.status_code == 422
    assert not Inspection.objects.exists()
    assert response.context["form"].errors["visit_end"] == [
        "The visit end date must not be before the start date."
    ]


def test_pmo_edits_inspection_and_the_form_shows_uk_dates(client, pmo, inspection):
    client.force_login(pmo)
    url = reverse("inspection_edit", args=[inspection.pk])
    assert 'value="16/04/2019"' in client.get(url).content.decode()
    response = client.post(url, inspection_data(provider="Renamed NHS Trust", kind="focused"))
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert (inspection.provider, inspection.kind) == ("Renamed NHS Trust", "focused")


def test_pmo_adds_findings_one_after_another(client, pmo, inspection):
    client.force_login(pmo)
    url = reverse("finding_create", args=[inspection.pk])
    response = client.post(url, {**finding_data(ref="M1"), "add_another": "1"})
    assert response.url == url
    response = client.post(url, finding_data(ref="S1", kind=FindingKind.SHOULD, key_question=""))
    assert response.url == reverse("finding_list", args=[inspection.pk])
    assert list(inspection.findings.values_list("ref", "kind", "key_question")) == [
        ("M1", "must", "safe"),
        ("S1", "should", ""),
    ]
    listing = client.get(reverse("finding_list", args=[inspection.pk])).content.decode()
    assert "fetal monitoring" in listing


def test_duplicate_finding_ref_within_inspection_is_refused_with_message(
    client, pmo, inspection, finding
):
    client.force_login(pmo)
    response = client.post(reverse("finding_create", args=[inspection.pk]), finding_data(ref="M1"))
    assert response.status_code == 422
    assert response.context["form"].errors["ref"] == [
        "This inspection already has a finding M1. Use a different reference."
    ]
    assert inspection.findings.count() == 1


def test_same_finding_ref_on_another_inspection_is_fine(client, pmo, finding):
    other = InspectionFactory(provider="Another Trust")
    client.force_login(pmo)
    response = client.post(reverse("finding_create", args=[other.pk]), finding_data(ref="M1"))
    assert response.status_code == 302
    assert other.findings.get().ref == "M1"


def test_pmo_edits_finding_keeping_its_own_ref(client, pmo, finding):
    client.force_login(pmo)
    response = client.post(
        reverse("finding_edit", args=[finding.pk]),
        finding_data(ref="M1", regulation="Regulation 18 – Staffing"),
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.regulation == "Regulation 18 – Staffing"


def test_inspection_list_takes_the_same_queries_however_many_inspections(
    client, pmo, django_assert_num_queries
):
    """Finding counts are annotated in the list query, not counted once per inspection."""
    for n in range(3):
        inspection = InspectionFactory(provider=f"Trust {n}")
        Finding.objects.create(inspection=inspection, ref="M1", kind="must", text="x")
    client.force_login(pmo)
    # user, the user's groups, the header's menu, the inspections with their finding counts
    # (the session is read from the cache)
    with django_assert_num_queries(4):
        response = client.get(reverse("inspection_list"))
    assert response.content.decode().count(">1 finding<") == 3


def test_finding_list_takes_the_same_queries_however_many_findings(
    client, pmo, inspection, django_assert_num_queries
):
    """Action counts are annotated in the list query, not counted once per finding."""
    for n in range(3):
        finding = Finding.objects.create(
            inspection=inspection, ref=f"S{n}", kind="should", text="x"
        )
        finding.actions.add(ActionFactory(), ActionFactory())
    client.force_login(pmo)
    # user, the user's groups, the header's menu, the inspection, its findings with action
    # counts (the session is read from the cache)
    with django_assert_num_queries(5):
        response = client.get(reverse("finding_list", args=[inspection.pk]))
    assert [f.action_count for f in response.context["findings"]] == [2, 2, 2]
    assert "S2" in response.content.decode()


# Plans ---------------------------------------------------------------------------------


def test_pmo_creates_plan_and_wednesday_noon_uk_time_is_the_default(client, pmo, inspection):
    client.force_login(pmo)
    page = client.get(reverse("plan_create")).content.decode()
    assert "Wednesday 12:00 UK time by default" in page
    response = client.post(reverse("plan_create"), plan_data(inspection=inspection.pk))
    plan = Plan.objects.get()
    assert response.url == reverse("plan", args=[plan.pk])
    assert plan.deadline_label == "Wednesday 12:00"
    assert plan.time_zone == "Europe/London"
    assert plan.inspection == inspection
    assert plan.cycle_starts_on == dt.date(2026, 1, 5)


def test_pmo_changes_plan_to_monthly_on_first_tuesday(client, pmo, plan):
    client.force_login(pmo)
    response = client.post(
        reverse("plan_settings", args=[plan.pk]),
        plan_data(
            cadence=Plan.Cadence.MONTHLY,
            deadline_weekday=Plan.Weekday.TUESDAY,
            deadline_time="17:30",
            month_week=Plan.MonthWeek.FIRST,
        ),
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.cadence, plan.deadline_label, plan.month_week) == (
        "monthly",
        "Tuesday 17:30",
        1,
    )


def test_unknown_time_zone_is_refused_with_message(client, pmo, plan):
    client.force_login(pmo)
    response = client.post(
        reverse("plan_settings", args=[plan.pk]), plan_data(time_zone="Europe/Londn")
    )
    assert response.status_code == 422
    assert "For UK time, enter Europe/London" in response.context["form"].errors["time_zone"][0]
    plan.refresh_from_db()
    assert plan.time_zone == "Europe/London"


def test_schedule_change_is_refused_while_the_open_period_has_updates(client, pmo, plan, action):
    now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday: the week is open
    period = services.period_current_row(plan=plan, now=now)
    services.update_submit(
        action=action,
        period=period,
        author=action.action_lead,
        status="G",
        narrative="On plan",
        now=now,
    )
    client.force_login(pmo)
    url = reverse("plan_settings", args=[plan.pk])
    response = client.post(url, plan_data(name=plan.name, deadline_weekday=Plan.Weekday.THURSDAY))
    assert response.status_code == 422
    assert "has not locked yet" in response.content.decode()
    plan.refresh_from_db()
    assert plan.deadline_weekday == Plan.Weekday.WEDNESDAY

    renamed = client.post(url, plan_data(name="Renamed plan", cycle_starts_on="01/01/2026"))
    assert renamed.status_code == 302  # the name is not the schedule
    plan.refresh_from_db()
    assert plan.name == "Renamed plan"


# Actions -------------------------------------------------------------------------------


def test_pmo_creates_action_and_history_records_it(client, pmo, lead, plan, inspection, finding):
    plan.inspection = inspection
    plan.save()
    dops, md = ExecRoleFactory(code="DOps"), ExecRoleFactory(code="MD")
    client.force_login(pmo)
    response = client.post(
        reverse("action_create", args=[plan.pk]),
        action_data(action_lead=lead.pk, exec_roles=[dops.pk, md.pk], findings=[finding.pk]),
    )
    action = Action.objects.get(plan=plan, ref="G11")
    assert response.url == reverse("action", args=[action.pk])
    assert action.action_lead == lead
    assert action.exec_lead_label == "DOps/MD"
    assert list(action.findings.all()) == [finding]
    assert (action.start_date, action.end_date) == (dt.date(2026, 2, 1), dt.date(2026, 6, 30))
    entry = action.history.get()
    assert (entry.kind, entry.actor, entry.version) == (HistoryEntry.Kind.CREATED, pmo, 1)
    assert "Action G11 added to the plan." in messages_of(response)


def test_action_form_shows_leads_by_full_name_and_only_the_plan_inspection_findings(
    client, pmo, plan, inspection, finding
):
    lead = UserFactory(username="jsmith", first_name="Jane", last_name="Smith")
    other = InspectionFactory(provider="Another Trust")
    Finding.objects.create(inspection=other, ref="ZZ9", kind="must", text="Elsewhere")
    plan.inspection = inspection
    plan.save()
    client.force_login(pmo)
    response = client.get(reverse("action_create", args=[plan.pk]))
    page = response.content.decode()
    assert f'<option value="{lead.pk}">Jane Smith</option>' in page
    assert "M1 (Must do)" in page
    assert "ZZ9 (Must do)" not in page


def test_editing_keeps_findings_from_an_earlier_inspection(client, pmo, plan, action, finding):
    plan.inspection = InspectionFactory(provider="Re-inspection")
    plan.save()
    new = Finding.objects.create(inspection=plan.inspection, ref="S1", kind="should", text="y")
    action.findings.add(finding)  # answered the last report's M1
    client.force_login(pmo)
    response = client.post(
        reverse("action_edit", args=[action.pk]),
        action_data(action, findings=[finding.pk, new.pk]),
    )
    assert response.status_code == 302
    assert set(action.findings.all()) == {finding, new}


def test_duplicate_action_ref_in_plan_is_refused_with_message(client, pmo, plan, action):
    client.force_login(pmo)
    response = client.post(reverse("action_create", args=[plan.pk]), action_data(ref=action.ref))
    assert response.status_code == 422
    assert response.context["form"].errors["ref"] == [
        "This plan already has an action T3. Use a different reference."
    ]
    assert plan.actions.count() == 1


def test_action_end_before_start_is_refused_on_the_end_date_field(client, pmo, plan):
    client.force_login(pmo)
    response = client.post(
        reverse("action_create", args=[plan.pk]),
        action_data(start_date="01/06/2026", end_date="01/05/2026"),
    )
    assert response.status_code == 422
    assert response.context["form"].errors["end_date"] == [
        "The end date must not be before the start date."
    ]
    assert not plan.actions.exists()


def test_pmo_edits_action_and_history_records_the_changes(client, pmo, other_lead, action):
    client.force_login(pmo)
    response = client.post(
        reverse("action_edit", args=[action.pk]),
        action_data(action, theme="Training", status=Status.AMBER, action_lead=other_lead.pk),
    )
    assert response.url == reverse("action", args=[action.pk])
    action.refresh_from_db()
    assert (action.theme, action.status, action.action_lead, action.version) == (
        "Training",
        Status.AMBER,
        other_lead,
        2,
    )
    entry = action.history.get()
    assert entry.actor == pmo
    assert entry.changes["theme"] == ["Governance", "Training"]
    assert entry.changes["status"] == ["G", "A"]
    assert "Action T3 saved." in messages_of(response)


def test_saving_an_unchanged_action_changes_nothing(client, pmo, action):
    client.force_login(pmo)
    response = client.post(reverse("action_edit", args=[action.pk]), action_data(action))
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.version == 1
    assert not action.history.exists()
    assert "Nothing changed on T3." in messages_of(response)


def test_second_edit_of_same_action_is_refused_with_changes(client, pmo, other_pmo, action):
    first = action_data(action, theme="Risk")  # both forms opened at version 1
    second = action_data(action, requirement="My own rewording of the requirement.")
    client.force_login(other_pmo)
    assert client.post(reverse("action_edit", args=[action.pk]), first).status_code == 302

    client.force_login(pmo)
    response = client.post(reverse("action_edit", args=[action.pk]), second)

    assert response.status_code == 409
    action.refresh_from_db()
    assert action.theme == "Risk"  # the first save stands
    assert action.requirement != "My own rewording of the requirement."  # nothing overwritten
    assert action.version == 2
    page = response.content.decode()
    assert "Someone else changed this action while you were editing it" in page
    assert "Priya Shah" in page  # who changed it …
    assert "<strong>Theme</strong>: Governance → Risk" in page  # … and what
    assert "My own rewording of the requirement." in page  # the PMO's input is kept
    assert response.context["form"]["version"].value() == "2"


def test_after_a_conflict_saving_again_is_a_deliberate_save(client, pmo, other_pmo, action):
    stale = action_data(action, requirement="My own rewording of the requirement.")
    client.force_login(other_pmo)
    client.post(reverse("action_edit", args=[action.pk]), action_data(action, theme="Risk"))
    client.force_login(pmo)
    refused = client.post(reverse("action_edit", args=[action.pk]), stale)
    resubmitted = {**stale, "version": refused.context["form"]["version"].value()}

    response = client.post(reverse("action_edit", args=[action.pk]), resubmitted)

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.requirement == "My own rewording of the requirement."
    assert action.version == 3


def test_edit_form_offers_blue_only_when_the_action_is_already_blue(client, pmo, plan):
    green = ActionFactory(plan=plan, status=Status.GREEN)
    blue = ActionFactory(plan=plan, status=Status.BLUE)
    client.force_login(pmo)
    green_choices = client.get(reverse("action_edit", args=[green.pk])).context["form"]
    blue_choices = client.get(reverse("action_edit", args=[blue.pk])).context["form"]
    assert "B" not in dict(green_choices.fields["status"].choices)
    assert "B" in dict(blue_choices.fields["status"].choices)
    assert "B" not in dict(
        client.get(reverse("action_create", args=[plan.pk]))
        .context["form"]
        .fields["status"]
        .choices
    )


def test_posting_blue_on_an_open_action_is_refused(client, pmo, action):
    client.force_login(pmo)
    response = client.post(
        reverse("action_edit", args=[action.pk]), action_data(action, status=Status.BLUE)
    )
    assert response.status_code == 422
    assert "status" in response.context["form"].errors
    action.refresh_from_db()
    assert action.status == Status.GREEN


def test_service_validation_error_is_shown_on_the_field(client, pmo, action):
    client.force_login(pmo)
    response = client.post(
        reverse("action_edit", args=[action.pk]),
        action_data(action, start_date="01/12/2026", end_date="01/01/2026"),
    )
    assert response.status_code == 422
    assert response.context["form"].errors["end_date"] == [
        "The end date must not be before the start date."
    ]
    assert 'href="#id_end_date"' in response.content.decode()  # the error summary links it
    action.refresh_from_db()
    assert action.end_date == dt.date(2026, 12, 31)


# Reassigning leads ---------------------------------------------------------------------


def test_reassign_moves_open_actions_and_records_history(client, pmo, lead, other_lead, plan):
    open_one = ActionFactory(plan=plan, action_lead=lead, status=Status.RED)
    open_two = ActionFactory(plan=plan, action_lead=lead, status=Status.WHITE)
    done = ActionFactory(plan=plan, action_lead=lead, status=Status.BLUE)
    someone_elses = ActionFactory(plan=plan, status=Status.GREEN)
    other_plans = ActionFactory(action_lead=lead, status=Status.GREEN)
    client.force_login(pmo)

    response = client.post(
        reverse("plan_reassign_leads", args=[plan.pk]),
        {"from_lead": lead.pk, "to_lead": other_lead.pk},
    )

    assert response.status_code == 302
    assert f"2 actions reassigned to {other_lead.get_full_name()}." in messages_of(response)
    assert set(Action.objects.filter(action_lead=other_lead)) == {open_one, open_two}
    for unmoved in (done, other_plans):
        unmoved.refresh_from_db()
        assert unmoved.action_lead == lead
    someone_elses.refresh_from_db()
    assert someone_elses.action_lead != other_lead
    entry = HistoryEntry.objects.get(action=open_one)
    assert entry.kind == HistoryEntry.Kind.LEAD_ASSIGNED
    assert entry.actor == pmo
    assert entry.changes == {
        "action_lead": [
            {"id": lead.pk, "name": lead.get_full_name()},
            {"id": other_lead.pk, "name": other_lead.get_full_name()},
        ]
    }


def test_reassign_only_the_ticked_actions(client, pmo, lead, other_lead, plan):
    ticked = ActionFactory(plan=plan, action_lead=lead)
    left = ActionFactory(plan=plan, action_lead=lead)
    client.force_login(pmo)
    page = client.get(reverse("plan_reassign_leads", args=[plan.pk]) + f"?from_lead={lead.pk}")
    assert set(page.context["form"].fields["actions"].queryset) == {ticked, left}

    response = client.post(
        reverse("plan_reassign_leads", args=[plan.pk]),
        {"from_lead": lead.pk, "to_lead": other_lead.pk, "actions": [ticked.pk]},
    )

    assert "1 action reassigned to" in messages_of(response)[0]
    ticked.refresh_from_db()
    left.refresh_from_db()
    assert (ticked.action_lead, left.action_lead) == (other_lead, lead)


def test_ticking_another_leads_action_is_refused(client, pmo, lead, other_lead, plan):
    mine = ActionFactory(plan=plan, action_lead=lead)
    theirs = ActionFactory(plan=plan, action_lead=other_lead)
    client.force_login(pmo)
    response = client.post(
        reverse("plan_reassign_leads", args=[plan.pk]),
        {"from_lead": lead.pk, "to_lead": pmo.pk, "actions": [mine.pk, theirs.pk]},
    )
    assert response.status_code == 422
    assert response.context["form"].errors["actions"] == [
        "Tick only open actions that the current lead leads in this plan."
    ]
    assert not HistoryEntry.objects.exists()


def test_unassigned_actions_can_be_given_a_lead(client, pmo, lead, plan):
    unassigned = ActionFactory(plan=plan, action_lead=None)
    client.force_login(pmo)
    page = client.get(reverse("plan_reassign_leads", args=[plan.pk])).content.decode()
    assert "?from_lead=none" in page
    client.post(
        reverse("plan_reassign_leads", args=[plan.pk]), {"from_lead": "none", "to_lead": lead.pk}
    )
    unassigned.refresh_from_db()
    assert unassigned.action_lead == lead


def test_reassigning_to_the_same_lead_is_refused(client, pmo, lead, plan, action):
    client.force_login(pmo)
    response = client.post(
        reverse("plan_reassign_leads", args=[plan.pk]), {"from_lead": lead.pk, "to_lead": lead.pk}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["to_lead"] == [
        "Choose a different lead from the current one."
    ]
    action.refresh_from_db()
    assert action.version == 1


def test_a_blue_action_cannot_be_moved_off_blue_by_editing(plan, pmo):
    from django.core.exceptions import ValidationError

    from actions import services
    from actions.models import Status
    from tests.factories import ActionFactory

    action = ActionFactory(plan=plan, status=Status.BLUE)

    with pytest.raises(ValidationError, match="re-opened from its page"):
        services.action_edit(action=action, by=pmo, base_version=None, status=Status.GREEN)
    action.refresh_from_db()
    assert action.status == Status.BLUE
