"""The read-only API for the trust's information team (Power BI), with OpenAPI docs.

Everything is GET. A request carries an API token the PMO made (``Authorization: Bearer
ipt_…``), which reads what a plan reader (PMO, exec lead, reviewer, board) reads; or a
signed-in session, which reads what the same person's pages show: an action lead sees only
the actions they lead, their updates and sign-offs, and nothing plan-wide. Every list is
paginated (``page``, ``page_size`` up to 500). Each request is logged with the token or
user, the path and the status. KPIs are read as their pages read them: a plan reader reads
all of a plan's KPIs, a KPI's owner reads the KPIs they own.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Annotated, Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, NinjaAPI, Router, Schema
from ninja.errors import HttpError
from ninja.openapi.docs import Swagger
from ninja.pagination import PageNumberPagination, paginate
from ninja.security import HttpBearer, SessionAuth
from pydantic import WithJsonSchema

from actions import access
from actions.models import (
    Action,
    FindingKind,
    KeyQuestion,
    Plan,
    ReportingPeriod,
    Status,
    WeeklyUpdate,
)
from evidence.models import SignOff
from kpis import selectors as kpi_selectors
from kpis import spc
from kpis.access import REFUSED as KPIS_REFUSED
from kpis.models import Direction, Kpi, KpiValue

from . import services
from .models import ApiToken

logger = logging.getLogger(__name__)

PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
LEADS_ONLY = "You can see only the plans you lead actions in, and those actions."
READERS_ONLY = "This is for the PMO, exec leads, reviewers and the board."


@dataclass(frozen=True)
class Reader:
    """Who is reading: an API token (a plan reader) or a signed-in person."""

    plan_wide: bool
    token: ApiToken | None = None
    user: Any = None

    @property
    def log_name(self) -> str:
        if self.token:
            return f"token {self.token.pk}"
        return f"user {self.user.pk}" if self.user else "nobody"


class ApiTokenAuth(HttpBearer):
    """An API token from the PMO's "API tokens" page."""

    openapi_description = (
        "An API token the PMO made on the API tokens page, sent as "
        "`Authorization: Bearer ipt_…`. It reads what a plan reader reads."
    )

    def authenticate(self, request: HttpRequest, token: str) -> Reader | None:
        found = ApiToken.objects.active().filter(token_hash=services.token_hash(token)).first()
        return Reader(plan_wide=True, token=found) if found else None


class SignedInAuth(SessionAuth):
    """The site's own sign-in: the same permissions as the pages."""

    openapi_description = "Signed in to the site: reads what your pages show."

    def authenticate(self, request: HttpRequest, key: str | None) -> Reader | None:
        user = request.user
        if not user.is_authenticated:
            return None
        return Reader(plan_wide=access.can_read_plan(user), user=user)


class ImprovementPlanApi(NinjaAPI):
    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        """Every answer, data or error, is logged and kept out of shared caches."""
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        response["Cache-Control"] = "private, no-store"
        reader = getattr(request, "auth", None)
        if not isinstance(reader, Reader):  # refused before anyone was recognised
            reader = Reader(plan_wide=False)
        logger.info(
            "API %s %s %s by %s",
            request.method,
            request.path,
            response.status_code,
            reader.log_name,
            extra={
                "api_token_id": reader.token.pk if reader.token else None,
                "user_id": reader.user.pk if reader.user else None,
                "path": request.path,
                "status": response.status_code,
            },
        )
        return response


