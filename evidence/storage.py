"""Where evidence files live: a private folder (``EVIDENCE_ROOT``), never a public URL."""

from __future__ import annotations

import os
import uuid
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class EvidenceStorage(FileSystemStorage):
    """``FileSystemStorage`` under ``settings.EVIDENCE_ROOT``, read on every use.

    Reading the setting each time (rather than once at import) lets tests point it at a
    temporary folder with ``override_settings``. There is no public URL: files leave only
    through the download view, which checks who is asking.
    """

    def __init__(self) -> None:
        super().__init__(file_permissions_mode=0o640, directory_permissions_mode=0o750)

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(settings.EVIDENCE_ROOT)

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Evidence has no public URL; use the download view.")

    def deconstruct(self) -> tuple[str, tuple, dict[str, Any]]:
        return ("evidence.storage.EvidenceStorage", (), {})


_storage = EvidenceStorage()


def evidence_storage() -> EvidenceStorage:
    """The callable the model's FileField names, so migrations never freeze a path."""
    return _storage


def evidence_file_name(instance: Any, filename: str) -> str:
    """A generated name with no extension: nothing the user named reaches the disk."""
    token = uuid.uuid4().hex
    return f"{token[:2]}/{token}"
