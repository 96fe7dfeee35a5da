"""Downloads of the plan as filtered on the plan page: Excel or CSV."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from .. import access
from . import plan_export as exports

FORMATS = {
    "xlsx": (exports.plan_xlsx, exports.XLSX_TYPE),
    "csv": (exports.plan_csv, exports.CSV_TYPE),
}


@login_required
def plan_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Who may read the plan may download it, with the page's filters and sort."""
    plan = access.get_plan_for_reading(request, pk)
    if fmt not in FORMATS:
        raise Http404("Download the plan as xlsx or csv.")
    build, content_type = FORMATS[fmt]
    response = HttpResponse(build(plan=plan, params=request.GET), content_type=content_type)
    filename = exports.export_filename(plan, fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
