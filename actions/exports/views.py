"""Downloads of the plan as filtered on the plan page: Excel or CSV."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from .. import access
from .cells import CSV_TYPE, XLSX_TYPE
from .plan_export import export_filename, plan_csv, plan_xlsx

FORMATS = {
    "xlsx": (plan_xlsx, XLSX_TYPE),
    "csv": (plan_csv, CSV_TYPE),
}


@login_required
def plan_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Who may read the plan may download it, with the page's filters and sort."""
    plan = access.get_plan_for_reading(request, pk)
    if fmt not in FORMATS:
        raise Http404("Download the plan as xlsx or csv.")
    build, content_type = FORMATS[fmt]
    response = HttpResponse(build(plan=plan, params=request.GET), content_type=content_type)
    filename = export_filename(plan, fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
