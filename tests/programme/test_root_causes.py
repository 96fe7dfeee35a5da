"""Root causes: the PMO unpacks a finding; the list counts them by state and finding kind."""

import datetime as dt

from django.urls import reverse

from actions.models import Finding, FindingKind, Status
from programme import selectors
from programme.models import RootCause
from tests.factories import ActionFactory


def test_the_pmo_unpacks_a_finding_into_a_root_cause(client, people, programme):
    plan, finding, actions = programme["plan"], programme["finding"], programme["actions"]
    client.force_login(people["pmo"])
    url = reverse("root_cause_create", args=[plan.pk, finding.pk])

    response = client.post(
        url,
        {
            "ref": "M1.2",
            "description": "No one checks the training matrix.",
            "owner": people["owner"].pk,
            "workstream": programme["ws"].pk,
            "actions": [actions[2].pk, actions[3].pk],
            "due_date": "31/12/2026",
            "kpi": programme["kpi"].pk,
        },
    )

    assert response.status_code == 302
    rc = RootCause.objects.get(ref="M1.2")
    assert (rc.finding, rc.owner, rc.workstream, rc.due_date, rc.kpi) == (
        finding,
        people["owner"],
        programme["ws"],
        dt.date(2026, 12, 31),
        programme["kpi"],
    )
    assert set(rc.actions.values_list("ref", flat=True)) == {"WC3", "WC4"}
    page = client.get(url).content.decode()
    assert "Its root causes so far" in page and "M1.2" in page


def test_a_duplicate_ref_and_an_action_of_another_plan_are_refused(client, people, programme):
    plan, finding = programme["plan"], programme["finding"]
    elsewhere = ActionFactory(ref="ZZ1")
    client.force_login(people["pmo"])
    url = reverse("root_cause_create", args=[plan.pk, finding.pk])

    duplicate = client.post(url, {"ref": "M1.1", "description": "Again"})
    foreign = client.post(url, {"ref": "M1.3", "description": "x", "actions": [elsewhere.pk]})

    assert duplicate.status_code == 422 and foreign.status_code == 422
    assert RootCause.objects.count() == 1


def test_a_finding_the_plan_does_not_answer_cannot_be_unpacked_there(client, people, programme):
    from actions.models import Inspection

    other = Finding.objects.create(
        inspection=Inspection.objects.create(provider="Elsewhere"),
        ref="S9",
        kind="should",
        text="x",
    )
    client.force_login(people["pmo"])

    url = reverse("root_cause_create", args=[programme["plan"].pk, other.pk])
    assert client.get(url).status_code == 404


def test_the_list_counts_root_causes_by_state_and_kind(client, people, programme):
    plan, finding, actions = programme["plan"], programme["finding"], programme["actions"]
    should = Finding.objects.create(
        inspection=plan.inspection, ref="S1", kind=FindingKind.SHOULD, text="Should"
    )
    overdue = RootCause.objects.create(
        plan=plan, finding=finding, ref="M1.2", description="Late", due_date=dt.date(2026, 11, 1)
    )
    overdue.actions.set([actions[2]])
    off = RootCause.objects.create(
        plan=plan, finding=finding, ref="M1.3", description="Red", due_date=dt.date(2027, 1, 1)
    )
    off.actions.set([actions[2]])
    RootCause.objects.create(plan=plan, finding=should, ref="S1.1", description="Fine")
    client.force_login(people["board"])

    html = client.get(reverse("root_causes", args=[plan.pk])).content.decode()

    # Must do: M1.1 completed, M1.2 overdue (both due by now), M1.3 off track.
    assert "1 Must do root cause completed, 50% of the forecast trajectory (2 due by now)" in html
    assert "0 Should do root causes completed; none due yet" in html
    overview = selectors.root_cause_overview(plan, now=programme_now())
    assert overview.counts == {"completed": 1, "overdue": 1, "off_track": 1, "on_track": 1}


def programme_now():
    from tests.programme.conftest import NOW

    return NOW


def test_a_root_cause_is_completed_only_when_it_has_actions_all_blue():
    today = dt.date(2026, 11, 26)
    state = selectors.root_cause_state
    assert state([], None, today) == "on_track"
    assert state([Status.BLUE, Status.GREEN], None, today) == "on_track"
    assert state([Status.BLUE, Status.BLUE], dt.date(2026, 1, 1), today) == "completed"
    assert state([Status.AMBER], None, today) == "off_track"
    assert state([Status.GREEN], dt.date(2026, 11, 25), today) == "overdue"


def test_the_owner_reads_their_root_cause_with_its_kpi_chart(client, people, programme):
    client.force_login(people["owner"])

    html = client.get(reverse("root_cause", args=[programme["rc"].pk])).content.decode()

    assert "Training records are not kept centrally." in html
    assert "<title>Children streamed within 15 minutes: XmR chart</title>" in html
    assert "Edit the root cause" not in html


def test_the_pmo_edits_and_removes_a_root_cause(client, people, programme):
    rc = programme["rc"]
    client.force_login(people["pmo"])

    client.post(
        reverse("root_cause_edit", args=[rc.pk]),
        {"ref": "M1.1a", "description": "Records are scattered", "due_date": "01/12/2026"},
    )
    rc.refresh_from_db()
    assert (rc.ref, rc.due_date, rc.actions.count()) == ("M1.1a", dt.date(2026, 12, 1), 0)

    client.post(reverse("root_cause_delete", args=[rc.pk]))
    assert not RootCause.objects.exists()


def test_the_owner_sees_their_root_causes_on_my_actions(client, people, programme):
    client.force_login(people["owner"])

    html = client.get(reverse("my_actions")).content.decode()

    assert "Your root causes" in html
    assert "M1.1</a>: Training records are not kept centrally. <strong>Completed</strong>" in html


def test_someone_who_owns_no_root_cause_sees_no_panel(client, people, programme):
    client.force_login(people["outsider"])

    assert "Your root causes" not in client.get(reverse("my_actions")).content.decode()