api = ImprovementPlanApi(
    title="Improvement plan API",
    version="1",
    description=(
        "Read-only data of the CQC improvement plans, for the trust's information team "
        "(e.g. Power BI). Send an API token from the PMO as `Authorization: Bearer ipt_…`. "
        "Lists come in pages: `page` (from 1) and `page_size` (default 100, at most 500); "
        "`count` is the total. Statuses are RAGB: R Red, A Amber, G Green, B Blue "
        "(completed, signed off), W White (not yet due to start). Times are in UTC (ISO "
        "8601). KPIs come with their latest value and the NHS Making Data Count reading of "
        "their XmR chart (variation and assurance); their values come in their own list."
    ),
    urls_namespace="api-v1",
    auth=[ApiTokenAuth(), SignedInAuth()],
    docs=Swagger(settings={"validatorUrl": None, "defaultModelsExpandDepth": 0}),
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=login_required,
)
router = Router(tags=["Improvement plans"])


# RAGB as the API documents it (the model's own docstring is for developers).
Ragb = Annotated[
    Status,
    WithJsonSchema(
        {
            "type": "string",
            "enum": list(Status.values),
            "description": "RAGB: R Red (off track), A Amber (recoverable), G Green (on track), "
            "B Blue (completed and signed off), W White (not yet due to start).",
        }
    ),
]


def _reader(request: HttpRequest) -> Reader:
    return request.auth  # type: ignore[attr-defined]


def _plan_for(request: HttpRequest, plan_id: int, *, plan_wide: bool = False) -> Plan:
    """The plan, if the reader may read it (or, with ``plan_wide``, read all of it)."""
    reader = _reader(request)
    plan = get_object_or_404(Plan, pk=plan_id)
    if reader.plan_wide:
        return plan
    if plan_wide:
        raise HttpError(403, READERS_ONLY)
    if not Action.objects.filter(plan=plan).led_by(reader.user).exists():
        raise HttpError(403, LEADS_ONLY)
    return plan


def _visible(request: HttpRequest, queryset: QuerySet, lead_field: str) -> QuerySet:
    """All of it for a plan reader; only the rows of their own actions for a lead."""
    reader = _reader(request)
    return queryset if reader.plan_wide else queryset.filter(**{lead_field: reader.user})


def _name(user) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


# Schemas --------------------------------------------------------------------------------


class PlanOut(Schema):
    id: int
    name: str
    trust: str
    cadence: Plan.Cadence
    deadline: str = Field(description="The weekly lock, as users say it: 'Wednesday 12:00'.")
    time_zone: str
    cycle_starts_on: dt.date
    created_at: dt.datetime
    closed_at: dt.datetime | None = Field(
        description="When the open actions were carried into a new plan year; read-only since."
    )
    previous_plan_id: int | None

    @staticmethod
    def resolve_deadline(plan: Plan) -> str:
        return plan.deadline_label

    @staticmethod
    def resolve_previous_plan_id(plan: Plan) -> int | None:
        return plan.previous_id


class ActionOut(Schema):
    id: int
    plan_id: int
    ref: str
    theme: str
    department: str
    kind: FindingKind = Field(description="The kind of finding the action answers.")
    kind_label: str
    requirement: str
    status: Ragb = Field(description="RAGB now: R, A, G, B (completed) or W (not yet due).")
    status_label: str
    action_lead: str | None = Field(description="The action lead's name.")
    exec_leads: str = Field(description="Exec lead roles as the plan writes them: 'DOps/MD'.")
    start_date: dt.date | None
    end_date: dt.date | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_kind_label(action: Action) -> str:
        return action.get_kind_display()

    @staticmethod
    def resolve_status_label(action: Action) -> str:
        return action.get_status_display()

    @staticmethod
    def resolve_action_lead(action: Action) -> str | None:
        return _name(action.action_lead)

    @staticmethod
    def resolve_exec_leads(action: Action) -> str:
        return action.exec_lead_label


class SnapshotCounts(Schema):
    """The plan as it stood at the lock (the exception report's figures)."""

    actions: int
    updated: int
    not_updated: int = Field(description="Blank or missing updates: counted as not reviewed.")
    red: int
    amber: int
    green: int
    blue: int
    white: int


