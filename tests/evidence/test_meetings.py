"""Meetings of the assurance group and the table of seed 003: presented, approved, declined."""

import datetime as dt

import pytest
from django.urls import reverse

from actions.models import FindingKind
from evidence import selectors, services
from evidence.models import AssuranceMeeting, SignOff
from tests.factories import ActionFactory

SEPT_6 = dt.date(2026, 9, 6)


def _closure(plan, ref, department, kind):
    action = ActionFactory(plan=plan, ref=ref, department=department, kind=kind)
    evidence = services.evidence_add(
        action=action, by=action.action_lead, kind="note", note="n", description="d"
    )
    return services.closure_request(
        action=action, by=action.action_lead, summary="Done", evidence=[evidence]
    )


@pytest.fixture
def seed_003_meeting(plan, pmo, reviewer):
    """The Evidence Assurance Group of 6 September (seed 003): 11 presented, 9 approved."""
    W, M, S = "Women & Children", "Medicine", "Surgery"
    K = FindingKind
    plan_rows = [
        # (department, kind, approve?)
        (W, K.MUST, True),
        (W, K.SHOULD, True),
        (W, K.SHOULD, True),
        (W, K.SHOULD, True),
        (M, K.SECTION_29A, True),
        (M, K.MUST, True),
        (S, K.MUST, True),
        (S, K.SHOULD, True),
        (S, K.SHOULD, True),
        (S, K.MUST, False),
        (S, K.MUST, False),
    ]
    closures = [
        (_closure(plan, f"X{i}", dept, kind), approve)
        for i, (dept, kind, approve) in enumerate(plan_rows)
    ]
    meeting = services.meeting_record(
        name="IQIP Evidence Assurance Group",
        held_on=SEPT_6,
        closures=[c for c, _ in closures],
        by=pmo,
    )
    for closure, approve in closures:
        if approve:
            services.closure_approve(closure=closure, by=reviewer, meeting=meeting)
        else:
            services.closure_decline(
                closure=closure, by=reviewer, reason="Evidence incomplete", meeting=meeting
            )
    return meeting


def test_the_meeting_table_matches_the_paper(seed_003_meeting):
    table = selectors.meeting_outcomes(seed_003_meeting)

    rows = {
        r.label: (
            r.presented,
            r.approved_total,
            r.declined_total,
            r.approved_cells,
            r.declined_cells,
        )
        for r in table.by_department
    }
    # The paper's columns: Conditions (29A, S31), Must, Shoulds; no requirement notices here.
    assert table.kind_labels == ["Section 29A", "Section 31", "Must do", "Should do"]
    assert rows == {
        "Medicine": (2, 2, 0, [1, 0, 1, 0], [0, 0, 0, 0]),
        "Surgery": (5, 3, 2, [0, 0, 1, 2], [0, 0, 2, 0]),
        "Women & Children": (4, 4, 0, [0, 0, 1, 3], [0, 0, 0, 0]),
    }
    total = table.total
    assert (total.presented, total.approved_total, total.declined_total) == (11, 9, 2)
    assert total.approved_cells == [1, 0, 3, 5] and total.declined_cells == [0, 0, 2, 0]
    by_kind = {r.label: (r.presented, r.approved_total, r.declined_total) for r in table.by_kind}
    assert by_kind == {
        "Section 29A": (1, 1, 0),
        "Section 31": (0, 0, 0),
        "Must do": (5, 3, 2),
        "Should do": (5, 5, 0),
    }


def test_requirement_notices_get_a_column_when_one_is_presented(plan, pmo, reviewer):
    closures = [
        _closure(plan, "R1", "Medicine", FindingKind.REGULATORY),
        _closure(plan, "S1", "Medicine", FindingKind.SECTION_31),
    ]
    meeting = services.meeting_record(name="EAG", held_on=SEPT_6, closures=closures, by=pmo)
    for closure in closures:
        services.closure_approve(closure=closure, by=reviewer, meeting=meeting)

    table = selectors.meeting_outcomes(meeting)

    assert table.kind_labels == [
        "Section 29A", "Section 31", "Requirement notices", "Must do", "Should do"
    ]  # fmt: skip
    assert table.total.approved_cells == [0, 1, 1, 0, 0]


def test_the_meeting_page_shows_the_table(client, seed_003_meeting, board):
    client.force_login(board)

    page = client.get(reverse("meeting", args=[seed_003_meeting.pk])).content.decode()

    assert "9 approved for closure and 2 declined, of 11 presented" in page
    assert "Women &amp; Children" in page
    assert "By department or division" in page and "By finding kind" in page


def test_decisions_taken_after_presenting_are_linked_to_the_meeting(plan, pmo, reviewer):
    closure = _closure(plan, "M1", "Medicine", FindingKind.MUST)
    meeting = services.meeting_record(name="EAG", held_on=SEPT_6, closures=[closure], by=pmo)

    services.closure_approve(closure=closure, by=reviewer)

    assert SignOff.objects.get().meeting == meeting


def test_pmo_records_a_meeting_through_the_page(client, plan, pmo):
    closure = _closure(plan, "M1", "Medicine", FindingKind.MUST)
    client.force_login(pmo)

    response = client.post(
        reverse("meeting_create"),
        {"name": "Evidence Assurance Group", "held_on": "06/09/2026", "closures": [closure.pk]},
    )

    meeting = AssuranceMeeting.objects.get()
    assert response["Location"] == meeting.get_absolute_url()
    assert (meeting.held_on, list(meeting.presented.all())) == (SEPT_6, [closure])


@pytest.mark.parametrize("who", ["reviewer", "exec", "lead", "board"])
def test_only_the_pmo_records_meetings(client, action, reviewer, board, who):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=who))

    response = client.post(reverse("meeting_create"), {"name": "x", "held_on": "06/09/2026"})

    assert response.status_code == 403
    assert not AssuranceMeeting.objects.exists()


def test_a_meeting_needs_a_name_and_a_real_date(client, pmo):
    client.force_login(pmo)

    response = client.post(reverse("meeting_create"), {"name": "", "held_on": "31/02/2026"})

    assert response.status_code == 422
    assert "Enter the meeting" in response.content.decode()
    assert "must be a real date" in response.content.decode()


def test_the_pmo_adds_closures_to_a_meeting_later(client, plan, pmo):
    meeting = services.meeting_record(name="EAG", held_on=SEPT_6, closures=[], by=pmo)
    closure = _closure(plan, "S1", "Surgery", FindingKind.SHOULD)
    client.force_login(pmo)

    client.post(reverse("meeting_present", args=[meeting.pk]), {"closures": [closure.pk]})

    assert list(meeting.presented.all()) == [closure]


def test_decisions_from_the_meeting_page_carry_the_meeting(client, plan, pmo, reviewer):
    closure = _closure(plan, "S1", "Surgery", FindingKind.SHOULD)
    meeting = services.meeting_record(name="EAG", held_on=SEPT_6, closures=[closure], by=pmo)
    client.force_login(reviewer)
    page = client.get(reverse("meeting", args=[meeting.pk])).content.decode()
    assert f'name="meeting" value="{meeting.pk}"' in page

    client.post(
        reverse("closure_decline", args=[closure.pk]),
        {"reason": "Not embedded", "meeting": meeting.pk, "next": meeting.get_absolute_url()},
    )

    assert SignOff.objects.get().meeting == meeting
