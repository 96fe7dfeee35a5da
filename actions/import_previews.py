"""Uploaded files waiting behind an import preview (the plan import, the findings import).

The file waits under MEDIA_ROOT until the PMO confirms the preview. A preview left
unconfirmed is deleted once it is older than ``IMPORT_PREVIEW_MAX_AGE_HOURS``: by the
hourly task (``actions.tasks.expire_import_previews``), or on the spot when someone tries
to use it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.utils import timezone

PLAN_IMPORTS = "pending-imports"
FINDINGS_IMPORTS = "pending-findings"
KINDS = (PLAN_IMPORTS, FINDINGS_IMPORTS)


def pending_dir(kind: str) -> Path:
    """The folder of one kind of waiting upload (created on first use)."""
    path = Path(settings.MEDIA_ROOT) / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_age() -> dt.timedelta:
    return dt.timedelta(hours=settings.IMPORT_PREVIEW_MAX_AGE_HOURS)


def expired_message() -> str:
    hours = settings.IMPORT_PREVIEW_MAX_AGE_HOURS
    return (
        f"This preview has expired (previews are kept for {hours} hours); nothing was saved. "
        "Upload the file again to see a fresh preview."
    )


def is_expired(path: Path, *, now: dt.datetime | None = None) -> bool:
    """True when the file behind a preview is gone or older than the setting allows."""
    now = now or timezone.now()
    try:
        written = path.stat().st_mtime
    except FileNotFoundError:
        return True
    return now.timestamp() - written > max_age().total_seconds()


def import_previews_expire(*, now: dt.datetime | None = None) -> int:
    """Delete every waiting upload older than the setting; return how many went.

    Safe to run twice, or while a PMO confirms: a file already gone is skipped.
    """
    now = now or timezone.now()
    deleted = 0
    for kind in KINDS:
        for path in pending_dir(kind).iterdir():
            if path.is_file() and is_expired(path, now=now):
                path.unlink(missing_ok=True)
                deleted += 1
    return deleted
