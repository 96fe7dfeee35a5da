"""The PMO's Automation page (reads in ``automation``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from actions import access as plan_access
from improvement.health import DetailView, token_matches

from .automation import automation as automation_read


@login_required
def automation(request: HttpRequest) -> HttpResponse:
    """For the PMO: is the automation alive, and what failed."""
    if not plan_access.is_pmo(request.user):
        raise PermissionDenied("The Automation page is for the PMO.")
    return render(request, "reporting/automation.html", {"automation": automation_read()})


def _monitoring_or_pmo(request: HttpRequest) -> bool:
    user = request.user
    return token_matches(request) or (user.is_authenticated and plan_access.is_pmo(user))


# /healthz/detail: the monitoring's token, or the PMO signed in.
health_detail = DetailView.as_view(allowed=staticmethod(_monitoring_or_pmo))