class PeriodOut(Schema):
    id: int
    label: str = Field(description="'Week ending Wed 25 Nov 2026'.")
    deadline: dt.datetime
    locked_at: dt.datetime | None
    lock_kind: ReportingPeriod.LockKind | None
    lock_kind_label: str | None
    snapshot: SnapshotCounts | None = Field(description="null until the period is locked.")

    @staticmethod
    def resolve_lock_kind(period: ReportingPeriod) -> str | None:
        return period.lock_kind or None

    @staticmethod
    def resolve_lock_kind_label(period: ReportingPeriod) -> str | None:
        return period.get_lock_kind_display() or None

    @staticmethod
    def resolve_snapshot(period: ReportingPeriod) -> dict | None:
        if not period.snap_actions:
            return None
        return {
            "actions": period.snap_actions,
            "updated": period.snap_updated,
            "not_updated": period.snap_actions - period.snap_updated,
            **{s.label.lower(): getattr(period, f"snap_{s.label.lower()}") for s in Status},
        }


class UpdateOut(Schema):
    id: int
    action_id: int
    action_ref: str
    period_id: int
    period_deadline: dt.datetime
    status: Ragb
    status_label: str
    narrative: str
    author: str | None = Field(description="Who wrote it.")
    submitted_at: dt.datetime
    revision: int = Field(description="1, then one more each time it was replaced.")
    late: bool = Field(description="Saved after the lock, in a late window the PMO gave.")

    @staticmethod
    def resolve_action_ref(update: WeeklyUpdate) -> str:
        return update.action.ref

    @staticmethod
    def resolve_period_deadline(update: WeeklyUpdate) -> dt.datetime:
        return update.period.deadline

    @staticmethod
    def resolve_status_label(update: WeeklyUpdate) -> str:
        return update.get_status_display()

    @staticmethod
    def resolve_author(update: WeeklyUpdate) -> str | None:
        return _name(update.author)


class MeetingOut(Schema):
    id: int
    name: str
    held_on: dt.date


class SignOffOut(Schema):
    id: int
    action_id: int
    action_ref: str
    decision: SignOff.Decision
    reason: str
    decided_by: str
    decided_at: dt.datetime
    meeting: MeetingOut | None = Field(description="The assurance meeting, if any.")

    @staticmethod
    def resolve_action_id(sign_off: SignOff) -> int:
        return sign_off.closure.action_id

    @staticmethod
    def resolve_action_ref(sign_off: SignOff) -> str:
        return sign_off.closure.action.ref

    @staticmethod
    def resolve_decided_by(sign_off: SignOff) -> str:
        return _name(sign_off.decided_by) or ""


def _kpi_summary(kpi: Kpi) -> kpi_selectors.KpiSummary:
    """The KPI's XmR reading, worked out once per KPI from its prefetched values."""
    summary = getattr(kpi, "api_summary", None)
    if summary is None:
        summary = kpi_selectors.summarise(kpi, kpi.ordered_values)
        kpi.api_summary = summary  # type: ignore[attr-defined]
    return summary


