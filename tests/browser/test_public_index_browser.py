"""The public's list of published plans and a long public plan (contents, sections) in a
real browser, at 390 px and 1280 px: no sideways scrolling, no serious axe violations."""

from __future__ import annotations

import uuid

import pytest
from django.test import TestCase
from playwright.sync_api import expect

from actions.models import Role, Status
from reporting.models import Publication
from reporting.publication import services
from reporting.publication.content import DEFAULT_FIELDS, LONG_PLAN
from reporting.publication.glossary import DEFAULT_GLOSSARY
from tests.factories import ActionFactory, PlanFactory, UserFactory

from .helpers import describe_violations, page_width, run_axe
from .test_publication_browser import publications_cleared  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1280)


@pytest.fixture
def long_publication(frozen_now, pmo) -> Publication:
    plan = PlanFactory(name="CQC improvement plan 2026")
    lead = UserFactory(username="rokafor", roles=[Role.ACTION_LEAD])
    for i in range(LONG_PLAN + 6):
        kind = ("must", "should")[i % 2]
        ActionFactory(
            plan=plan,
            ref=f"{kind[0].upper()}{i + 1}",
            kind=kind,
            department="Maternity and neonatal services",
            requirement=f"Requirement {i + 1}: a long sentence about what must improve.",
            action_lead=lead,
            status=Status.AMBER,
        )
    services.publication_settings_save(
        plan=plan,
        by=pmo,
        fields=DEFAULT_FIELDS,
        highlights="Every midwife is booked on CTG training.",
        challenges="Recruiting trainers is slow.",
        glossary=DEFAULT_GLOSSARY,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        publication = services.publication_create(plan=plan, by=pmo, token=uuid.uuid4())
    return publication


def check_page(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    scroll_width = page_width(page)
    assert scroll_width <= width, f"{page.url} is {scroll_width} px wide at {width} px"
    violations = run_axe(page)
    assert not violations, describe_violations(violations)


def test_public_index_and_a_long_plan_at_phone_and_desktop_widths(
    new_context,
    long_publication,
    publications_cleared,  # noqa: F811
):
    page = new_context().new_page()
    page.goto("/public/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Published improvement plans")
    for width in WIDTHS:
        check_page(page, width)

    page.get_by_role("link", name="CQC improvement plan 2026", exact=True).click()
    contents = page.get_by_role("navigation", name="Contents")
    expect(contents.get_by_role("link", name="Must do", exact=True)).to_be_visible()
    for width in WIDTHS:
        check_page(page, width)

    contents.get_by_role("link", name="Should do", exact=True).click()
    expect(page).to_have_url(long_publication.get_absolute_url() + "#actions-should-do")
    expect(page.get_by_role("heading", name="Should do", level=3)).to_be_in_viewport()
