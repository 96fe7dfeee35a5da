"""The plan's spreadsheet knows workstreams: the import assigns them, the export writes them."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.urls import reverse

from actions.exports import plan_export as exports
from actions.importer import plan_import
from actions.models import Action, FindingKind, ImportJob, Status
from programme.models import ProgrammeSettings, Workstream, WorkstreamAction
from tests.actions.imports import worker_runs_after_each_request  # noqa: F401
from tests.factories import ActionFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pmo(db):
    return UserFactory(username="pmo", roles=["PMO"])


@pytest.fixture
def plan(db):
    plan = PlanFactory(name="Improvement plan")
    ProgrammeSettings.objects.create(plan=plan, workstream_term="Improvement steering group")
    return plan


@pytest.fixture
def groups(plan):
    return {
        name: Workstream.objects.create(plan=plan, name=name, position=i)
        for i, name in enumerate(["Maternity", "Urgent care", "Well-led"], start=1)
    }


@pytest.fixture
def actions(plan, groups):
    made = {
        ref: ActionFactory(
            plan=plan, ref=ref, kind=FindingKind.MUST, status=Status.GREEN, requirement=f"Do {ref}"
        )
        for ref in ("M1", "M2", "M3")
    }
    WorkstreamAction.objects.create(workstream=groups["Maternity"], action=made["M1"])
    WorkstreamAction.objects.create(workstream=groups["Urgent care"], action=made["M2"])
    return made


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def workstream_of(ref: str) -> str | None:
    link = WorkstreamAction.objects.filter(action__ref=ref).select_related("workstream").first()
    return link.workstream.name if link else None


HEADER = ["Ref.", "Must do / should do", "Requirement and actions"]


@pytest.mark.parametrize(
    "heading", ["Workstream", "Improvement steering group", "ISG", "Strategic priority"]
)
def test_the_import_puts_each_action_in_the_named_workstream(plan, actions, pmo, heading):
    data = as_csv(
        [
            [*HEADER, heading],
            ["M1", "Must do", "Do M1", "urgent  CARE"],
            ["M3", "Must do", "Do M3", "Well-led"],
            ["M4", "Must do", "Do M4", "Maternity"],
        ]
    )

    report = plan_import(plan=plan, data=data, filename="p.csv", by=pmo, dry_run=False)

    assert report.ok, report.errors
    assert (report.created, report.updated) == (1, 2)
    assert [workstream_of(r) for r in ("M1", "M2", "M3", "M4")] == [
        "Urgent care",
        "Urgent care",
        "Well-led",
        "Maternity",
    ]
    assert WorkstreamAction.objects.filter(action__plan=plan).count() == 4  # one each


def test_the_preview_shows_the_move_and_saves_nothing(plan, actions, pmo):
    data = as_csv([[*HEADER, "Workstream"], ["M1", "Must do", "Do M1", "Well-led"]])

    report = plan_import(plan=plan, data=data, filename="p.csv", by=pmo)

    assert report.ok, report.errors
    (row,) = report.rows
    assert row.outcome == "update"
    assert row.changes == {"Improvement steering group": ["Maternity", "Well-led"]}
    assert workstream_of("M1") == "Maternity"


def test_the_upload_page_previews_the_move_then_confirming_makes_it(
    client, plan, actions, pmo, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(pmo)
    data = as_csv([[*HEADER, "Workstream"], ["M1", "Must do", "Do M1", "Well-led"]])

    response = client.post(
        reverse("plan_import", args=[plan.pk]), {"file": SimpleUploadedFile("plan.csv", data)}
    )

    job = ImportJob.objects.get()
    page = client.get(response.url).content.decode()
    assert "Improvement steering group: Maternity → Well-led" in page
    assert workstream_of("M1") == "Maternity"
    client.post(reverse("plan_import_confirm", args=[plan.pk]), {"token": job.token.hex})
    assert workstream_of("M1") == "Well-led"


def test_a_blank_cell_leaves_the_action_where_it_is(plan, actions, pmo):
    data = as_csv(
        [
            [*HEADER, "Workstream"],
            ["M1", "Must do", "Do M1", ""],
            ["M3", "Must do", "Do M3", ""],
            ["M5", "Must do", "Do M5", " "],
        ]
    )

    report = plan_import(plan=plan, data=data, filename="p.csv", by=pmo, dry_run=False)

    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (1, 0, 2)
    assert [workstream_of(r) for r in ("M1", "M3", "M5")] == ["Maternity", None, None]


def test_an_unknown_workstream_is_refused_naming_the_plans_own(plan, actions, pmo):
    data = as_csv(
        [
            [*HEADER, "ISG"],
            ["M1", "Must do", "Do M1", "Well-led"],
            ["M2", "Must do", "Do M2", "Estates"],
        ]
    )

    report = plan_import(plan=plan, data=data, filename="p.csv", by=pmo, dry_run=False)

    assert not report.ok
    (error,) = report.errors
    assert (error.line, error.column, error.value) == (3, "ISG", "Estates")
    assert error.message == (
        "This plan has no improvement steering group of this name. Its improvement steering "
        "groups are: Maternity, Urgent care, Well-led. Write one of them, or leave the cell "
        "blank to keep the action where it is."
    )
    assert workstream_of("M1") == "Maternity"  # all or nothing


def test_a_plan_without_workstreams_reads_a_workstream_heading_as_its_theme(pmo):
    plan = PlanFactory()
    data = as_csv([[*HEADER, "Workstream"], ["M1", "Must do", "Do M1", "Training"]])

    report = plan_import(plan=plan, data=data, filename="p.csv", by=pmo, dry_run=False)

    assert report.ok, report.errors
    assert Action.objects.get(plan=plan, ref="M1").theme == "Training"


def test_the_export_has_the_workstream_column_only_when_the_plan_has_workstreams(
    plan, actions, pmo
):
    rows = list(
        csv.reader(io.StringIO(exports.plan_csv(plan=plan, params=QueryDict()).decode("utf-8-sig")))
    )
    header = rows[0]
    assert header[10] == "Improvement steering group"
    assert header[11] == "Action lead name"
    by_ref = {r[0]: r[10] for r in rows[1:]}
    assert by_ref == {"M1": "Maternity", "M2": "Urgent care", "M3": ""}

    bare = PlanFactory()
    ActionFactory(plan=bare, ref="X1")
    plain = exports.plan_xlsx(plan=bare, params=QueryDict())

    sheet = openpyxl.load_workbook(io.BytesIO(plain)).active
    headers = [c.value for c in sheet[1]]
    assert "Improvement steering group" not in headers and "Workstream" not in headers
    assert headers[10] == "Action lead name"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_with_workstreams_reimports_changing_nothing(plan, actions, pmo, fmt):
    data = getattr(exports, f"plan_{fmt}")(plan=plan, params=QueryDict())
    links = list(
        WorkstreamAction.objects.order_by("action_id").values_list("action_id", "workstream_id")
    )

    preview = plan_import(plan=plan, data=data, filename=f"plan.{fmt}", by=pmo)
    applied = plan_import(plan=plan, data=data, filename=f"plan.{fmt}", by=pmo, dry_run=False)

    for report in (preview, applied):
        assert report.ok, report.errors
        assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert (
        list(
            WorkstreamAction.objects.order_by("action_id").values_list("action_id", "workstream_id")
        )
        == links
    )
