"""A new report's findings in a real browser: upload, map the columns, confirm, link one.

The file is seed 001's December 2020 findings in the trust's own layout ("Action No."
holding M1 and S1, "Core Service", "Domain", "CQC Finding"). The suggestions come from
the real engine, offline.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from actions.models import Finding, FindingColumnMapping, FindingKind
from tests.factories import ActionFactory, InspectionFactory, PlanFactory

from .helpers import describe_violations, run_axe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "cqc-findings-december-2020.csv"


def assert_accessible(page: Page) -> None:
    violations = run_axe(page)
    assert not violations, describe_violations(violations)


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_pmo_imports_findings_through_the_mapping_and_links_one(page, frozen_now, media, pmo, lead):
    inspection = InspectionFactory(
        provider="Example NHS Foundation Trust", published_on=dt.date(2020, 12, 17)
    )
    plan = PlanFactory(name="IQIP 2020/21")
    ActionFactory(
        plan=plan,
        ref="T3",
        theme="Mandatory Training",
        action_lead=lead,
        requirement="Improve mandatory training compliance to the trust target for all staff.",
    )
    ActionFactory(
        plan=plan,
        ref="R1",
        theme="Record Keeping",
        action_lead=lead,
        requirement="Patient records are stored securely on every ward.",
    )

    sign_in(page, "pmo")
    page.get_by_role("link", name="Inspections", exact=True).click()
    page.get_by_role("link", name="0 findings").click()
    page.get_by_role("link", name="Import findings from a spreadsheet").click()
    page.get_by_label("Findings file").set_input_files(FIXTURE)
    page.get_by_role("button", name="Upload and choose columns").click()

    # The columns found, each field preselected from its heading; the kind from the ref.
    expect(page.get_by_role("heading", level=1, name="Which column holds what")).to_be_visible()
    expect(page.get_by_role("cell", name="Action No. (column A)")).to_be_visible()
    expect(page.get_by_label("Reference")).to_have_value("0")
    expect(page.get_by_label("Kind (must do, should do, notice)")).to_have_value("0")
    expect(page.get_by_label("What the report says")).to_have_value("3")
    expect(page.get_by_label("“M1” (and M2, M3)")).to_have_value(FindingKind.MUST)
    expect(page.get_by_label("“S1” (and S2, S3)")).to_have_value(FindingKind.SHOULD)
    assert_accessible(page)
    page.get_by_label("Core service").select_option(label="Core Service (column B)")
    page.get_by_role("button", name="Preview import").click()

    expect(page.get_by_role("heading", name="Check the findings before saving")).to_be_visible()
    expect(page.get_by_text("36 new findings, 0 changed, 0 unchanged.")).to_be_visible()
    assert Finding.objects.count() == 0
    page.get_by_role("button", name="Confirm import").click()

    expect(
        page.get_by_text(
            "Findings imported from cqc-findings-december-2020.csv: 36 new, 0 changed, 0 unchanged."
        )
    ).to_be_visible()
    assert Finding.objects.filter(inspection=inspection).count() == 36
    assert FindingColumnMapping.objects.get().columns["ref"] == "Action No."

    # Map the findings onto the plan's open actions: link S13 (records) to R1 in one click.
    page.get_by_role("link", name="Go to the findings").click()
    page.get_by_role("link", name="Map findings to open actions").click()
    expect(
        page.get_by_role("heading", level=1, name="Map findings to open actions")
    ).to_be_visible()
    s13 = page.get_by_role("region", name="S13: Should do, Medicine (Safe)")
    expect(s13.get_by_text("Not yet mapped")).to_be_visible()
    s13.get_by_role("button", name="Link finding S13 to R1").click()

    expect(page.get_by_text("Finding S13 linked to R1.")).to_be_visible()
    expect(s13.get_by_text("Answered by an open action")).to_be_visible()
    expect(page.locator("#mapping-sentence")).to_have_text(
        "Of the 36 findings, 1 is answered by open actions already in the plan and 35 need "
        "new actions (0 raised so far, 35 still to map)."
    )
    assert list(Finding.objects.get(ref="S13").actions.values_list("ref", flat=True)) == ["R1"]
    assert_accessible(page)
