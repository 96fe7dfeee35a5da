"""Import uploads nobody confirmed (the plan import, the findings import): expired.

An upload waits as an ``ImportJob`` (its file under MEDIA_ROOT) until the PMO confirms its
preview. One left unconfirmed is deleted, file and all, once it is older than
``IMPORT_PREVIEW_MAX_AGE_HOURS``: by the hourly task (``actions.tasks.expire_import_previews``),
or on the spot when someone tries to confirm it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import ImportJob

# A job in one of these states is still waiting for the PMO (or was refused or failed).
WAITING = (
    ImportJob.State.READING,
    ImportJob.State.COLUMNS,
    ImportJob.State.CHECKING,
    ImportJob.State.PREVIEW,
    ImportJob.State.REFUSED,
    ImportJob.State.FAILED,
)
PENDING_DIR = "pending-imports"
# The KPI values import keeps its file here too, with no job (kpis.views): swept by age.
PLAN_IMPORTS = PENDING_DIR


def pending_dir(kind: str = PENDING_DIR) -> Path:
    """The folder where uploads wait for their preview to be confirmed (made on first use)."""
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
    """True when a waiting file is gone or older than the setting allows."""
    now = now or timezone.now()
    try:
        written = path.stat().st_mtime
    except FileNotFoundError:
        return True
    return now.timestamp() - written > max_age().total_seconds()


def _expire(job: ImportJob) -> None:
    if job.file:
        job.file.delete(save=False)
    job.delete()


def job_expire_if_old(job: ImportJob, *, now: dt.datetime | None = None) -> bool:
    """Delete ``job`` (and its file) if it waited too long; True when it did."""
    now = now or timezone.now()
    if job.state in WAITING and job.created_at < now - max_age():
        _expire(job)
        return True
    return False


def import_previews_expire(*, now: dt.datetime | None = None) -> int:
    """Delete every waiting upload older than the setting, and any file left without its
    job; return how many uploads went. Safe to run twice, or while a PMO confirms."""
    now = now or timezone.now()
    old = ImportJob.objects.filter(state__in=WAITING, created_at__lt=now - max_age())
    deleted = 0
    for job in old:
        _expire(job)
        deleted += 1
    folder = Path(settings.MEDIA_ROOT) / PENDING_DIR
    if folder.is_dir():
        kept = {Path(name).name for name in ImportJob.objects.values_list("file", flat=True)}
        for path in folder.iterdir():
            if path.is_file() and path.name not in kept and is_expired(path, now=now):
                path.unlink(missing_ok=True)
    return deleted
