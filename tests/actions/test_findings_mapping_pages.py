"""A long report's findings are mapped 50 to a page: the page stays quick (bench/README.md)
and the counts above it still cover every finding."""

from __future__ import annotations

import pytest
from django.urls import reverse

from actions.inspections import suggestions as suggest
from actions.models import Finding, FindingKind
from tests.actions.test_findings_mapping import FakeEngine
from tests.factories import ActionFactory, InspectionFactory, PlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def engine(monkeypatch):
    fake = FakeEngine()
    monkeypatch.setattr(suggest, "suggestions_for", fake)
    return fake


@pytest.fixture
def report(db):
    """55 should-do findings, S1 to S55, and a plan with one open action."""
    inspection = InspectionFactory()
    Finding.objects.bulk_create(
        Finding(inspection=inspection, ref=f"S{n}", kind=FindingKind.SHOULD, text=f"Finding {n}.")
        for n in range(1, 56)
    )
    plan = PlanFactory()
    action = ActionFactory(plan=plan, ref="R1", requirement="Records kept securely.")
    return inspection, plan, action


def url(inspection, plan, **extra) -> str:
    query = "".join(f"&{k}={v}" for k, v in extra.items())
    return reverse("finding_mapping", args=[inspection.pk]) + f"?plan={plan.pk}{query}"


def test_a_long_report_is_mapped_fifty_findings_to_a_page(client, pmo, report, engine):
    inspection, plan, _action = report
    client.force_login(pmo)
    first = client.get(url(inspection, plan))
    assert [r.finding.ref for r in first.context["rows"]][:2] == ["S1", "S2"]
    assert len(first.context["rows"]) == 50
    assert first.context["summary"].total == 55  # the counts cover every finding
    # Suggestions only for the findings shown.
    assert len(engine.calls[0][0]) == 50
    text = first.content.decode()
    assert "Findings 1 to 50 of 55, 50 a page." in text
    assert f'href="?plan={plan.pk}&amp;show=all&amp;page=2"' in text

    second = client.get(url(inspection, plan, page=2))
    assert [r.finding.ref for r in second.context["rows"]] == [f"S{n}" for n in range(51, 56)]
    assert "Page 1 of 2" in second.content.decode()


def test_a_short_report_has_no_pages(client, pmo, engine):
    inspection, plan = InspectionFactory(), PlanFactory()
    Finding.objects.create(inspection=inspection, ref="M1", kind=FindingKind.MUST, text="x")
    client.force_login(pmo)
    text = client.get(url(inspection, plan)).content.decode()
    assert "nhsuk-pagination" not in text
    assert "a page." not in text


def test_linking_without_htmx_returns_to_the_page_holding_the_finding(client, pmo, report, engine):
    inspection, plan, action = report
    s52 = inspection.findings.get(ref="S52")
    client.force_login(pmo)
    response = client.post(
        reverse("finding_link", args=[s52.pk]), {"plan": plan.pk, "action": action.pk}
    )
    assert response.status_code == 302
    assert response.url == url(inspection, plan, page=2) + f"#finding-{s52.pk}"


def test_someone_not_in_the_pmo_cannot_page_through_the_mapping(client, report, engine):
    from tests.factories import UserFactory

    inspection, plan, _action = report
    client.force_login(UserFactory(roles=["Action lead"]))
    assert client.get(url(inspection, plan, page=2)).status_code == 403