class KpiOut(Schema):
    id: int
    plan_id: int
    ref: str
    name: str
    unit: str = Field(description="What a value counts: '%', 'days', 'patients'.")
    direction: Direction = Field(description="Which way is better: increase or decrease.")
    direction_label: str
    target: float | None
    key_question: KeyQuestion = Field(description="The CQC key question it measures.")
    key_question_label: str
    owner: str | None = Field(description="The name of who enters its values.")
    values_count: int
    latest_date: dt.date | None
    latest_value: float | None
    variation: spc.PointType | None = Field(
        description="The latest point's variation on the XmR chart (NHS Making Data Count): "
        "common cause, or special cause improvement or concern. null before 2 values."
    )
    variation_icon: str | None = Field(
        description="The Making Data Count icon: common-cause, improvement-high, "
        "improvement-low, concern-high or concern-low."
    )
    variation_label: str | None
    assurance: spc.Assurance | None = Field(
        description="Whether the target will be met (the target against the process limits); "
        "null without a target."
    )
    assurance_icon: str | None = Field(description="pass, fail or hit-and-miss.")
    assurance_label: str | None

    @staticmethod
    def resolve_direction_label(kpi: Kpi) -> str:
        return kpi.get_direction_display()

    @staticmethod
    def resolve_key_question_label(kpi: Kpi) -> str:
        return kpi.get_key_question_display()

    @staticmethod
    def resolve_owner(kpi: Kpi) -> str | None:
        return _name(kpi.owner)

    @staticmethod
    def resolve_values_count(kpi: Kpi) -> int:
        return len(kpi.ordered_values)

    @staticmethod
    def resolve_latest_date(kpi: Kpi) -> dt.date | None:
        latest = _kpi_summary(kpi).latest
        return latest.date if latest else None

    @staticmethod
    def resolve_latest_value(kpi: Kpi) -> float | None:
        latest = _kpi_summary(kpi).latest
        return latest.value if latest else None

    @staticmethod
    def resolve_variation(kpi: Kpi) -> str | None:
        chart = _kpi_summary(kpi).chart
        return chart.variation if chart else None

    @staticmethod
    def resolve_variation_icon(kpi: Kpi) -> str | None:
        icon = _kpi_summary(kpi).variation
        return icon.kind if icon else None

    @staticmethod
    def resolve_variation_label(kpi: Kpi) -> str | None:
        icon = _kpi_summary(kpi).variation
        return icon.label if icon else None

    @staticmethod
    def resolve_assurance(kpi: Kpi) -> str | None:
        chart = _kpi_summary(kpi).chart
        return chart.assurance if chart else None

    @staticmethod
    def resolve_assurance_icon(kpi: Kpi) -> str | None:
        icon = _kpi_summary(kpi).assurance
        return icon.kind if icon else None

    @staticmethod
    def resolve_assurance_label(kpi: Kpi) -> str | None:
        icon = _kpi_summary(kpi).assurance
        return icon.label if icon else None


class KpiValueOut(Schema):
    kpi_id: int
    date: dt.date = Field(description="The day the period ends (or the day measured).")
    value: float


class Error(Schema):
    detail: str


ERRORS: dict[int, type[Schema]] = {401: Error, 403: Error, 404: Error}


# Endpoints ------------------------------------------------------------------------------


@router.get("/plans", response={200: list[PlanOut], 401: Error}, summary="Plans")
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def plan_list(request: HttpRequest):
    """Every plan for a plan reader; for an action lead, the plans they lead actions in."""
    plans = Plan.objects.order_by("name", "id")
    reader = _reader(request)
    if not reader.plan_wide:
        plans = plans.filter(pk__in=Action.objects.led_by(reader.user).values("plan_id"))
    return plans


@router.get("/plans/{plan_id}", response={200: PlanOut, **ERRORS}, summary="One plan")
def plan_detail(request: HttpRequest, plan_id: int):
    return _plan_for(request, plan_id)


