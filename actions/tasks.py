"""Thin Celery tasks: each calls one service and is safe to run twice."""

from celery import shared_task

from . import services


@shared_task
def lock_due_periods() -> int:
    """Lock every period whose deadline has passed (the schedule is each plan's data)."""
    return len(services.periods_lock_due())
