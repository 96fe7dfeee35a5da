"""Publishing for the public in a real browser: the PMO prepares, previews and publishes;
someone with no account opens the public page, which passes axe.

Locators are by role and accessible name: "Publish for the public", "Highlights",
"Save and preview", the Publish button, the public page's headings.
"""

from __future__ import annotations

import importlib
import re
import uuid

import pytest
from django.db import connection
from playwright.sync_api import expect

from actions.models import ExecRole, Role, Status
from reporting import tasks
from reporting.models import Publication
from reporting.publication import services
from reporting.publication.content import DEFAULT_FIELDS
from reporting.publication.glossary import DEFAULT_GLOSSARY
from tests.factories import ActionFactory, PlanFactory, UserFactory

from .helpers import describe_violations, run_axe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_guard = importlib.import_module("reporting.migrations.0003_publication")


@pytest.fixture
def publications_cleared(transactional_db):
    """SQLite's test flush DELETEs row by row, which the guard refuses: lift it, empty the
    tables, put it back (PostgreSQL's flush TRUNCATEs, which row triggers do not see)."""
    yield
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for sql in _guard.UNGUARD_SQL["sqlite"]:
            cursor.execute(sql)
        cursor.execute("DELETE FROM reporting_publicationwithdrawal")
        cursor.execute("DELETE FROM reporting_publication")
        for sql in _guard.GUARD_SQL["sqlite"]:
            cursor.execute(sql)


@pytest.fixture
def plan(frozen_now, pmo):
    plan = PlanFactory(name="CQC improvement plan 2026")
    exec_lead = UserFactory(
        username="hcarter", first_name="Helen", last_name="Carter", roles=[Role.EXEC_LEAD]
    )
    don = ExecRole.objects.create(code="DoN", title="Director of Nursing", holder=exec_lead)
    lead = UserFactory(
        username="rokafor", first_name="Rita", last_name="Okafor", roles=[Role.ACTION_LEAD]
    )
    action = ActionFactory(
        plan=plan,
        ref="M1",
        department="Maternity",
        action_lead=lead,
        status=Status.AMBER,
        requirement="Every midwife completes CTG training; Rita Okafor reports monthly.",
    )
    action.exec_roles.set([don])
    return plan


def test_pmo_publishes_and_anyone_reads_the_public_page(new_context, plan, publications_cleared):
    page = new_context().new_page()
    sign_in(page, "pmo")
    page.goto(f"/plans/{plan.pk}/")
    page.get_by_role("navigation", name="PMO tasks").get_by_role(
        "link", name="Publish for the public"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publications for the public")
    page.get_by_role("button", name="Prepare a new publication").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Publish for the public")
    page.get_by_label("Highlights").fill("Every midwife is booked on CTG training.")
    page.get_by_label("Challenges").fill("Recruiting trainers is slow.")
    expect(page.get_by_label("Term 1", exact=True)).not_to_have_value("")
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
    page.get_by_role("button", name="Save and preview").click()

    expect(
        page.get_by_role("heading", name=re.compile("Preview: not yet published"))
    ).to_be_visible()
    expect(
        page.get_by_text("Every midwife completes CTG training; Action lead (Maternity)")
    ).to_be_visible()
    page.get_by_role("button", name="Publish for the public").dblclick()

    expect(page.get_by_role("status").filter(has_text="Published for the public")).to_be_visible()
    assert Publication.objects.count() == 1
    publication = Publication.objects.get()

    # Someone with no account, in a browser of their own.
    public = new_context().new_page()
    public.goto(publication.get_absolute_url())
    expect(public.get_by_role("heading", level=1)).to_have_text("CQC improvement plan 2026")
    expect(public.get_by_role("heading", name="Glossary and jargon buster")).to_be_visible()
    expect(public.get_by_text("Every midwife is booked on CTG training.")).to_be_visible()
    expect(public.get_by_role("button", name="Sign out")).to_have_count(0)
    body = public.locator("body").inner_text()
    assert "Okafor" not in body and "Carter" not in body and "Rita" not in body
    violations = run_axe(public)
    assert not violations, describe_violations(violations)

    public.get_by_role("link", name="All published versions of this plan").click()
    expect(public.get_by_role("link", name="PDF of publication 1")).to_be_visible()
    violations = run_axe(public)
    assert not violations, describe_violations(violations)


def test_until_the_pdf_is_made_the_public_is_told_to_wait(
    new_context, plan, pmo, publications_cleared, monkeypatch
):
    monkeypatch.setattr(tasks.render_pdf_publication, "delay", lambda pk: None)  # no worker
    services.publication_settings_save(
        plan=plan,
        by=pmo,
        fields=DEFAULT_FIELDS,
        highlights="",
        challenges="",
        glossary=DEFAULT_GLOSSARY,
    )
    publication = services.publication_create(plan=plan, by=pmo, token=uuid.uuid4())

    public = new_context().new_page()
    public.goto(publication.get_absolute_url())
    expect(public.get_by_text("A PDF of this plan is being prepared")).to_be_visible()
    expect(public.get_by_role("link", name="Download this plan as a PDF")).to_have_count(0)
    violations = run_axe(public)
    assert not violations, describe_violations(violations)

    response = public.goto(f"{publication.get_absolute_url()}pdf/")
    assert response.status == 202 and response.headers["retry-after"] == "60"
    expect(public.get_by_role("heading", level=1)).to_have_text("The PDF is being prepared")
    violations = run_axe(public)
    assert not violations, describe_violations(violations)
    public.get_by_role("link", name="Read the plan on this page").click()
    expect(public.get_by_role("heading", level=1)).to_have_text("CQC improvement plan 2026")
