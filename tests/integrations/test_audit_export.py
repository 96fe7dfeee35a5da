"""The PMO's audit export: history, plan events, sign-offs and change requests for a date
range, as CSV and Excel, reading like the action page and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.urls import reverse

from actions import baseline, history
from actions.models import ChangeRequest, HistoryEntry, PlanEvent, Role, Status
from evidence.models import ClosureRequest, SignOff
from integrations.audit_export import AuditRange, audit_rows
from tests.factories import ActionFactory, UserFactory
from tests.reporting.conftest import week

LONDON = ZoneInfo("Europe/London")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def record(action, actor, when, *, kind=HistoryEntry.Kind.CHANGED, changes=None, note=""):
    return HistoryEntry.objects.create(
        action=action,
        actor=actor,
        actor_name=actor.get_full_name(),
        at=when,
        kind=kind,
        version=1,
        changes=changes or {},
        note=note,
    )


def url(plan, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("audit_export", args=[plan.pk]) + (f"?{query}" if query else "")


@pytest.fixture
def recorded(plan, action, lead, pmo):
    """A plan with a history entry, a plan event and a sign-off in July 2026."""
    lead.first_name, lead.last_name = "Ann", "Lead"
    lead.save()
    record(
        action,
        lead,
        at(2026, 7, 10, 9, 0),
        kind=HistoryEntry.Kind.UPDATE_SAVED,
        changes={
            history.UPDATE_STATUS: history.change(Status.GREEN, Status.AMBER),
            history.NARRATIVE: history.change("", '=HYPERLINK("http://evil.example","x")'),
        },
    )
    # Renamed since: the record keeps the name she had when she made the change.
    lead.last_name = "Married-Name"
    lead.save()
    PlanEvent.objects.create(
        plan=plan,
        actor=pmo,
        at=at(2026, 7, 11, 8, 0),
        kind=PlanEvent.Kind.LOCKED_EARLY,
        detail="Locked before the board",
    )
    reviewer = UserFactory(username="reviewer", first_name="Rita", last_name="Reviewer")
    closure = ClosureRequest.objects.create(
        action=action,
        summary="Done",
        requested_by=lead,
        requested_at=at(2026, 7, 12, 9, 0),
        previous_status=Status.GREEN,
        state=ClosureRequest.State.DECLINED,
    )
    SignOff.objects.create(
        closure=closure,
        decision=SignOff.Decision.DECLINED,
        reason="@SUM(1+1) one ward only",
        decided_by=reviewer,
        decided_at=at(2026, 7, 13, 14, 0),
    )
    return plan


def audit(plan, start=dt.date(2026, 7, 1), end=dt.date(2026, 7, 31)):
    return AuditRange(plan=plan, start=start, end=end)


def test_pmo_sees_the_audit_export_page(client, pmo, plan):
    client.force_login(pmo)
    response = client.get(url(plan))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Download Excel" in page
    assert page.count("<form") == 2  # the sign-out form and ours: the fields not in another
    assert "csrfmiddlewaretoken" not in page.split("<h1>")[1]  # a GET form, nothing to forge


@pytest.mark.parametrize("role", [Role.ACTION_LEAD, Role.EXEC_LEAD, Role.REVIEWER, Role.BOARD])
def test_only_the_pmo_may_export_the_record(client, plan, role):
    client.force_login(UserFactory(username="someone", roles=[role]))
    assert client.get(url(plan)).status_code == 403
    params = {"start": "01/07/2026", "end": "31/07/2026", "format": "csv"}
    assert client.get(url(plan, **params)).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, plan):
    response = client.get(url(plan))
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("31/07/2026", "01/07/2026", "must be the same as or after the from date"),
        ("01/01/2020", "31/07/2026", "at most 3 years"),
        ("32/07/2026", "31/07/2026", "must be a real date"),
        ("", "31/07/2026", "Enter the from date"),
    ],
)
def test_a_bad_range_is_explained_in_the_error_summary(client, pmo, plan, start, end, message):
    client.force_login(pmo)
    response = client.get(url(plan, start=start, end=end, format="xlsx"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page


def test_csv_reads_like_the_action_page_and_neutralises_formulas(client, pmo, recorded, caplog):
    client.force_login(pmo)
    with caplog.at_level(logging.INFO, logger="integrations.views"):
        response = client.get(url(recorded, start="01/07/2026", end="31/07/2026", format="csv"))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-audit-2026-07-01-to-2026-07-31.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Source", "When (UK time)", "When (UTC)"]
    by_field = {r[6]: r for r in rows[1:]}
    status = by_field["update status"]
    assert status[1:3] == ["10/07/2026 09:00", "2026-07-10T08:00:00Z"]
    assert status[4:6] == ["T3", "Weekly update saved"]
    assert status[7:10] == ["Green", "Amber", "Ann Lead"]  # the name at the time
    assert by_field["narrative"][8] == '\'=HYPERLINK("http://evil.example","x")'
    assert [r[0] for r in rows[1:]] == ["History", "History", "Plan events", "Sign-offs"]
    assert rows[4][-1] == "'@SUM(1+1) one ward only"
    (logged,) = [r for r in caplog.records if getattr(r, "event", "") == "audit_export"]
    assert (logged.user_id, logged.plan_id) == (pmo.pk, recorded.pk)
    assert (getattr(logged, "from"), logged.to) == ("2026-07-01", "2026-07-31")


def test_excel_has_a_sheet_per_source_with_frozen_headers(client, pmo, recorded):
    client.force_login(pmo)
    response = client.get(url(recorded, start="01/07/2026", end="31/07/2026", format="xlsx"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["History", "Plan events", "Sign-offs", "Change requests"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].value == "When (UK time)"
        assert sheet.column_dimensions["J"].width == 50
    hist = {row[5]: row for row in book["History"].iter_rows(min_row=2, values_only=True)}
    assert hist["update status"][0] == dt.datetime(2026, 7, 10, 9, 0)
    assert hist["update status"][6:9] == ("Green", "Amber", "Ann Lead")
    (narrative,) = [
        row[7] for row in book["History"].iter_rows(min_row=2) if row[5].value == "narrative"
    ]
    assert narrative.data_type == "s" and narrative.quotePrefix
    assert narrative.value == '=HYPERLINK("http://evil.example","x")'
    event = next(book["Plan events"].iter_rows(min_row=2, values_only=True))
    assert (event[4], event[9]) == ("Locked early", "Locked before the board")
    sign_off = book["Sign-offs"]["J2"]
    assert sign_off.value == "@SUM(1+1) one ward only" and sign_off.quotePrefix
    assert book["Sign-offs"]["I2"].value == "Rita Reviewer"
    assert book["Sign-offs"]["H2"].value == "Declined"


def test_a_change_late_on_the_last_day_in_summer_time_is_included(plan, action, lead):
    """23:30 on 31 July in London is 22:30 UTC: inside the range, not the next day's."""
    record(action, lead, at(2026, 7, 31, 23, 30), note="late")
    record(action, lead, at(2026, 8, 1, 0, 0), note="next day")
    record(action, lead, at(2026, 7, 1, 0, 0), note="first minute")
    record(action, lead, at(2026, 6, 30, 23, 59), note="day before")
    notes = [row[-1] for row in audit_rows(audit(plan))["History"]]
    assert notes == ["first minute", "late"]


