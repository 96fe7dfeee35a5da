"""A long report's findings are mapped 50 to a page: the page stays quick (bench/README.md)
and the counts above it still cover every finding.

The page's findings, summary and counts are served from the cache until anything they show
changes; each visitor's own CSRF token is put into the cached forms."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.conf import settings
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.urls import reverse

from actions import services
from actions.inspections import findings_import
from actions.inspections import suggestions as suggest
from actions.inspections.views import CSRF_PLACEHOLDER
from actions.models import Finding, FindingKind, Status
from tests.actions.test_findings_mapping import HTMX, FakeEngine
from tests.factories import ActionFactory, InspectionFactory, PlanFactory, UserFactory

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


# Served from the cache ------------------------------------------------------------------

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def findings_part(response) -> str:
    """The summary, the findings and the pages, without the forms' tokens."""
    text = response.content.decode()
    return TOKEN.sub("", text[text.index('id="mapping-summary"') :])


def page_text(client, inspection, plan, **extra) -> str:
    return client.get(url(inspection, plan, **extra)).content.decode()


def test_the_second_view_of_a_page_is_served_from_the_cache_with_fewer_queries(
    client, pmo, report, engine, django_assert_num_queries
):
    inspection, plan, _action = report
    client.force_login(pmo)
    first = client.get(url(inspection, plan))
    # user, roles, the header's menu, the inspection, the plan, the state of both (one
    # statement), the plan menu: no findings, links, suggestions or counts.
    with django_assert_num_queries(7):
        second = client.get(url(inspection, plan))
    assert len(engine.calls) == 1  # the suggestions were not ranked again
    assert "rows" not in second.context  # nothing of the findings was rendered again
    assert findings_part(second) == findings_part(first)
    # Another page of the same findings is a page of its own.
    assert "Findings 51 to 55 of 55" in page_text(client, inspection, plan, page=2)


def test_a_link_shows_on_the_next_view_at_once(client, pmo, report, engine):
    inspection, plan, action = report
    s1 = inspection.findings.get(ref="S1")
    client.force_login(pmo)
    assert "Of the 55 findings, 0 are answered" in page_text(client, inspection, plan)

    client.post(
        reverse("finding_link", args=[s1.pk]), {"plan": plan.pk, "action": action.pk}, headers=HTMX
    )
    page = page_text(client, inspection, plan)

    assert "Of the 55 findings, 1 is answered by open actions" in page
    assert 'Unlink<span class="nhsuk-u-visually-hidden"> finding S1 from</span> R1' in page


def test_an_unlink_shows_on_the_next_view_at_once(client, pmo, report, engine):
    inspection, plan, action = report
    s1 = inspection.findings.get(ref="S1")
    client.force_login(pmo)
    client.post(reverse("finding_link", args=[s1.pk]), {"plan": plan.pk, "action": action.pk})
    assert "Unlink<span" in page_text(client, inspection, plan)

    client.post(
        reverse("finding_unlink", args=[s1.pk]),
        {"plan": plan.pk, "action": action.pk},
        headers=HTMX,
    )
    page = page_text(client, inspection, plan)

    assert "Unlink<span" not in page
    assert "Of the 55 findings, 0 are answered" in page


def test_a_raised_action_shows_on_the_next_view_at_once(client, pmo, report, engine):
    inspection, plan, _action = report
    s1 = inspection.findings.get(ref="S1")
    client.force_login(pmo)
    assert "1 open action in" in page_text(client, inspection, plan)

    response = client.post(
        reverse("finding_raise", args=[s1.pk]) + f"?plan={plan.pk}",
        {
            "ref": "N1",
            "theme": "Culture",
            "kind": FindingKind.SHOULD,
            "requirement": "Finding 1 answered.",
            "status": Status.WHITE,
        },
    )
    assert response.status_code == 302
    page = page_text(client, inspection, plan)

    assert "2 open actions in" in page
    assert "New action raised" in page
    assert "(1 raised so far, 54 still to map)" in page
    assert ">N1</a> (Culture)" in page


