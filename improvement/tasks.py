"""Thin Celery tasks for the operational record."""

from celery import shared_task

from . import services


@shared_task
def prune_task_runs() -> int:
    """Forget old task runs (daily); the PMO's page reads only the recent ones."""
    return services.task_runs_prune()
