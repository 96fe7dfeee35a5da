"""A new plan year: open actions carry over with everything on them; the old plan closes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from actions import services
from actions.carry_over import plan_year
from actions.importer import plan_import
from actions.models import (
    Action,
    CarryOver,
    Finding,
    FindingKind,
    HistoryEntry,
    PeriodSnapshot,
    Plan,
    PlanEvent,
    ReportingPeriod,
    Status,
    WeeklyUpdate,
)
from evidence import services as evidence_services
from evidence.models import ClosureRequest, ClosureSettings, Evidence
from reporting import services as reporting_services
from reporting.content import report_content
from reporting.models import DistributionEntry, ExceptionReport, ReportSettings
from tests.factories import (
    RECOVERY,
    ActionFactory,
    ExecRoleFactory,
    InspectionFactory,
    PlanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
WEEK_1 = dt.datetime(2026, 1, 12, 9, 0, tzinfo=LONDON)  # Monday; locks Wed 14 Jan 12:00
WEEK_2 = dt.datetime(2026, 1, 19, 9, 0, tzinfo=LONDON)  # Monday; locks Wed 21 Jan 12:00
CARRY_DAY = dt.datetime(2026, 1, 20, 10, 0, tzinfo=LONDON)  # Tuesday of week 2


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer", roles=["Assurance reviewer"])


@pytest.fixture
def exec_lead(db):
    return UserFactory(username="exec", roles=["Executive lead"])


@pytest.fixture
def old_plan(db):
    return PlanFactory(
        name="IQIP 2020/21", cycle_starts_on=dt.date(2026, 1, 1), inspection=InspectionFactory()
    )


@pytest.fixture
def year(old_plan, lead, other_lead, pmo, reviewer, exec_lead, tmp_path, settings):
    """Two weeks of a plan: updates, a lock and its report, evidence, closures, findings."""
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    finding = Finding.objects.create(
        inspection=old_plan.inspection, ref="M1", kind=FindingKind.MUST, text="Train staff."
    )
    dwod = ExecRoleFactory(code="DWOD", holder=exec_lead)
    md = ExecRoleFactory(code="MD")
    t1 = ActionFactory(plan=old_plan, ref="T1", theme="Training", action_lead=lead)
    t2 = ActionFactory(plan=old_plan, ref="T2", theme="Training", action_lead=other_lead)
    g1 = ActionFactory(plan=old_plan, ref="G1", theme="Governance", action_lead=lead)
    d1 = ActionFactory(plan=old_plan, ref="D1", theme="Dementia", action_lead=lead)
    done = ActionFactory(
        plan=old_plan, ref="G2", theme="Governance", action_lead=other_lead, status=Status.GREEN
    )
    for a in (t1, t2, g1, d1, done):
        a.exec_roles.set([dwod, md] if a.ref == "T1" else [dwod])
    t1.findings.set([finding])
    done.findings.set([finding])
    ReportSettings.objects.create(plan=old_plan, oversight_group="IPAG")
    DistributionEntry.objects.create(
        plan=old_plan, name="Dana Exec", email="dana@trust.example.nhs.uk", added_at=WEEK_1
    )
    ClosureSettings.objects.create(plan=old_plan, peer_inspection_required=False)

    with time_machine.travel(WEEK_1, tick=False):
        week_1 = services.period_current_row(plan=old_plan)
        for a in (t1, t2, g1, d1, done):
            services.update_submit(
                action=a,
                period=week_1,
                author=a.action_lead,
                status=Status.AMBER if a.ref == "T2" else Status.GREEN,
                narrative=f"{a.ref}: on plan",
            )
        note = evidence_services.evidence_add(
            action=t1, by=lead, kind="note", description="Register", note="All trained"
        )
        done_note = evidence_services.evidence_add(
            action=done, by=other_lead, kind="note", description="Audit", note="Passed"
        )
        evidence_services.closure_request(
            action=t1, by=lead, summary="Everyone trained", evidence=[note]
        )
        done_closure = evidence_services.closure_request(
            action=done, by=other_lead, summary="Audit passed", evidence=[done_note]
        )
        evidence_services.closure_approve(closure=done_closure, by=reviewer)
    with time_machine.travel(WEEK_2, tick=False):
        services.plan_lock_due(plan=old_plan)
        week_1.refresh_from_db()
        report = reporting_services.report_build(period=week_1)
        week_2 = services.period_current_row(plan=old_plan)
        services.update_submit(
            recovery=RECOVERY,
            action=g1,
            period=week_2,
            author=lead,
            status=Status.RED,
            narrative="Slipping",
        )
    done.refresh_from_db()
    assert done.status == Status.BLUE
    return {
        "open": [t1, t2, g1, d1],
        "done": done,
        "week_1": week_1,
        "week_2": week_2,
        "report": report,
        "finding": finding,
    }


def carry(plan, by, **kwargs):
    kwargs.setdefault("name", "IQIP 2021/22")
    kwargs.setdefault("cycle_starts_on", dt.date(2026, 1, 21))
    with time_machine.travel(CARRY_DAY, tick=False):
        return plan_year.plan_carry_over(plan=plan, by=by, **kwargs)


def snapshot_of(action: Action) -> dict:
    """Everything that travels with an action, by ids and values, read from the database."""
    action = Action.objects.get(pk=action.pk)
    return {
        "lead": action.action_lead_id,
        "ref": action.ref,
        "requirement": action.requirement,
        "status": action.status,
        "exec_roles": sorted(action.exec_roles.values_list("code", flat=True)),
        "findings": sorted(action.findings.values_list("pk", flat=True)),
        "updates": sorted(
            WeeklyUpdate.objects.filter(action=action).values_list(
                "pk", "period_id", "status", "narrative"
            )
        ),
        "history": sorted(
            HistoryEntry.objects.filter(action=action).values_list("pk", "kind", "note")
        ),
        "evidence": sorted(Evidence.objects.filter(action=action).values_list("pk", "description")),
        "closures": sorted(ClosureRequest.objects.filter(action=action).values_list("pk", "state")),
    }


# The carry-over -------------------------------------------------------------------------


def test_every_open_action_moves_with_its_updates_history_evidence_and_findings(
    year, old_plan, pmo
):
    before = {a.pk: snapshot_of(a) for a in year["open"]}

    record = carry(old_plan, pmo, themes={"Training": "Workforce"})

    new_plan = record.to_plan
    assert set(new_plan.actions.values_list("pk", flat=True)) == set(before)
    for action in Action.objects.filter(pk__in=before):
        after = snapshot_of(action)
        carried_entry = after["history"].pop()  # the newest id: the carry-over's own entry
        assert carried_entry[1] == HistoryEntry.Kind.CHANGED
        assert "Carried, still open, from IQIP 2020/21" in carried_entry[2]
        assert after == before[action.pk]
        assert action.plan == new_plan
        assert action.carried_from == old_plan
    assert Action.objects.get(ref="T1", plan=new_plan).findings.get() == year["finding"]


def test_closed_actions_stay_in_the_old_plan_untouched(year, old_plan, pmo):
    done = year["done"]
    before = snapshot_of(done)
    version = done.version

    carry(old_plan, pmo)

    done.refresh_from_db()
    assert done.plan == old_plan
    assert done.carried_from is None
    assert done.version == version
    assert snapshot_of(done) == before
    assert list(old_plan.actions.values_list("ref", flat=True)) == ["G2"]


def test_themes_are_realigned_on_the_way_with_history(year, old_plan, pmo):
    record = carry(old_plan, pmo, themes={"Training": "Workforce", "Governance": " "})

    themes = dict(record.to_plan.actions.values_list("ref", "theme"))
    assert themes == {"T1": "Workforce", "T2": "Workforce", "G1": "Governance", "D1": "Dementia"}
    entry = HistoryEntry.objects.filter(action__ref="T1").order_by("-id").first()
    assert entry.changes["theme"] == ["Training", "Workforce"]
    assert entry.changes["plan"] == [
        {"id": old_plan.pk, "name": "IQIP 2020/21"},
        {"id": record.to_plan.pk, "name": "IQIP 2021/22"},
    ]
    assert year["done"].theme == "Governance"  # the closed action keeps its theme
    assert record.themes == {"Training": "Workforce"}
    assert record.counts["themes_changed"] == 2


def test_counts_before_and_after_add_up(year, old_plan, pmo):
    preview = plan_year.carry_over_preview(plan=old_plan)
    assert preview.open["actions"] == 4
    assert preview.closed["actions"] == 1

    record = carry(old_plan, pmo)

    counts = record.counts
    for key in plan_year.TALLIES:
        assert counts["before"][key] == counts["carried"][key] + counts["kept"][key], key
    assert counts["carried"] == preview.open
    assert counts["kept"] == preview.closed
    # 5 updates in week 1, G1's in week 2; evidence and closures on T1 (open) and G2 (closed)
    assert (counts["carried"]["updates"], counts["kept"]["updates"]) == (5, 1)
    assert (counts["carried"]["evidence"], counts["kept"]["evidence"]) == (1, 1)
    assert (counts["carried"]["closures"], counts["kept"]["closures"]) == (1, 1)
    assert (counts["carried"]["findings"], counts["kept"]["findings"]) == (1, 1)
    assert (counts["carried"]["exec_roles"], counts["kept"]["exec_roles"]) == (5, 1)
    assert counts["history_added"] == 4


def test_the_new_plan_takes_the_old_ones_schedule_and_settings(year, old_plan, pmo):
    old_plan.deadline_weekday = Plan.Weekday.TUESDAY
    old_plan.deadline_time = dt.time(17, 0)
    old_plan.save()

    new_plan = carry(old_plan, pmo).to_plan

    for name in plan_year.COPIED_PLAN_FIELDS:
        assert getattr(new_plan, name) == getattr(old_plan, name), name
    assert new_plan.cycle_starts_on == dt.date(2026, 1, 21)
    assert new_plan.previous == old_plan
    assert new_plan.inspection == old_plan.inspection
    assert new_plan.report_settings.oversight_group == "IPAG"
    assert list(new_plan.distribution_list.values_list("email", flat=True)) == [
        "dana@trust.example.nhs.uk"
    ]
    assert new_plan.closure_settings.peer_inspection_required is False
    assert old_plan.report_settings.oversight_group == "IPAG"  # the old plan keeps its own


def test_the_period_in_progress_locks_so_the_old_plans_last_report_keeps_its_updates(
    year, old_plan, pmo
):
    week_2 = year["week_2"]

    carry(old_plan, pmo)

    week_2.refresh_from_db()
    assert week_2.lock_kind == ReportingPeriod.LockKind.EARLY
    assert "carried into IQIP 2021/22" in week_2.lock_reason
    rows = dict(PeriodSnapshot.objects.filter(period=week_2).values_list("ref", "narrative"))
    assert rows["G1"] == "Slipping"
    assert set(rows) == {"T1", "T2", "G1", "D1", "G2"}  # taken before anything moved
    assert PlanEvent.objects.filter(plan=old_plan, kind=PlanEvent.Kind.LOCKED_EARLY).exists()
    # Its draft report was built while the actions were still in the plan.
    draft = ExceptionReport.objects.get(period=week_2)
    assert "T1" in [c["ref"] for c in draft.content["closures"]["awaiting"]]


def test_the_old_plans_locked_reports_read_as_before(year, old_plan, pmo):
    week_1 = year["week_1"]
    report = year["report"]
    settings = ReportSettings.objects.get(plan=old_plan)
    before = report_content(period=week_1, report_settings=settings, now=CARRY_DAY)

    carry(old_plan, pmo)

    week_1.refresh_from_db()
    after = PeriodSnapshot.objects.filter(period=week_1)
    assert after.count() == 5
    old_plan.refresh_from_db()
    week_1 = ReportingPeriod.objects.select_related("plan").get(pk=week_1.pk)
    rebuilt = report_content(period=week_1, report_settings=settings, now=CARRY_DAY)
    assert rebuilt == before  # closures waiting at the lock included, though T1 has moved
    assert "T1" in [c["ref"] for c in rebuilt["closures"]["awaiting"]]
    assert ExceptionReport.objects.get(pk=report.pk).content == report.content


def test_a_lead_updates_the_carried_action_on_the_new_plan(year, old_plan, pmo, lead):
    new_plan = carry(old_plan, pmo).to_plan
    t1 = Action.objects.select_related("plan").get(ref="T1", plan=new_plan)

    with time_machine.travel(CARRY_DAY + dt.timedelta(hours=1), tick=False):
        period = services.period_current_row(plan=new_plan)
        update = services.update_submit(
            action=t1, period=period, author=lead, status=Status.GREEN, narrative="On plan"
        )

    assert update.period.plan == new_plan
    assert t1.updates.count() == 2  # week 1 of the old plan, and the new plan's first


# The old plan refuses edits -------------------------------------------------------------


def test_the_old_plan_refuses_a_leads_update(year, old_plan, pmo, lead):
    carry(old_plan, pmo)
    g1 = Action.objects.get(ref="G1")

    with time_machine.travel(CARRY_DAY + dt.timedelta(hours=1), tick=False):
        with pytest.raises(services.PlanReadOnly, match="takes no more changes"):
            services.update_submit(
                action=g1,
                period=year["week_2"],
                author=lead,
                status=Status.GREEN,
                narrative="Late",
            )
    assert WeeklyUpdate.objects.get(action=g1, period=year["week_2"]).narrative == "Slipping"


def test_every_write_to_the_old_plan_is_refused(year, old_plan, pmo, lead, reviewer):
    carry(old_plan, pmo)
    old_plan.refresh_from_db()
    done = Action.objects.select_related("plan").get(ref="G2")
    history = HistoryEntry.objects.count()
    now = CARRY_DAY + dt.timedelta(hours=2)
    refused = {
        "action_create": lambda: services.action_create(
            plan=old_plan, by=pmo, ref="N1", kind=FindingKind.MUST, requirement="New", now=now
        ),
        "action_edit": lambda: services.action_edit(
            action=done, by=pmo, base_version=None, theme="Other", now=now
        ),
        "lock": lambda: services.plan_lock_now(plan=old_plan, by=pmo, reason="Again", now=now),
        "late_window": lambda: services.late_window_grant(
            period=ReportingPeriod.objects.select_related("plan").get(pk=year["week_1"].pk),
            lead=lead,
            expires_at=now + dt.timedelta(days=1),
            reason="Away",
            by=pmo,
            now=now,
        ),
        "assign_lead": lambda: services.actions_assign_lead(
            actions=[done], lead=lead, by=pmo, now=now
        ),
        "settings": lambda: services.plan_save(plan=Plan.objects.get(pk=old_plan.pk)),
        "evidence": lambda: evidence_services.evidence_add(
            action=done, by=pmo, kind="note", description="More", note="x", now=now
        ),
        "reopen": lambda: evidence_services.action_reopen(
            action=done, by=pmo, reason="Not embedded", now=now
        ),
        "closure_settings": lambda: evidence_services.closure_settings_save(
            plan=old_plan,
            by=pmo,
            reviewers_sign_off=True,
            exec_lead_signs_off=False,
            pmo_signs_off=False,
            peer_inspection_required=False,
        ),
    }
    for name, write in refused.items():
        with pytest.raises(services.PlanReadOnly, match="takes no more changes"):
            write()
        assert HistoryEntry.objects.count() == history, name
    assert not Action.objects.filter(ref="N1").exists()
    assert old_plan.actions.get().theme == "Governance"


def test_the_old_plan_refuses_an_import_with_the_reason(year, old_plan, pmo):
    carry(old_plan, pmo)
    old_plan.refresh_from_db()
    data = b"Ref.,Must do / should do,Requirement and actions\nN1,Must do,New\n"

    report = plan_import(plan=old_plan, data=data, filename="plan.csv", dry_run=False)

    assert not report.ok
    assert "takes no more changes" in report.errors[0].message
    assert not Action.objects.filter(ref="N1").exists()


def test_the_old_plan_locks_no_more_periods(year, old_plan, pmo):
    carry(old_plan, pmo)
    old_plan.refresh_from_db()
    locked = ReportingPeriod.objects.filter(plan=old_plan, locked_at__isnull=False).count()

    later = CARRY_DAY + dt.timedelta(days=30)
    assert services.plan_lock_due(plan=old_plan, now=later) == []
    services.periods_lock_due(now=later)

    assert ReportingPeriod.objects.filter(plan=old_plan, locked_at__isnull=False).count() == locked


def test_a_closed_plan_cannot_be_carried_over_again(year, old_plan, pmo):
    carry(old_plan, pmo)
    old_plan.refresh_from_db()

    with pytest.raises(services.PlanReadOnly):
        carry(old_plan, pmo, name="IQIP 2022/23")
    assert CarryOver.objects.count() == 1
    assert Plan.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "message"), [("", "Give the new plan year a name"), ("iqip 2020/21", "of its own")]
)
def test_bad_input_saves_nothing(year, old_plan, pmo, name, message):
    with pytest.raises(ValidationError, match=message):
        carry(old_plan, pmo, name=name)

    old_plan.refresh_from_db()
    assert old_plan.closed_at is None
    assert Plan.objects.count() == 1
    assert old_plan.actions.count() == 5


def test_counts_that_do_not_add_up_save_nothing(year, old_plan, pmo, monkeypatch):
    real = plan_year._tally
    calls = []

    def lossy(actions):
        counts = real(actions)
        calls.append(1)
        if len(calls) == 3:  # the first count after the move: one update "lost"
            counts["updates"] -= 1
        return counts

    monkeypatch.setattr(plan_year, "_tally", lossy)

    with pytest.raises(plan_year.CarryOverMismatch):
        carry(old_plan, pmo)

    old_plan.refresh_from_db()
    assert old_plan.closed_at is None
    assert Plan.objects.count() == 1
    assert old_plan.actions.count() == 5
    assert not HistoryEntry.objects.filter(note__startswith="Carried").exists()


# The pages ------------------------------------------------------------------------------


def test_pmo_starts_a_new_year_through_form_confirmation_and_result(client, year, old_plan, pmo):
    client.force_login(pmo)
    url = reverse("plan_year_start", args=[old_plan.pk])
    themes = plan_year.carry_over_preview(plan=old_plan).themes
    training = next(t for t in themes if t.theme == "Training")

    page = client.get(url)
    assert page.status_code == 200
    assert "New theme for “Training”" in page.content.decode()

    data = {
        "name": "IQIP 2021/22",
        "cycle_starts_on": "21/01/2026",
        "inspection": "",
        training.key: "Workforce",
    }
    with time_machine.travel(CARRY_DAY, tick=False):
        confirm = client.post(url, data)
    text = confirm.content.decode()
    assert confirm.status_code == 200
    assert "Check before starting IQIP 2021/22" in text
    assert 'Open actions carried over</dt><dd class="nhsuk-summary-list__value">4' in text
    assert "Workforce" in text
    assert not CarryOver.objects.exists()  # nothing happens until confirmed

    with time_machine.travel(CARRY_DAY, tick=False):
        done = client.post(url, {**data, "confirm": "1"})
    record = CarryOver.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("plan_year_result", args=[record.pk])
    with time_machine.travel(CARRY_DAY, tick=False):
        result = client.get(done["Location"])
    assert result.status_code == 200, result
    result = result.content.decode()
    assert "IQIP 2021/22 started from IQIP 2020/21" in result
    assert "Counts before and after" in result
    assert record.to_plan.actions.filter(theme="Workforce").count() == 2


def test_the_form_shows_errors_and_saves_nothing(client, year, old_plan, pmo):
    client.force_login(pmo)

    page = client.post(
        reverse("plan_year_start", args=[old_plan.pk]),
        {"name": "", "cycle_starts_on": "31/02/2026", "confirm": "1"},
    )

    assert page.status_code == 422
    assert "Give the new plan year a name" in page.content.decode()
    assert "must be a real date" in page.content.decode()
    assert not CarryOver.objects.exists()


@pytest.mark.parametrize("who", ["lead", "board", "reviewer"])
def test_only_the_pmo_may_start_a_new_year(client, year, old_plan, who, request):
    client.force_login(request.getfixturevalue(who))
    url = reverse("plan_year_start", args=[old_plan.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "X", "cycle_starts_on": "21/01/2026"}).status_code == 403
    assert not CarryOver.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, old_plan):
    response = client.get(reverse("plan_year_start", args=[old_plan.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_result_is_for_plan_readers_only(client, year, old_plan, pmo, board, lead):
    record = carry(old_plan, pmo)
    url = reverse("plan_year_result", args=[record.pk])
    client.force_login(board)
    assert client.get(url).status_code == 200
    client.force_login(lead)
    assert client.get(url).status_code == 403


def test_the_old_plan_page_says_it_is_closed_and_offers_no_edits(client, year, old_plan, pmo):
    record = carry(old_plan, pmo)
    client.force_login(pmo)

    with time_machine.travel(CARRY_DAY + dt.timedelta(hours=1), tick=False):
        old_page = client.get(reverse("plan", args=[old_plan.pk])).content.decode()
        new_page = client.get(reverse("plan", args=[record.to_plan.pk])).content.decode()

    assert "this plan is read-only" in old_page
    assert reverse("plan", args=[record.to_plan.pk]) in old_page
    assert "Lock plan now" not in old_page
    assert reverse("plan_year_start", args=[old_plan.pk]) not in old_page
    assert reverse("action_create", args=[old_plan.pk]) not in old_page
    assert "Carried on from the previous plan year" in new_page
    assert reverse("plan_year_start", args=[record.to_plan.pk]) in new_page
    assert "Lock plan now" in new_page


def test_the_lock_button_on_a_closed_plan_is_refused_with_the_reason(client, year, old_plan, pmo):
    carry(old_plan, pmo)
    client.force_login(pmo)

    response = client.post(
        reverse("plan_lock_now", args=[old_plan.pk]), {"reason": "Again"}, follow=True
    )

    assert "takes no more changes" in response.content.decode()
    assert not PlanEvent.objects.filter(detail="Again").exists()


def test_the_start_page_of_a_closed_plan_goes_to_its_result(client, year, old_plan, pmo):
    record = carry(old_plan, pmo)
    client.force_login(pmo)

    response = client.get(reverse("plan_year_start", args=[old_plan.pk]))

    assert response["Location"] == reverse("plan_year_result", args=[record.pk])


# Races, on the real PostgreSQL -----------------------------------------------------------


@pytest.fixture
def race_week(transactional_db):
    """A plan whose open period ends Wed 14 Jan 2026 12:00; T3 is open, G2 closed."""
    plan = PlanFactory(name="IQIP 2020/21", cycle_starts_on=dt.date(2026, 1, 8))
    lead = UserFactory(username="race-lead", roles=["Action lead"])
    pmo = UserFactory(username="race-pmo", roles=["PMO"])
    action = ActionFactory(plan=plan, action_lead=lead, ref="T3")
    ActionFactory(plan=plan, ref="G2", status=Status.BLUE)
    period = services.period_current_row(plan=plan, now=TUESDAY_RACE)
    return plan, action, period, pmo


TUESDAY_RACE = dt.datetime(2026, 1, 13, 10, 0, tzinfo=LONDON)


def race_save(action, period):
    return lambda: services.update_submit(
        action=action,
        period=period,
        author=action.action_lead,
        status=Status.GREEN,
        narrative="Just in time?",
        now=TUESDAY_RACE,
    )


def race_carry(plan, pmo):
    return lambda: plan_year.plan_carry_over(
        plan=plan,
        name="IQIP 2021/22",
        by=pmo,
        cycle_starts_on=dt.date(2026, 1, 14),
        now=TUESDAY_RACE,
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_save_waiting_on_the_carry_over_is_refused_when_it_commits(race, race_week):
    from tests.races import WAIT, Holder, Worker, blocked_behind

    plan, action, period, pmo = race_week
    carrier = race(Holder(race_carry(plan, pmo)))
    saver = race(Worker(race_save(action, period)))
    blocked_behind(saver, carrier)
    carrier.commit()
    saver.join(WAIT)

    assert carrier.error is None
    assert isinstance(saver.error, services.PlanReadOnly)
    assert not WeeklyUpdate.objects.exists()
    assert Action.objects.get(pk=action.pk).plan.name == "IQIP 2021/22"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_save_committed_before_the_carry_over_moves_with_it_and_is_in_the_last_lock(
    race, race_week
):
    from tests.races import WAIT, Holder, Worker, blocked_behind

    plan, action, period, pmo = race_week
    saver = race(Holder(race_save(action, period)))
    carrier = race(Worker(race_carry(plan, pmo)))
    blocked_behind(carrier, saver)
    saver.commit()
    carrier.join(WAIT)

    assert saver.error is None
    assert carrier.error is None
    update = WeeklyUpdate.objects.select_related("action__plan").get()
    assert update.action.plan.name == "IQIP 2021/22"
    period.refresh_from_db()
    assert period.lock_kind == ReportingPeriod.LockKind.EARLY
    snapshot = PeriodSnapshot.objects.get(period=period, action=action)
    assert (snapshot.updated, snapshot.narrative) == (True, "Just in time?")
    assert carrier.result.counts["carried"]["updates"] == 1
