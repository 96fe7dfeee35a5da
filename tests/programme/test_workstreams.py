"""Workstreams: what their pages say, how the PMO sets them up, and their narratives."""

import datetime as dt

import pytest
from django.urls import reverse

from actions import selectors as action_selectors
from programme import selectors
from programme.models import ProgrammeSettings, Workstream, WorkstreamAction, WorkstreamNarrative
from tests.factories import ActionFactory


def test_the_workstream_page_shows_trajectory_counts_kpis_and_root_causes(
    client, people, programme
):
    client.force_login(people["board"])

    html = client.get(reverse("workstream", args=[programme["ws"].pk])).content.decode()

    # WC1-WC4 ended by 26 Nov 2026; WC1 and WC2 are Blue.
    assert "50% of planned trajectory; 2 closed against a target of 4" in html
    assert "Wednesday 9 December 2026, 12:00" in html  # fortnightly from the plan's cycle
    assert "<title>Children streamed within 15 minutes: XmR chart</title>" in html
    assert 'data-icon="improvement-high"' in html
    assert "The chart's data as a table" in html
    assert "M1.1" in html and "Completed" in html
    assert "Write the November 2026 narrative" not in html  # the board reads only


@pytest.mark.parametrize(
    ("cadence", "due"),
    [
        ("weekly", dt.datetime(2026, 12, 2, 12, 0)),
        ("fortnightly", dt.datetime(2026, 12, 9, 12, 0)),
        ("monthly", dt.datetime(2026, 12, 30, 12, 0)),
    ],
)
def test_each_workstream_has_its_own_next_update_due(programme, frozen, cadence, due):
    ws = programme["ws"]
    ws.cadence = cadence

    found = selectors.next_update_due(ws, frozen)

    assert found.astimezone(ws.plan.tz).replace(tzinfo=None) == due


def test_sprints_can_count_from_their_own_start(programme, frozen):
    ws = programme["ws"]
    ws.cadence_starts_on = dt.date(2026, 11, 30)

    found = selectors.next_update_due(ws, frozen)

    assert found.astimezone(ws.plan.tz).date() == dt.date(2026, 12, 2)


def test_the_trajectory_says_when_nothing_is_due_yet():
    t = selectors.trajectory_of([(False, dt.date(2027, 1, 1))], dt.date(2026, 11, 26))
    assert t.sentence == "none of its 1 actions due yet"
    t = selectors.trajectory_of(
        [(True, dt.date(2026, 1, 1))] * 22 + [(False, dt.date(2026, 2, 1))] * 4, dt.date(2026, 3, 1)
    )
    assert t.sentence == "85% of planned trajectory; 22 closed against a target of 26"


def test_the_overview_lists_workstreams_in_order_and_the_pmo_reorders_them(
    client, people, programme
):
    plan = programme["plan"]
    second = Workstream.objects.create(plan=plan, name="Workforce", position=2)
    client.force_login(people["pmo"])

    client.post(reverse("workstream_move", args=[second.pk]), {"direction": "up"})

    html = client.get(reverse("programme", args=[plan.pk])).content.decode()
    assert html.index("Workforce") < html.index("Women&#x27;s and Children&#x27;s")
    assert "50% of planned trajectory; 2 closed against a target of 4" in html


def test_the_pmo_adds_a_workstream_with_a_monthly_cadence_and_kpis(client, people, programme):
    client.force_login(people["pmo"])

    response = client.post(
        reverse("workstream_create", args=[programme["plan"].pk]),
        {
            "name": "Well-led",
            "executive": people["exec"].pk,
            "cadence": "monthly",
            "kpis": [programme["kpi"].pk],
        },
    )

    ws = Workstream.objects.get(name="Well-led")
    assert response.status_code == 302
    assert (ws.cadence, ws.executive, ws.position) == ("monthly", people["exec"], 2)
    assert list(ws.kpis.all()) == [programme["kpi"]]


def test_a_duplicate_name_is_refused_on_the_form(client, people, programme):
    client.force_login(people["pmo"])

    response = client.post(
        reverse("workstream_create", args=[programme["plan"].pk]),
        {"name": "Women's and Children's", "cadence": "weekly"},
    )

    assert response.status_code == 422
    assert Workstream.objects.count() == 1


def test_the_plan_names_its_workstreams(client, people, programme):
    client.force_login(people["pmo"])

    client.post(
        reverse("programme_settings", args=[programme["plan"].pk]),
        {"workstream_term": "Improvement steering group", "workstream_term_plural": ""},
    )

    assert ProgrammeSettings.objects.get().plural == "Improvement steering groups"
    html = client.get(reverse("programme", args=[programme["plan"].pk])).content.decode()
    assert '<h1 class="nhsuk-heading-l">Improvement steering groups</h1>' in html


