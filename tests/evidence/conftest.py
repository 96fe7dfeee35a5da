"""Fixtures for evidence, closure and sign-off: the people, a private evidence folder, files."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from actions.models import Role
from evidence import services
from evidence.models import ClosureSettings
from tests.factories import ActionFactory, ExecRoleFactory, UserFactory

from . import samples


@pytest.fixture(autouse=True)
def evidence_root(tmp_path, settings):
    """Each test stores evidence in its own empty folder."""
    root = tmp_path / "evidence-store"
    settings.EVIDENCE_ROOT = root
    return root


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer", roles=[Role.REVIEWER])


@pytest.fixture
def exec_lead(db):
    return UserFactory(username="exec", roles=[Role.EXEC_LEAD])


@pytest.fixture
def other_exec(db):
    """An exec lead, but not of the action under test."""
    user = UserFactory(username="exec2", roles=[Role.EXEC_LEAD])
    ExecRoleFactory(code="CFO", holder=user)
    return user


@pytest.fixture
def action(plan, lead, exec_lead):
    """T3, led by "lead", with exec lead DWOD held by "exec"."""
    action = ActionFactory(plan=plan, ref="T3", action_lead=lead, department="Medicine")
    action.exec_roles.set([ExecRoleFactory(code="DWOD", holder=exec_lead)])
    return action


@pytest.fixture
def other_action(plan, other_lead):
    return ActionFactory(plan=plan, ref="R2", action_lead=other_lead)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def pdf_evidence(action, lead):
    return services.evidence_add(
        action=action,
        by=lead,
        kind="file",
        file=upload("Training register.pdf", samples.PDF, "application/pdf"),
        description="Training register, March 2026",
    )


@pytest.fixture
def closure(action, lead, pdf_evidence):
    return services.closure_request(
        action=action,
        by=lead,
        summary="All staff trained; register attached.",
        evidence=[pdf_evidence],
    )


@pytest.fixture
def peer_inspection_plan(plan):
    ClosureSettings.objects.create(plan=plan, peer_inspection_required=True)
    return plan


def stored_files(root) -> list:
    """Every file under the evidence folder."""
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