@pytest.mark.parametrize(
    "change, shown",
    [
        ({"ref": "R9"}, ">R9</a> (Governance)"),
        ({"theme": "Records"}, ">R1</a> (Records)"),
        ({"status": Status.AMBER}, ">Amber</strong>"),
    ],
    ids=["ref", "theme", "status"],
)
def test_an_edited_action_shows_on_the_next_view_at_once(
    client, pmo, report, engine, change, shown
):
    inspection, plan, action = report
    services.action_edit(
        action=action, by=pmo, base_version=None, findings=[inspection.findings.get(ref="S1")]
    )
    client.force_login(pmo)
    assert shown not in page_text(client, inspection, plan)

    services.action_edit(action=action, by=pmo, base_version=None, **change)

    assert shown in page_text(client, inspection, plan)


def test_imported_findings_show_on_the_next_view_at_once(client, pmo, report, engine):
    inspection, plan, _action = report
    client.force_login(pmo)
    assert "Finding 1." in page_text(client, inspection, plan)

    out = io.StringIO()
    csv.writer(out).writerows(
        [
            ["Ref", "Kind", "Finding"],
            ["M1", "Must", "Staff must complete safeguarding training."],
            ["S1", "Should", "Finding 1, as the report now words it."],  # updated
        ]
    )
    table = findings_import.findings_table_read(out.getvalue().encode(), "more.csv")
    report_ = findings_import.findings_import(
        inspection=inspection,
        table=table,
        mapping=findings_import.ColumnMapping(
            columns={"ref": 0, "kind": 1, "text": 2},
            kind_values={"must": FindingKind.MUST, "should": FindingKind.SHOULD},
        ),
        dry_run=False,
    )
    assert report_.ok
    page = page_text(client, inspection, plan)

    assert "Of the 56 findings" in page
    assert "Staff must complete safeguarding training." in page
    assert "Finding 1, as the report now words it." in page


def test_an_edited_finding_shows_on_the_next_view_at_once(client, pmo, report, engine):
    inspection, plan, _action = report
    s1 = inspection.findings.get(ref="S1")
    client.force_login(pmo)
    assert "Finding 1." in page_text(client, inspection, plan)

    response = client.post(
        reverse("finding_edit", args=[s1.pk]),
        {"ref": "S1", "kind": FindingKind.SHOULD, "text": "Records are audited monthly."},
    )
    assert response.status_code == 302

    assert "Records are audited monthly." in page_text(client, inspection, plan)


# Each visitor's own CSRF token ------------------------------------------------------------


def test_two_pmos_never_see_each_others_csrf_token(pmo, report, engine):
    inspection, plan, _action = report
    secrets = []
    for user in (pmo, UserFactory(username="pmo2", roles=["PMO"])):
        client = Client()
        client.force_login(user)
        page = page_text(client, inspection, plan)
        tokens = TOKEN.findall(page)
        assert len(tokens) > 50  # every finding's forms, and the header's
        assert CSRF_PLACEHOLDER not in page
        secret = client.cookies[settings.CSRF_COOKIE_NAME].value
        assert {_unmask_cipher_token(t) for t in tokens} == {secret}
        secrets.append(secret)
    assert len(engine.calls) == 1  # the second PMO's page came from the cache
    assert secrets[0] != secrets[1]


def test_a_link_posted_from_the_cached_page_passes_the_csrf_check(pmo, report, engine):
    inspection, plan, action = report
    s1 = inspection.findings.get(ref="S1")
    first = Client()
    first.force_login(pmo)
    page_text(first, inspection, plan)  # renders and caches the page
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(username="pmo2", roles=["PMO"]))
    page = page_text(client, inspection, plan)
    assert len(engine.calls) == 1  # served from the cache

    link_url = reverse("finding_link", args=[s1.pk])
    form = re.search(rf'action="{link_url}"[^>]*><input type="hidden" {TOKEN.pattern}', page)
    token = form.group(1)
    response = client.post(
        link_url, {"plan": plan.pk, "action": action.pk, "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    assert list(action.findings.all()) == [s1]