def test_the_pmo_moves_chosen_actions_into_a_workstream(client, people, programme):
    plan = programme["plan"]
    other = Workstream.objects.create(plan=plan, name="Workforce", position=2)
    loose = ActionFactory(plan=plan, ref="WF1")
    client.force_login(people["pmo"])
    url = reverse("workstream_actions", args=[other.pk])

    page = client.get(url, {"unassigned": "on"}).content.decode()
    assert "WF1" in page and "WC1" not in page
    client.post(url, {"action": [loose.pk, programme["actions"][0].pk], "do": "add"})

    assert set(other.actions.values_list("ref", flat=True)) == {"WF1", "WC1"}
    assert WorkstreamAction.objects.filter(action=programme["actions"][0]).count() == 1
    client.post(url, {"action": [loose.pk], "do": "remove"})
    assert set(other.actions.values_list("ref", flat=True)) == {"WC1"}


def test_actions_of_another_plan_cannot_be_put_in(client, people, programme):
    elsewhere = ActionFactory(ref="ZZ1")
    client.force_login(people["pmo"])

    client.post(
        reverse("workstream_actions", args=[programme["ws"].pk]),
        {"action": [elsewhere.pk], "do": "add"},
    )

    assert not WorkstreamAction.objects.filter(action=elsewhere).exists()


def test_the_executive_writes_the_narrative_and_the_lead_changes_it(client, people, programme):
    ws = programme["ws"]
    url = reverse("workstream_narrative", args=[ws.pk])
    client.force_login(people["exec"])
    client.post(
        url,
        {
            "month": "2026-11",
            "progress": "Children streamed within 15 minutes",
            "risks": "Nurse vacancies",
            "mitigation": "Bank staff",
            "next_steps": "Recruit two nurses",
        },
    )
    client.force_login(people["ws_lead"])
    client.post(url, {"month": "2026-11", "progress": "Streaming in place <b>now</b>"})

    narrative = WorkstreamNarrative.objects.get()
    assert (narrative.month, narrative.written_by, narrative.updated_by, narrative.revision) == (
        dt.date(2026, 11, 1),
        people["exec"],
        people["ws_lead"],
        2,
    )
    assert narrative.risks == ""
    html = client.get(reverse("workstream", args=[ws.pk])).content.decode()
    assert "Streaming in place &lt;b&gt;now&lt;/b&gt;" in html
    assert "November 2026" in html


def test_a_blank_or_future_narrative_is_refused(client, people, programme):
    url = reverse("workstream_narrative", args=[programme["ws"].pk])
    client.force_login(people["exec"])

    blank = client.post(url, {"month": "2026-11", "progress": " \u200b "})
    future = client.post(url, {"month": "2026-12", "progress": "Planned"})

    assert blank.status_code == 422 and "Write at least one part" in blank.content.decode()
    assert future.status_code == 422
    assert not WorkstreamNarrative.objects.exists()


def test_the_menu_offers_the_programme_to_whoever_runs_or_reads_it(people, programme):
    plan_url = reverse("programme", args=[programme["plan"].pk])

    def labels(user):
        return {item.label: item.url for item in action_selectors.navigation(user).items}

    assert labels(people["board"])["Programme"] == plan_url
    assert labels(people["ws_lead"])["Programme"] == plan_url
    assert labels(people["owner"])["My root causes"] == reverse(
        "root_causes", args=[programme["plan"].pk]
    )
    assert "Programme" not in labels(people["outsider"])
    assert "My root causes" not in labels(people["board"])


def test_the_overview_reads_in_a_fixed_number_of_queries(
    client, people, programme, django_assert_max_num_queries
):
    """Four reads for the figures of any number of workstreams, not a query per action."""
    plan = programme["plan"]
    for n in range(5):
        ws = Workstream.objects.create(plan=plan, name=f"Group {n}", position=n + 2)
        for m in range(4):
            WorkstreamAction.objects.create(
                workstream=ws, action=ActionFactory(plan=plan, ref=f"G{n}.{m}")
            )
    client.force_login(people["board"])
    client.get(reverse("programme", args=[plan.pk]))

    with django_assert_max_num_queries(14):
        client.get(reverse("programme", args=[plan.pk]))


def test_the_pmo_removes_a_workstream_and_its_actions_stay(client, people, programme):
    from actions.models import Action

    client.force_login(people["pmo"])

    client.post(reverse("workstream_delete", args=[programme["ws"].pk]))

    assert not Workstream.objects.exists()
    assert Action.objects.filter(plan=programme["plan"]).count() == 5
    programme["rc"].refresh_from_db()
    assert programme["rc"].workstream is None


def test_the_pmos_menu_leaves_the_programme_to_the_plan_page(client, people, programme):
    """The PMO's menu is full at a desktop's width; the plan page links to the programme."""
    nav = action_selectors.navigation(people["pmo"])
    assert "Programme" not in [item.label for item in nav.items]
    client.force_login(people["pmo"])

    html = client.get(reverse("plan", args=[programme["plan"].pk])).content.decode()

    assert f'href="{reverse("programme", args=[programme["plan"].pk])}"' in html
    assert f'href="{reverse("root_causes", args=[programme["plan"].pk])}"' in html
