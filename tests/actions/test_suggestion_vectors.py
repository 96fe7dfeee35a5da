"""The worker embeds findings and actions ahead of the mapping page, which then only reads
their vectors; a vector it misses is computed on the page and cached."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse

from actions import import_jobs, services, tasks
from actions.inspections import encoder as sentence_encoder
from actions.inspections import findings_import as findings
from actions.inspections import suggestions as suggest
from actions.models import Finding, FindingKind, ImportJob
from tests.factories import ActionFactory, InspectionFactory, PlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(db):
    plan = PlanFactory(name="IQIP 2020/21")
    ActionFactory(
        plan=plan,
        ref="R1",
        theme="Record Keeping",
        requirement="Staff store patient records securely on every ward; monthly audit.",
    )
    ActionFactory(plan=plan, ref="T3", theme="Training", requirement="Improve BLS compliance.")
    return plan


@pytest.fixture
def inspection(db):
    inspection = InspectionFactory(published_on=dt.date(2020, 12, 17))
    Finding.objects.create(
        inspection=inspection,
        ref="S2",
        kind=FindingKind.SHOULD,
        text="The trust should ensure staff store patient records securely.",
    )
    return inspection


@pytest.fixture
def fresh_process():
    """Nothing in this process's memory: vectors come from Django's cache or the model."""
    suggest.cache_clear()
    yield
    suggest.cache_clear()


@pytest.fixture
def encoded(monkeypatch):
    """Every text the model embeds, in order."""
    encoder = sentence_encoder._encoder()
    texts: list[str] = []
    real = encoder.encode
    monkeypatch.setattr(encoder, "encode", lambda batch: texts.extend(batch) or real(batch))
    return texts


def test_the_task_embeds_findings_and_open_actions_once(plan, inspection, fresh_process, encoded):
    assert tasks.prepare_suggestions(inspection_id=inspection.pk, plan_id=plan.pk) == 3
    assert sorted(encoded) == sorted(
        [
            "The trust should ensure staff store patient records securely.",
            *(suggest.action_text(a) for a in plan.actions.all()),
        ]
    )
    encoded.clear()
    # Safe to run twice: nothing is embedded again.
    assert tasks.prepare_suggestions(inspection_id=inspection.pk, plan_id=plan.pk) == 0
    assert encoded == []


def test_the_mapping_page_only_reads_the_vectors_the_worker_prepared(
    client, pmo, plan, inspection, fresh_process, monkeypatch, django_assert_num_queries
):
    tasks.prepare_suggestions(inspection_id=inspection.pk, plan_id=plan.pk)
    suggest.cache_clear()  # a web process that never embedded anything

    def no_model(texts):
        raise AssertionError(f"the page embedded {texts}")

    monkeypatch.setattr(suggest, "embeddings_for", no_model)
    client.force_login(pmo)
    url = reverse("finding_mapping", args=[inspection.pk]) + f"?plan={plan.pk}"
    # The same 11 as with the stand-in engine (test_findings_mapping): the rankings come
    # from the cache, not the database.
    with django_assert_num_queries(11):
        response = client.get(url)
    [row] = response.context["rows"]
    assert row.suggestions[0].action.ref == "R1"
    assert response.context["engine_problem"] == ""


def test_vectors_the_worker_has_not_prepared_are_computed_on_the_page_then_kept(
    client, pmo, plan, inspection, fresh_process, encoded
):
    client.force_login(pmo)
    url = reverse("finding_mapping", args=[inspection.pk]) + f"?plan={plan.pk}"
    [row] = client.get(url).context["rows"]
    assert row.suggestions[0].action.ref == "R1"
    assert len(encoded) == 3  # on demand: the finding and the two actions
    encoded.clear()
    suggest.cache_clear()
    # Another query, so the page is rendered again rather than served from the page cache.
    [again] = client.get(url + "&show=unmapped").context["rows"]
    assert encoded == []
    assert [s.score for s in again.suggestions] == pytest.approx(
        [s.score for s in row.suggestions], abs=1e-6
    )


def test_actions_created_in_one_transaction_queue_the_worker_once(
    plan, pmo, fresh_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            for n in range(3):
                services.action_create(
                    plan=plan,
                    by=pmo,
                    ref=f"G{n}",
                    kind=FindingKind.MUST,
                    requirement=f"Governance review {n}.",
                )
    assert len(callbacks) == 1
    # The worker ran after the commit: every open action's vector is ready.
    assert suggest.suggestion_vectors_prepare(plan_id=plan.pk) == 0


def test_editing_an_actions_words_queues_the_worker_and_its_status_does_not(
    plan, pmo, django_capture_on_commit_callbacks
):
    action = plan.actions.get(ref="R1")
    with django_capture_on_commit_callbacks() as callbacks:
        services.action_edit(action=action, by=pmo, base_version=None, status="A")
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        services.action_edit(
            action=action, by=pmo, base_version=None, requirement="Records kept locked."
        )
    assert len(callbacks) == 1


def test_imported_findings_are_embedded_by_the_worker(
    plan, pmo, fresh_process, django_capture_on_commit_callbacks, encoded
):
    inspection = InspectionFactory()
    table = findings.FindingTable(
        header_line=1,
        headers=["Ref", "Must do / should do", "Finding"],
        rows=[(2, ["M1", "Must do", "Patient records were left unlocked."])],
    )
    mapping = findings.mapping_guess(table, None)
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.FINDINGS,
        inspection=inspection,
        uploaded_by=pmo,
        filename="findings.csv",
        state=ImportJob.State.IMPORTING,
        table=findings.table_as_json(table),
        mapping={"columns": mapping.columns, "kind_values": mapping.kind_values},
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert import_jobs.import_job_apply(job_id=job.pk).state == ImportJob.State.IMPORTED
    assert "Patient records were left unlocked." in encoded
    # And the newest plan's open actions, which the mapping page opens on.
    assert suggest.action_text(plan.actions.get(ref="R1")) in encoded


def test_the_worker_ranks_ahead_so_the_page_only_reads_the_rankings(
    client, pmo, plan, inspection, fresh_process, monkeypatch
):
    tasks.prepare_suggestions(inspection_id=inspection.pk, plan_id=plan.pk)
    expected = suggest.suggestions_for(
        texts=[inspection.findings.get().text],
        actions=list(plan.actions.open().order_by("ref", "id")),
    )[0]

    def no_ranking(**kwargs):
        raise AssertionError("the page ranked the findings again")

    monkeypatch.setattr(suggest, "suggestions_for", no_ranking)
    client.force_login(pmo)
    url = reverse("finding_mapping", args=[inspection.pk]) + f"?plan={plan.pk}"
    [row] = client.get(url).context["rows"]
    assert [(s.action, s.score) for s in row.suggestions] == [(s.action, s.score) for s in expected]


def test_a_stored_ranking_is_not_used_once_an_action_is_edited(
    client, pmo, plan, inspection, fresh_process
):
    tasks.prepare_suggestions(inspection_id=inspection.pk, plan_id=plan.pk)
    client.force_login(pmo)
    url = reverse("finding_mapping", args=[inspection.pk]) + f"?plan={plan.pk}"
    [row] = client.get(url).context["rows"]
    assert row.suggestions[0].action.ref == "R1"
    training = plan.actions.get(ref="T3")
    training.requirement = "Staff store patient records securely; spot checks each week."
    training.save()
    records = plan.actions.get(ref="R1")
    records.requirement = "Improve BLS compliance."
    records.save()
    [again] = client.get(url).context["rows"]
    assert again.suggestions[0].action.ref == "T3"