def test_the_export_takes_four_queries_however_many_rows(plan, lead, django_assert_num_queries):
    """History, plan events, sign-offs and change requests: one query each, no query per row
    (N+1)."""
    actions = [ActionFactory(plan=plan, ref=f"R{i}", action_lead=lead) for i in range(5)]
    when = at(2026, 7, 10, 9, 0)
    HistoryEntry.objects.bulk_create(
        HistoryEntry(
            action=actions[i % 5],
            actor=lead,
            actor_name="Ann Lead",
            at=when + dt.timedelta(minutes=i),
            kind=HistoryEntry.Kind.CHANGED,
            version=1,
            changes={history.STATUS: history.change(Status.GREEN, Status.AMBER)},
        )
        for i in range(500)
    )
    period = week(plan, dt.date(2026, 7, 8))
    for _ in range(20):
        PlanEvent.objects.create(
            plan=plan, period=period, actor=lead, at=when, kind=PlanEvent.Kind.LOCKED_EARLY
        )
    for action in actions:
        closure = ClosureRequest.objects.create(
            action=action,
            summary="Done",
            requested_by=lead,
            requested_at=when,
            previous_status=Status.GREEN,
            state=ClosureRequest.State.APPROVED,
        )
        SignOff.objects.create(
            closure=closure, decision=SignOff.Decision.APPROVED, decided_by=lead, decided_at=when
        )
        ChangeRequest.objects.create(
            action=action,
            kind=ChangeRequest.Kind.END_DATE,
            current_end_date=dt.date(2026, 7, 31),
            proposed_end_date=dt.date(2026, 9, 30),
            reason="Waiting for the new rota",
            requested_by=lead,
            requested_by_name="Ann Lead",
            requested_at=when,
        )
    with django_assert_num_queries(4):
        rows = audit_rows(audit(plan))
    assert len(rows["History"]) == 500
    assert rows["Plan events"][0][7] == "Week ending Wed 8 Jul 2026"
    assert len(rows["Sign-offs"]) == 5
    assert [r[3] for r in rows["Change requests"]] == ["R0", "R1", "R2", "R3", "R4"]


