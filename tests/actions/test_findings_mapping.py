"""Mapping a new report's findings onto the open actions of a plan (seed 001: 19 of 36).

Most tests put a stand-in for the suggestion engine in place, so they say what the page
does with suggestions; one runs the real engine, offline, on a small plan.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from actions.inspections import mapping
from actions.inspections import suggestions as suggest
from actions.models import (
    Action,
    Finding,
    FindingKind,
    HistoryEntry,
    RaisedAction,
    Status,
)
from tests.factories import ActionFactory, InspectionFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def inspection(db):
    return InspectionFactory(published_on=dt.date(2020, 12, 17))


@pytest.fixture
def plan(db):
    return PlanFactory(name="IQIP 2020/21")


@pytest.fixture
def training(plan):
    return ActionFactory(
        plan=plan,
        ref="T3",
        theme="Mandatory Training",
        requirement="Improve mandatory training compliance to the trust target in all staff "
        "groups.",
    )


@pytest.fixture
def records(plan):
    return ActionFactory(
        plan=plan,
        ref="R1",
        theme="Record Keeping",
        requirement="Staff store patient records securely on every ward; monthly audit.",
    )


@pytest.fixture
def closed(plan):
    return ActionFactory(
        plan=plan,
        ref="W9",
        theme="Workforce",
        status=Status.BLUE,
        requirement="Recruit to the vacant radiographer posts.",
    )


def finding(inspection, ref: str, text: str, kind=FindingKind.SHOULD, **extra) -> Finding:
    return Finding.objects.create(inspection=inspection, ref=ref, kind=kind, text=text, **extra)


@pytest.fixture
def three_findings(inspection):
    return [
        finding(
            inspection,
            "M1",
            "The trust must ensure that anaesthetists complete PROMPT training.",
            kind=FindingKind.MUST,
            core_service="Maternity",
        ),
        finding(inspection, "S2", "The trust should ensure staff store patient records securely."),
        finding(inspection, "S10", "The service should continue to work on the culture."),
    ]


class FakeEngine:
    """Scores every open action by shared words; records each call the page makes."""

    def __init__(self):
        self.calls: list[tuple[list[str], list[str]]] = []

    def __call__(self, *, texts, actions, top=3):
        self.calls.append((list(texts), [a.ref for a in actions]))
        ranked = []
        for text in texts:
            words = set(re.findall(r"[a-z]+", text.lower()))
            scored = [
                suggest.Suggestion(
                    action=a,
                    score=len(words & set(re.findall(r"[a-z]+", a.requirement.lower()))) / 10,
                )
                for a in actions
            ]
            ranked.append(sorted(scored, key=lambda s: -s.score)[:top])
        return ranked


@pytest.fixture
def engine(monkeypatch):
    fake = FakeEngine()
    monkeypatch.setattr(suggest, "suggestions_for", fake)
    return fake


def mapping_url(inspection, plan) -> str:
    return reverse("finding_mapping", args=[inspection.pk]) + f"?plan={plan.pk}"


# The mapping page -------------------------------------------------------------------------


def test_the_page_suggests_open_actions_for_every_finding_in_one_call(
    client, pmo, inspection, plan, training, records, closed, three_findings, engine
):
    client.force_login(pmo)
    response = client.get(mapping_url(inspection, plan))
    assert response.status_code == 200
    # One batch for the whole page: every finding's text, the plan's open actions only.
    assert engine.calls == [([f.text for f in three_findings], ["R1", "T3"])]
    rows = {row.finding.ref: row for row in response.context["rows"]}
    assert list(rows) == ["M1", "S2", "S10"]  # musts first; S2 before S10
    assert rows["S2"].suggestions[0].action == records
    text = response.content.decode()
    assert 'Link<span class="nhsuk-u-visually-hidden"> finding S2 to</span> R1' in text
    # A completed action is never suggested (matched as a link's text, not inside a token).
    assert all(s.action != closed for row in rows.values() for s in row.suggestions)
    assert "</span> W9" not in text
    assert "0.50" in text  # S2 shares five words with R1: the score is shown


def test_the_mapping_page_reads_in_a_fixed_number_of_queries(
    client,
    pmo,
    inspection,
    plan,
    training,
    records,
    three_findings,
    engine,
    django_assert_num_queries,
):
    """However many findings and links: no query per finding for its actions or raising."""
    for f in three_findings:
        mapping.finding_link(finding=f, action=training, by=pmo)
    client.force_login(pmo)
    url = mapping_url(inspection, plan)
    # user, roles, the header's menu, the inspection, the plan, the state of both and the
    # number of open actions (the page cache's fingerprint), findings, their links to the
    # plan's actions (with how each was raised), the open actions' texts (the rankings'
    # fingerprint), the suggested actions, the plan menu; and, as no ranking is stored yet
    # (no worker here), the open actions to rank them against. (A page already rendered for
    # this state is served from the cache in fewer: test_findings_mapping_pages.)
    with django_assert_num_queries(12):
        client.get(url)
    for n in range(20):
        mapping.finding_link(
            finding=finding(inspection, f"S{20 + n}", "Another finding"), action=records, by=pmo
        )
    with django_assert_num_queries(12):
        assert len(client.get(url).context["rows"]) == 23


def test_the_real_engine_puts_the_answering_action_first_offline(
    inspection, plan, training, records, three_findings
):
    rows = mapping.mapping_rows(inspection=inspection, plan=plan)
    problem = mapping.suggestions_attach(rows, plan)
    assert problem == ""
    by_ref = {row.finding.ref: row for row in rows}
    assert by_ref["S2"].suggestions[0].action == records
    assert by_ref["S2"].suggestions[0].score > by_ref["S2"].suggestions[1].score
    assert -1.0 <= by_ref["M1"].suggestions[0].score <= 1.0


# Linking ----------------------------------------------------------------------------------


def test_pmo_links_a_finding_to_a_suggested_action_with_htmx(
    client, pmo, inspection, plan, training, records, three_findings, engine
):
    s2 = three_findings[1]
    client.force_login(pmo)
    response = client.post(
        reverse("finding_link", args=[s2.pk]),
        {"plan": plan.pk, "action": records.pk},
        headers=HTMX,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert f'id="finding-{s2.pk}"' in text
    assert "Finding S2 linked to R1." in text
    assert "Answered by an open action" in text
    assert 'id="mapping-summary" hx-swap-oob="true"' in text
    assert "1 is answered by open actions already in the plan" in text
    assert list(records.findings.all()) == [s2]
    entry = HistoryEntry.objects.get(action=records, kind=HistoryEntry.Kind.CHANGED)
    assert entry.actor == pmo
    assert entry.changes == {"findings": [[], ["S2"]]}
    assert entry.note.startswith("Answers finding S2 of ")

    # Linking again changes nothing; unlinking takes it off, on the record.
    client.post(reverse("finding_link", args=[s2.pk]), {"plan": plan.pk, "action": records.pk})
    assert HistoryEntry.objects.filter(action=records, kind=HistoryEntry.Kind.CHANGED).count() == 1
    response = client.post(
        reverse("finding_unlink", args=[s2.pk]), {"plan": plan.pk, "action": records.pk}
    )
    assert response.status_code == 302
    assert response.url == mapping_url(inspection, plan) + f"#finding-{s2.pk}"
    assert not records.findings.exists()


def test_pmo_links_by_ref_and_an_unknown_ref_is_explained(
    client, pmo, inspection, plan, training, three_findings, engine
):
    m1 = three_findings[0]
    client.force_login(pmo)
    response = client.post(
        reverse("finding_link", args=[m1.pk]), {"plan": plan.pk, "ref": "t3"}, headers=HTMX
    )
    assert "Finding M1 linked to T3." in response.content.decode()
    assert list(training.findings.all()) == [m1]
    response = client.post(
        reverse("finding_link", args=[m1.pk]), {"plan": plan.pk, "ref": "Z99"}, headers=HTMX
    )
    assert "IQIP 2020/21 has no action Z99." in response.content.decode()


def test_a_completed_action_cannot_take_a_new_finding(
    client, pmo, inspection, plan, closed, three_findings, engine
):
    client.force_login(pmo)
    response = client.post(
        reverse("finding_link", args=[three_findings[0].pk]),
        {"plan": plan.pk, "action": closed.pk},
        headers=HTMX,
    )
    assert "W9 is complete (Blue): raise a new action for this finding instead." in (
        response.content.decode()
    )
    assert not closed.findings.exists()
    assert not HistoryEntry.objects.filter(action=closed).exists()


def test_an_action_of_another_plan_cannot_be_linked_through_this_one(
    client, pmo, inspection, plan, three_findings, engine
):
    elsewhere = ActionFactory(ref="X1")
    client.force_login(pmo)
    client.post(
        reverse("finding_link", args=[three_findings[0].pk]),
        {"plan": plan.pk, "action": elsewhere.pk},
    )
    assert not elsewhere.findings.exists()


# Raising a new action ---------------------------------------------------------------------


def test_pmo_raises_a_new_action_prefilled_from_the_finding(
    client, pmo, inspection, plan, training, three_findings, engine
):
    m1 = three_findings[0]
    ActionFactory(plan=plan, ref="M1")  # the plan already uses M1: the form offers M1/2020
    client.force_login(pmo)
    url = reverse("finding_raise", args=[m1.pk]) + f"?plan={plan.pk}"
    page = client.get(url)
    form = page.context["form"]
    assert form["ref"].value() == "M1/2020"
    assert form["kind"].value() == FindingKind.MUST
    assert form["department"].value() == "Maternity"
    assert form["requirement"].value() == m1.text
    assert form["status"].value() == Status.WHITE

    data = {
        "ref": "M1/2020",
        "theme": "Mandatory Training",
        "department": "Maternity",
        "kind": FindingKind.MUST,
        "requirement": m1.text,
        "action_lead": "",
        "start_date": "",
        "end_date": "",
        "status": Status.WHITE,
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert response.url == mapping_url(inspection, plan) + f"#finding-{m1.pk}"
    action = Action.objects.get(plan=plan, ref="M1/2020")
    assert list(action.findings.all()) == [m1]
    raised = RaisedAction.objects.get(action=action)
    assert (raised.finding, raised.raised_by) == (m1, pmo)
    assert HistoryEntry.objects.get(action=action).kind == HistoryEntry.Kind.CREATED


def test_a_raised_action_with_a_taken_ref_is_refused_and_nothing_saved(
    client, pmo, inspection, plan, training, three_findings
):
    client.force_login(pmo)
    response = client.post(
        reverse("finding_raise", args=[three_findings[0].pk]) + f"?plan={plan.pk}",
        {"ref": "T3", "kind": FindingKind.MUST, "requirement": "x", "status": Status.WHITE},
    )
    assert response.status_code == 422
    assert "This plan already has an action T3." in response.content.decode()
    assert not RaisedAction.objects.exists()
    assert Action.objects.filter(plan=plan).count() == 1


# The summary ------------------------------------------------------------------------------


def test_the_summary_reads_like_seed_001(
    pmo, inspection, plan, training, records, closed, three_findings
):
    """Findings answered by open actions already in the plan, by theme; the rest need new."""
    m1, s2, s10 = three_findings
    more = [finding(inspection, f"S{n}", "Mandatory training compliance.") for n in (3, 4)]
    for f in [m1, *more]:
        mapping.finding_link(finding=f, action=training, by=pmo)
    mapping.finding_link(finding=s2, action=records, by=pmo)
    mapping.finding_action_raise(
        finding=s10,
        plan=plan,
        by=pmo,
        ref="N1",
        theme="Culture / Engagement",
        kind=FindingKind.SHOULD,
        requirement="Culture programme.",
    )
    finding(inspection, "S11", "Nobody has mapped this one yet.")
    summary = mapping.mapping_summary(mapping.mapping_rows(inspection=inspection, plan=plan))
    assert summary.sentence == (
        "Of the 6 findings, 4 are answered by open actions already in the plan and 2 need "
        "new actions (1 raised so far, 1 still to map)."
    )
    assert summary.existing_by_theme == [("Mandatory Training", 3), ("Record Keeping", 1)]
    assert summary.new_by_theme == [("Culture / Engagement", 1)]


def test_a_finding_linked_only_to_a_completed_action_still_needs_a_new_one(
    pmo, inspection, plan, closed, three_findings
):
    closed.findings.add(three_findings[0])  # linked before the action was signed off
    rows = mapping.mapping_rows(inspection=inspection, plan=plan)
    assert [r.category for r in rows] == [mapping.UNMAPPED] * 3


def test_the_page_can_show_only_what_is_still_to_map(
    client, pmo, inspection, plan, training, three_findings, engine
):
    mapping.finding_link(finding=three_findings[0], action=training, by=pmo)
    client.force_login(pmo)
    response = client.get(mapping_url(inspection, plan) + "&show=unmapped")
    assert [r.finding.ref for r in response.context["rows"]] == ["S2", "S10"]
    assert response.context["summary"].existing == 1


def test_without_the_model_the_page_says_so_and_still_links(
    client, pmo, inspection, plan, training, three_findings, monkeypatch
):
    def missing(**kwargs):
        raise suggest.ModelMissing("The suggestion model is not installed.")

    monkeypatch.setattr(suggest, "suggestions_for", missing)
    client.force_login(pmo)
    response = client.get(mapping_url(inspection, plan))
    assert response.status_code == 200
    assert "The suggestion model is not installed." in response.content.decode()


def test_a_page_without_suggestions_is_not_kept_so_it_recovers_with_the_model(
    client, pmo, inspection, plan, training, records, three_findings, monkeypatch
):
    def missing(**kwargs):
        raise suggest.ModelMissing("The suggestion model is not installed.")

    monkeypatch.setattr(suggest, "suggestions_for", missing)
    client.force_login(pmo)
    assert "not installed" in client.get(mapping_url(inspection, plan)).content.decode()

    monkeypatch.setattr(suggest, "suggestions_for", FakeEngine())
    text = client.get(mapping_url(inspection, plan)).content.decode()

    assert "not installed" not in text
    assert 'Link<span class="nhsuk-u-visually-hidden"> finding S2 to</span> R1' in text


# Who may map ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["Action lead", "Board member", "Executive lead"])
def test_only_the_pmo_maps_findings(client, inspection, plan, training, three_findings, role):
    client.force_login(UserFactory(roles=[role]))
    m1 = three_findings[0]
    assert client.get(mapping_url(inspection, plan)).status_code == 403
    assert client.get(reverse("finding_raise", args=[m1.pk])).status_code == 403
    for name in ("finding_link", "finding_unlink", "finding_raise"):
        response = client.post(
            reverse(name, args=[m1.pk]), {"plan": plan.pk, "action": training.pk, "ref": "Q1"}
        )
        assert response.status_code == 403, name
    assert not training.findings.exists()
    assert Action.objects.filter(plan=plan).count() == 1


def test_anonymous_is_sent_to_sign_in(client, inspection, plan, three_findings):
    for url in (
        mapping_url(inspection, plan),
        reverse("finding_raise", args=[three_findings[0].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