@router.get(
    "/plans/{plan_id}/actions",
    response={200: list[ActionOut], **ERRORS},
    summary="The plan's actions",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def action_list(
    request: HttpRequest,
    plan_id: int,
    status: Ragb | None = None,
    kind: FindingKind | None = None,
):
    """Each action with its current RAGB. A lead sees only the actions they lead."""
    plan = _plan_for(request, plan_id)
    actions = _visible(request, plan.actions.for_listing(), "action_lead")
    if status:
        actions = actions.filter(status=status)
    if kind:
        actions = actions.filter(kind=kind)
    return actions.order_by("id")


@router.get(
    "/plans/{plan_id}/periods",
    response={200: list[PeriodOut], **ERRORS},
    summary="Reporting periods and their lock snapshots",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def period_list(request: HttpRequest, plan_id: int):
    """Each period's deadline and lock, and the counts of the snapshot taken at the lock:
    updated, not updated, and actions by status. For plan readers only."""
    plan = _plan_for(request, plan_id, plan_wide=True)
    by_status = {
        f"snap_{s.label.lower()}": Count("snapshot", filter=Q(snapshot__action_status=s))
        for s in Status
    }
    # One grouped query: the counts come with the page of periods.
    return (
        plan.periods.select_related("plan")
        .annotate(
            snap_actions=Count("snapshot"),
            snap_updated=Count("snapshot", filter=Q(snapshot__updated=True)),
            **by_status,
        )
        .order_by("deadline", "id")
    )


@router.get(
    "/plans/{plan_id}/updates",
    response={200: list[UpdateOut], **ERRORS},
    summary="Weekly updates",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def update_list(request: HttpRequest, plan_id: int, period_id: int | None = None):
    """Every weekly update, newest period first. A lead sees the updates of their actions."""
    plan = _plan_for(request, plan_id)
    updates = WeeklyUpdate.objects.filter(action__plan=plan).select_related(
        "action", "period", "author"
    )
    updates = _visible(request, updates, "action__action_lead")
    if period_id is not None:
        updates = updates.filter(period_id=period_id)
    return updates.order_by("-period__deadline", "action_id", "id")


@router.get(
    "/plans/{plan_id}/sign-offs",
    response={200: list[SignOffOut], **ERRORS},
    summary="Closure sign-offs",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def sign_off_list(request: HttpRequest, plan_id: int):
    """Each decision on a closure: approved (the action is Blue) or declined, with why."""
    plan = _plan_for(request, plan_id)
    sign_offs = SignOff.objects.filter(closure__action__plan=plan).select_related(
        "closure__action", "decided_by", "meeting"
    )
    sign_offs = _visible(request, sign_offs, "closure__action__action_lead")
    return sign_offs.order_by("-decided_at", "-id")


def _kpi_plan_for(request: HttpRequest, plan_id: int) -> tuple[Plan, bool]:
    """The plan and whether the reader reads all its KPIs (else only the ones they own),
    as the plan's KPI page decides (kpis.access)."""
    reader = _reader(request)
    plan = get_object_or_404(Plan, pk=plan_id)
    if reader.plan_wide:
        return plan, True
    if Kpi.objects.in_plan(plan).owned_by(reader.user).exists():
        return plan, False
    raise HttpError(403, KPIS_REFUSED)


@router.get(
    "/plans/{plan_id}/kpis",
    response={200: list[KpiOut], **ERRORS},
    summary="The plan's KPIs",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def kpi_list(request: HttpRequest, plan_id: int, key_question: KeyQuestion | None = None):
    """Each KPI with its latest value and the reading of its XmR chart: variation and, with
    a target, assurance. A KPI's owner who does not read the plan sees their own KPIs."""
    plan, reads_all = _kpi_plan_for(request, plan_id)
    kpis = Kpi.objects.in_plan(plan).for_listing()
    if not reads_all:
        kpis = kpis.owned_by(_reader(request).user)
    if key_question:
        kpis = kpis.filter(key_question=key_question)
    # The page's values in one query, however many KPIs the page holds.
    return kpis.prefetch_related(
        Prefetch("values", queryset=KpiValue.objects.order_by("date"), to_attr="ordered_values")
    ).order_by("id")


@router.get(
    "/plans/{plan_id}/kpis/{kpi_id}/values",
    response={200: list[KpiValueOut], **ERRORS},
    summary="A KPI's values",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def kpi_value_list(request: HttpRequest, plan_id: int, kpi_id: int):
    """The KPI's values, oldest first: one a date (a later value for a date replaced it)."""
    plan, reads_all = _kpi_plan_for(request, plan_id)
    kpi = get_object_or_404(Kpi.objects.in_plan(plan), pk=kpi_id)
    if not reads_all and kpi.owner_id != _reader(request).user.pk:
        raise HttpError(403, KPIS_REFUSED)
    return kpi.values.order_by("date", "id")


api.add_router("/", router)
