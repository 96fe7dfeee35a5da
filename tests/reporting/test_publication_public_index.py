"""The public's way in: the site's real address, the list of published plans, and a long
plan's contents and sections (issue 14 item 8)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.test import TestCase, override_settings
from django.urls import reverse

from actions.models import Status
from reporting.models import Publication
from reporting.publication import services
from reporting.publication.content import DEFAULT_FIELDS, LONG_PLAN
from reporting.publication.glossary import DEFAULT_GLOSSARY
from tests.factories import ActionFactory, PlanFactory

from .conftest import london, pdf_text, requires_pdftotext, travel

PUBLISHED_AT = london(2026, 11, 26, 10, 0)
HOST = "improvement.example-trust.nhs.uk"
SITE = f"https://{HOST}"


@pytest.fixture(autouse=True)
def frozen():
    with travel(PUBLISHED_AT):
        yield


def save_settings(plan, pmo, fields=DEFAULT_FIELDS):
    return services.publication_settings_save(
        plan=plan,
        by=pmo,
        fields=fields,
        highlights="Every midwife is now booked on CTG training.",
        challenges="Recruitment to the discharge lounge is slow.",
        glossary=DEFAULT_GLOSSARY,
    )


def publish(plan, pmo, at=PUBLISHED_AT) -> Publication:
    with travel(at), TestCase.captureOnCommitCallbacks(execute=True):
        publication = services.publication_create(plan=plan, by=pmo, token=uuid.uuid4())
    return Publication.objects.get(pk=publication.pk)


def add_actions(plan, lead, n: int, kinds=("must", "should")) -> None:
    for i in range(n):
        kind = kinds[i % len(kinds)]
        ActionFactory(
            plan=plan,
            ref=f"{kind[0].upper()}{i + 1}",
            kind=kind,
            department="Maternity",
            requirement=f"Requirement number {i + 1}.",
            action_lead=lead,
            status=Status.AMBER,
        )


# The site's real address ---------------------------------------------------------------


@override_settings(ALLOWED_HOSTS=[HOST], SITE_URL="http://127.0.0.1:8000")
def test_preview_and_public_page_show_the_address_the_site_was_reached_at(client, plan, pmo, lead):
    add_actions(plan, lead, 2)
    save_settings(plan, pmo)
    client.force_login(pmo)
    preview = client.get(reverse("publication_preview", args=[plan.pk]), HTTP_HOST=HOST)
    assert f"http://{HOST}/public/plans/cqc-improvement-plan-2026/1/" in preview.content.decode()

    publication = publish(plan, pmo)
    client.logout()
    page = client.get(publication.get_absolute_url(), HTTP_HOST=HOST, secure=True)
    html = page.content.decode()
    assert f"https://{HOST}/public/plans/cqc-improvement-plan-2026/1/" in html
    assert "127.0.0.1" not in html


@requires_pdftotext
@override_settings(SITE_URL=SITE)
def test_the_pdf_made_on_the_worker_prints_the_site_url(plan, pmo, lead, tmp_path):
    add_actions(plan, lead, 2)
    save_settings(plan, pmo)
    publication = publish(plan, pmo)

    text = re.sub(r"\s+", "", pdf_text(bytes(publication.pdf), tmp_path))
    assert f"{SITE}/public/plans/cqc-improvement-plan-2026/1/" in text
    assert "127.0.0.1" not in text


# /public/: every published plan ----------------------------------------------------------


def test_public_index_lists_each_plans_latest_current_publication_without_sign_in(
    client, plan, pmo, lead
):
    add_actions(plan, lead, 2)
    save_settings(plan, pmo)
    first = publish(plan, pmo)
    latest = publish(plan, pmo, at=PUBLISHED_AT + dt.timedelta(days=91))
    withdrawn_plan = PlanFactory(name="Withdrawn plan", trust="Other NHS Trust")
    save_settings(withdrawn_plan, pmo)
    withdrawn = publish(withdrawn_plan, pmo)
    services.publication_withdraw(publication=withdrawn, by=pmo, reason="Published in error")
    unpublished = PlanFactory(name="Plan never published")
    save_settings(unpublished, pmo)

    response = client.get("/public/")

    assert response.status_code == 200
    html = response.content.decode()
    assert latest.get_absolute_url() in html
    assert "CQC improvement plan 2026" in html
    assert "Example NHS Foundation Trust" in html
    assert "25 February 2027" in html  # the latest's date, not the first's
    assert first.get_absolute_url() not in html
    assert "Withdrawn plan" not in html and withdrawn.get_absolute_url() not in html
    assert "Plan never published" not in html
    assert "Sign out" not in html
    assert "public" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]


def test_public_index_says_when_nothing_is_published(client, db):
    response = client.get("/public/")
    assert response.status_code == 200
    assert "No plan is published at the moment." in response.content.decode()


# A long plan: contents and sections ----------------------------------------------------


def contents_and_ids(html: str) -> tuple[list[str], set[str]]:
    nav = re.search(r'<nav class="app-contents".*?</nav>', html, re.S).group(0)
    return re.findall(r'href="#([^"]+)"', nav), set(re.findall(r'id="([^"]+)"', html))


def test_a_long_plan_has_contents_linking_to_a_section_per_finding_kind(client, plan, pmo, lead):
    add_actions(plan, lead, LONG_PLAN + 5)
    save_settings(plan, pmo)
    publication = publish(plan, pmo)

    html = client.get(publication.get_absolute_url()).content.decode()

    links, ids = contents_and_ids(html)
    assert links == [
        "about",
        "summary",
        "highlights",
        "table-1",
        "actions",
        "actions-must-do",
        "actions-should-do",
        "glossary",
        "key",
    ]
    assert set(links) <= ids
    assert '<h3 id="actions-must-do">Must do</h3>' in html
    assert '<h4 id="action-m1">M1: Must do</h4>' in html
    assert html.index('id="actions-must-do"') < html.index('id="action-m1"')
    assert html.index('id="actions-should-do"') < html.index('id="action-s2"')


def test_a_long_plan_without_kinds_is_grouped_by_theme(client, plan, pmo, lead):
    add_actions(plan, lead, LONG_PLAN + 1)
    plan.actions.filter(kind="must").update(theme="Safe staffing")
    plan.actions.filter(kind="should").update(theme="Training")
    save_settings(plan, pmo, fields=[f for f in DEFAULT_FIELDS if f != "kind"])
    publication = publish(plan, pmo)

    links, ids = contents_and_ids(client.get(publication.get_absolute_url()).content.decode())
    assert "actions-safe-staffing" in links and "actions-training" in links
    assert set(links) <= ids


def test_a_short_plan_has_contents_but_no_action_sections(client, plan, pmo, lead):
    add_actions(plan, lead, 3)
    save_settings(plan, pmo)
    publication = publish(plan, pmo)

    html = client.get(publication.get_absolute_url()).content.decode()
    links, ids = contents_and_ids(html)
    assert links == ["about", "summary", "highlights", "table-1", "actions", "glossary", "key"]
    assert set(links) <= ids
    assert '<h3 id="action-m1">M1: Must do</h3>' in html


def test_a_long_plans_pdf_has_bookmarks_for_each_section_and_group(plan, pmo, lead):
    import weasyprint

    from reporting.publication.pdf import render_html

    add_actions(plan, lead, LONG_PLAN + 5)
    save_settings(plan, pmo)
    document = services.publication_preview(plan=plan).document
    html = render_html(document, meta={"published_at": PUBLISHED_AT, "address": SITE})

    tree = weasyprint.HTML(string=html).render().make_bookmark_tree()

    # Each bookmark is (label, target, children, state).
    assert [b[0] for b in tree] == [
        "About this plan",
        "Summary",
        "The actions",
        "Glossary and jargon buster",
        "What the statuses mean",
    ]
    actions = next(b for b in tree if b[0] == "The actions")
    assert [g[0] for g in actions[2]] == ["Must do", "Should do"]
    assert actions[2][0][2][0][0] == "M1: Must do"
