import logging

from celery.signals import worker_process_init
from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Counts and reports read from the plan: Table 1, exception and highlight reports."""

    name = "reporting"

    def ready(self) -> None:
        from actions import hooks

        from . import carryover, services

        hooks.carry_over_settings["reporting"] = carryover.report_settings_copy
        hooks.carry_over_before_move["reporting"] = services.drafts_build_due
        worker_process_init.connect(pdf_worker_warm_up, weak=False)


def pdf_worker_warm_up(**_kwargs) -> None:
    """A PDF worker's new process loads the PDF engine, fonts and templates before its job."""
    from django.conf import settings

    if settings.PDF_WORKER_WARM_UP:
        from .pdf import warm_up

        try:
            warm_up()
        except Exception:  # only a head start: the job itself still renders, or says why
            logging.getLogger(__name__).warning("The PDF worker's warm-up failed", exc_info=True)
