"""Thin Celery tasks of the integrations."""

from celery import shared_task

from . import services


@shared_task
def teams_sweep() -> dict:
    """Post the new events of each plan with a Teams channel; retry the cards that failed."""
    run = services.teams_send()
    return {"queued": run.queued, "sent": run.sent, "failed": run.failed}