def test_change_requests_and_baselines_read_as_the_action_page_shows_them(plan, action, lead, pmo):
    """Raised, approved, refused and withdrawn, each with who, when, from and to, the reason
    and the decision; the baseline taken is a plan event."""
    lead.first_name, lead.last_name = "Ann", "Lead"
    lead.save()
    pmo.first_name, pmo.last_name = "Pat", "Office"
    pmo.save()
    baseline.baseline_take(plan=plan, by=pmo, reason="Approved by the board", now=at(2026, 7, 1, 9))
    (moved,) = baseline.change_request_raise(
        action=action,
        by=lead,
        reason="Rota not agreed until August",
        proposed_end_date=dt.date(2027, 3, 31),
        now=at(2026, 7, 6, 10),
    )
    baseline.change_request_approve(
        request=moved, by=pmo, note="Agreed at EIB", now=at(2026, 7, 8, 14)
    )
    (scope,) = baseline.change_request_raise(
        action=action,
        by=lead,
        reason="Only one ward can start",
        proposed_requirement="Train the staff of ward 1.",
        now=at(2026, 7, 9, 10),
    )
    baseline.change_request_refuse(
        request=scope, by=pmo, note="The finding covers every ward", now=at(2026, 7, 10, 11)
    )
    (again,) = baseline.change_request_raise(
        action=action,
        by=lead,
        reason="Still short",
        proposed_end_date=dt.date(2027, 6, 30),
        now=at(2026, 7, 20, 9),
    )
    baseline.change_request_withdraw(request=again, by=lead, now=at(2026, 8, 3, 9))

    rows = audit_rows(audit(plan))

    assert [r[2:] for r in rows["Change requests"]] == [
        [
            plan.name,
            "T3",
            "Change requested",
            "end date",
            "31/12/2026",
            "31/03/2027",
            "Ann Lead",
            "Reason: Rota not agreed until August",
        ],
        [
            plan.name,
            "T3",
            "Change approved",
            "end date",
            "31/12/2026",
            "31/03/2027",
            "Pat Office",
            "Decision: Agreed at EIB Reason given: Rota not agreed until August",
        ],
        [
            plan.name,
            "T3",
            "Change requested",
            "requirement and actions",
            "The Trust must ensure that risks are recorded and mitigated.",
            "Train the staff of ward 1.",
            "Ann Lead",
            "Reason: Only one ward can start",
        ],
        [
            plan.name,
            "T3",
            "Change refused",
            "requirement and actions",
            "The Trust must ensure that risks are recorded and mitigated.",
            "Train the staff of ward 1.",
            "Pat Office",
            "Decision: The finding covers every ward Reason given: Only one ward can start",
        ],
        # Withdrawn on 3 August: after the range, so only its raising is in July's record.
        [
            plan.name,
            "T3",
            "Change requested",
            "end date",
            "31/03/2027",
            "30/06/2027",
            "Ann Lead",
            "Reason: Still short",
        ],
    ]
    assert rows["Change requests"][0][:2] == [dt.datetime(2026, 7, 6, 10), "2026-07-06T09:00:00Z"]
    (event,) = rows["Plan events"]
    assert event[4] == "Plan approved and baselined"
    assert event[8] == "Pat Office"
    assert event[9].endswith("1 action. Approved by the board")
    # The action's history has the same story: the approval's change in its own field.
    approved = [r for r in rows["History"] if r[4] == "Change approved"]
    assert [r[5:8] for r in approved] == [["end date", "31/12/2026", "31/03/2027"]]

    august = audit_rows(audit(plan, dt.date(2026, 8, 1), dt.date(2026, 8, 31)))
    assert [r[4:9] for r in august["Change requests"]] == [
        ["Change request withdrawn", "end date", "31/03/2027", "30/06/2027", "Ann Lead"]
    ]
