"""A plan import in a real browser: the PMO uploads the file, watches the worker read it,
checks the preview, confirms, watches it import, and sees what was imported.

The worker is played by the test: each queued task is held back (the page must show it
under way), then run here, and the open page must notice by itself.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from actions import import_jobs, tasks
from actions.models import Action, ImportJob
from tests.factories import PlanFactory

from .helpers import describe_violations, page_width, run_axe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAN_CSV = (
    b"CQC improvement plan 2026\n"
    b"Ref.,Theme,Dept,Must do / should do,Requirement and actions,RAGB,Start date,End date\n"
    b"T1,Training,Maternity,Must do,Staff must complete PROMPT training.,G,01/04/26,30/06/26\n"
    b"T2,Risk,Trust wide,Should do,Risk registers are reviewed monthly.,A,01/04/26,30/09/26\n"
)


@pytest.fixture
def held_tasks(monkeypatch, tmp_path, settings):
    """The worker's queue, held: what the pages queue waits here for the test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    queued: list[tuple[str, int]] = []
    monkeypatch.setattr(tasks.import_job_preview, "delay", lambda pk: queued.append(("read", pk)))
    monkeypatch.setattr(tasks.import_job_apply, "delay", lambda pk: queued.append(("apply", pk)))
    return queued


def assert_accessible_and_fits(page, width: int) -> None:
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
    assert page_width(page) <= width


@pytest.mark.parametrize("width", [390, 1280])
def test_pmo_uploads_sees_progress_then_the_preview_confirms_and_sees_the_result(
    page, pmo, held_tasks, width
):
    plan = PlanFactory(name="CQC improvement plan 2026")
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "pmo")
    page.goto(f"/plans/{plan.pk}/import/")
    page.get_by_label("Plan file").set_input_files(
        {"name": "plan.csv", "mimeType": "text/csv", "buffer": PLAN_CSV}
    )
    page.get_by_role("button", name="Preview import").click()

    # The worker has not started: the page says the file is being read, and polls.
    expect(page.get_by_role("heading", level=1)).to_have_text("Reading plan.csv")
    expect(page.get_by_role("progressbar", name="Progress of the import")).to_be_visible()
    assert_accessible_and_fits(page, width)
    [(step, job_id)] = held_tasks
    assert step == "read"
    import_jobs._Progress(job_id)("Reading the file", 1, 2)  # the worker, part way
    expect(page.get_by_role("status")).to_contain_text("Reading the file… row 1 of 2")

    import_jobs.import_job_preview(job_id=job_id)  # the worker finishes the preview
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the import before saving")
    expect(page.get_by_text("2 new actions, 0 changed, 0 unchanged.")).to_be_visible()
    assert_accessible_and_fits(page, width)
    assert not Action.objects.exists()

    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importing plan.csv")
    expect(page.get_by_role("progressbar", name="Progress of the import")).to_be_visible()
    assert held_tasks[-1] == ("apply", job_id)

    import_jobs.import_job_apply(job_id=job_id)  # the worker imports
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan imported")
    expect(page.get_by_role("status")).to_have_text(
        "Plan imported from plan.csv: 2 new, 0 changed, 0 unchanged."
    )
    assert_accessible_and_fits(page, width)
    assert sorted(Action.objects.filter(plan=plan).values_list("ref", flat=True)) == ["T1", "T2"]
    assert ImportJob.objects.get().state == ImportJob.State.IMPORTED

    page.get_by_role("link", name="Go to the plan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CQC improvement plan 2026")
