"""Pages of the weekly cycle: My actions, the update form, the action, the plan, the lock."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from improvement.forms import add_errors

from . import access, hooks, selectors, services
from .filters import SORTS, ActionFilter
from .forms import LateWindowForm, LockNowForm, UpdateForm
from .models import (
    Action,
    BaselineDate,
    LateWindow,
    Plan,
    PlanEvent,
    ReportingPeriod,
    WeeklyUpdate,
)
from .timeleft import time_left

RECENT_UPDATES = 5


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to where its work is (``selectors.navigation`` decides)."""
    return redirect(selectors.navigation(request.user).home)


def _update_card(
    *,
    action: Action,
    period: ReportingPeriod,
    update: WeeklyUpdate | None,
    recent: list[WeeklyUpdate],
    form: UpdateForm | None = None,
    saved: bool = False,
    locked_message: str = "",
    conflict: services.EditConflict | None = None,
) -> dict:
    """Everything one action's card on "My actions" shows."""
    if form is None:
        form = UpdateForm(
            prefix=f"a{action.pk}",
            initial={
                "status": update.status if update else action.status,
                "narrative": update.narrative if update else "",
                **_period_fields(period),
                "base_revision": update.revision if update else 0,
            },
        )
    earlier = [u for u in recent if u.period_id != period.pk]
    today = timezone.localtime(timezone.now(), action.plan.tz).date()
    # "On plan" alone is refused on this action (past its end date, Red or Amber): neither
    # the button nor "Same as last week" with a bare "On plan" is offered there.
    on_plan_refusal = services.on_plan_refusal(action=action, status=action.status, today=today)
    last = earlier[0] if earlier else None
    if last and on_plan_refusal and services.is_bare_on_plan(last.narrative):
        last = None
    return {
        "action": action,
        "period": period,
        "update": update,
        "earlier_updates": earlier,
        "form": form,
        "saved": saved,
        "locked_message": locked_message,
        "conflict": conflict,
        "on_plan_refusal": on_plan_refusal,
        "same_as_last": last,
    }


def _period_fields(period: ReportingPeriod) -> dict[str, str]:
    """The update form's hidden period fields: the period's id, or, while the open period
    has no row yet (pages write nothing), its deadline; the save creates the row."""
    if period.pk is not None:
        return {"period": str(period.pk), "deadline": ""}
    return {"period": "", "deadline": period.deadline.isoformat()}


def _posted_period(action: Action, form: UpdateForm) -> ReportingPeriod:
    """The period the form was for: its row, or the unsaved open period by its deadline."""
    if form.cleaned_data["period"] is not None:
        period = get_object_or_404(
            ReportingPeriod, pk=form.cleaned_data["period"], plan=action.plan
        )
    else:
        period = ReportingPeriod(plan=action.plan, deadline=form.cleaned_data["deadline"])
    period.plan = action.plan
    return period


def _period_row(period: ReportingPeriod) -> ReportingPeriod:
    """``period``'s row if another save has created it since the form was shown."""
    if period.pk is not None:
        return period
    row = ReportingPeriod.objects.filter(plan=period.plan, deadline=period.deadline).first()
    if row is None:
        return period
    row.plan = period.plan
    return row


def _recent_updates_prefetch() -> Prefetch:
    return Prefetch(
        "updates",
        queryset=WeeklyUpdate.objects.select_related("period__plan", "author").order_by(
            "-period__deadline", "-id"
        )[: RECENT_UPDATES + 1],
        to_attr="recent_updates",
    )


@login_required
def my_actions(request: HttpRequest) -> HttpResponse:
    """The lead's open actions with this period's update form on each."""
    now = timezone.now()
    late_windows = list(
        LateWindow.objects.filter(lead=request.user, expires_at__gt=now)
        .select_related("period__plan")
        .order_by("period__deadline")
    )
    chosen_late = None
    if request.GET.get("period"):
        chosen_late = next(
            (w for w in late_windows if str(w.period_id) == request.GET["period"]), None
        )
        if chosen_late is None:
            raise PermissionDenied("You have no late window open on that period.")

    actions = list(
        Action.objects.open()
        .led_by(request.user)
        .for_listing()
        .prefetch_related(
            _recent_updates_prefetch(), *(p() for p in hooks.my_actions_prefetches.values())
        )
        .order_by("plan_id", "id")
    )
    periods: dict[int, ReportingPeriod] = {}
    for plan in {a.plan_id: a.plan for a in actions}.values():
        if chosen_late and chosen_late.period.plan_id == plan.pk:
            periods[plan.pk] = chosen_late.period
        else:
            periods[plan.pk] = services.period_current(plan=plan, now=now)
    this_period = {
        u.action_id: u
        # By id: an open period nobody has written to yet is unsaved and has no updates.
        for u in WeeklyUpdate.objects.filter(
            action__in=actions, period_id__in=[p.pk for p in periods.values() if p.pk]
        )
    }
    cards = [
        _update_card(
            action=a,
            period=periods[a.plan_id],
            update=this_period.get(a.pk),
            recent=a.recent_updates,
        )
        for a in actions
    ]
    # What is still to do comes first; the updated ones follow, folded away.
    todo = [c for c in cards if not c["update"]]
    done = [c for c in cards if c["update"]]
    current_periods = [
        p for p in periods.values() if not (chosen_late and chosen_late.period_id == p.pk)
    ]
    deadlines = [
        {
            "plan": p.plan,
            "period": p,
            "label": p.plan.deadline_label,
            "left": time_left(now, p.deadline),
            "late_window": chosen_late if chosen_late and chosen_late.period == p else None,
            "done": sum(1 for c in done if c["action"].plan_id == p.plan_id),
            "total": sum(1 for c in cards if c["action"].plan_id == p.plan_id),
            "todo": [c["action"] for c in todo if c["action"].plan_id == p.plan_id],
        }
        for p in periods.values()
    ]
    only_todo = request.GET.get("show") == "todo"
    query = request.GET.copy()
    query.pop("show", None)
    return render(
        request,
        "actions/my_actions.html",
        {
            "todo_cards": todo,
            "done_cards": [] if only_todo else done,
            "total": len(cards),
            "only_todo": only_todo,
            "show_all_query": query.urlencode(),
            "show_todo_query": _with(query, show="todo"),
            "deadlines": deadlines,
            "late_windows": late_windows,
            "chosen_late": chosen_late,
            "early_locks": selectors.early_lock_notices(current_periods),
            "panels": _my_actions_panels(hooks.my_actions_panels, request.user, now),
            "sections": _my_actions_panels(hooks.my_actions_sections, request.user, now),
        },
    )


def _with(query, **values) -> str:
    query = query.copy()
    for key, value in values.items():
        query[key] = value
    return query.urlencode()


@login_required
def accountable_actions(request: HttpRequest) -> HttpResponse:
    """An exec lead's open actions, grouped for their weekly action meeting."""
    access.require_exec_lead(request)
    now = timezone.now()
    periods = {
        plan.pk: services.period_current(plan=plan, now=now)
        for plan in selectors.accountable_plans(request.user)
    }
    plans = selectors.accountable_actions(user=request.user, periods=periods, now=now)
    return render(request, "actions/accountable_actions.html", {"plans": plans})


def _my_actions_panels(registry: dict, user, now) -> list[dict]:
    """What the apps above have to tell the lead (``hooks.my_actions_panels``, ``_sections``)."""
    panels = (make(user=user, now=now) for make in registry.values())
    return [panel for panel in panels if panel]


def _card_for(
    action: Action, period: ReportingPeriod, update: WeeklyUpdate | None = None, **extra
) -> dict:
    """The card's context; ``update`` is this period's update when the caller has it."""
    # What the apps above show on the card (evidence: its closures), as on "My actions".
    prefetch_related_objects([action], *(p() for p in hooks.my_actions_prefetches.values()))
    if update is None:
        update = WeeklyUpdate.objects.filter(action=action, period_id=period.pk).first()
    # The card shows each earlier update's period, status and text; every period is of the
    # action's own plan (update_submit refuses any other), already loaded.
    recent = list(
        action.updates.select_related("period").order_by("-period__deadline")[: RECENT_UPDATES + 1]
    )
    for earlier in recent:
        earlier.period.plan = action.plan
    return _update_card(action=action, period=period, update=update, recent=recent, **extra)


@login_required
def action_update(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the update form alone (the link in reminders). POST: save, via htmx or not."""
    action = access.get_action_for_update(request, pk)
    now = timezone.now()
    if request.method != "POST":
        if not action.is_open:
            messages.info(request, f"{action.ref} is complete; it takes no more updates.")
            return redirect(action)
        period = services.period_current(plan=action.plan, now=now)
        return render(request, "actions/update_page.html", _card_for(action, period))

    form = UpdateForm(request.POST, prefix=f"a{action.pk}")
    period = None
    if form.is_valid():
        period = _posted_period(action, form)
        try:
            update = services.update_submit(
                action=action,
                period=period,
                author=request.user,
                status=form.cleaned_data["status"],
                narrative=form.cleaned_data["narrative"],
                base_revision=form.cleaned_data["base_revision"],
                recovery={
                    "what": form.cleaned_data["recovery_what"],
                    "by_when": form.cleaned_data["recovery_by_when"],
                    "who": form.cleaned_data["recovery_who"],
                },
                now=now,
            )
        except services.PeriodLocked as locked:
            # Keep what they typed, aimed at the open period: one click saves it there.
            next_period = services.period_current(plan=action.plan, now=now)
            next_update = WeeklyUpdate.objects.filter(
                action=action, period_id=next_period.pk
            ).first()
            data = request.POST.copy()
            for name, value in _period_fields(next_period).items():
                data[f"a{action.pk}-{name}"] = value
            data[f"a{action.pk}-base_revision"] = str(next_update.revision if next_update else 0)
            card = _card_for(
                action,
                next_period,
                form=UpdateForm(data, prefix=f"a{action.pk}"),
                locked_message=str(locked),
            )
            card["form"].errors.clear()
            return _render_card(request, card, status=409)
        except services.EditConflict as conflict:
            card = _card_for(action, _period_row(period), conflict=conflict)
            card["form"] = _resubmittable(request, action, card)
            return _render_card(request, card, status=409)
        except ValidationError as error:
            add_errors(form, error)
        else:
            if not request.htmx:
                messages.success(request, f"Update saved on {action.ref}.")
                return redirect("my_actions")
            return _render_card(request, _saved_card(request, action, period, update))
    if period is None:
        period = services.period_current(plan=action.plan, now=now)
    return _render_card(request, _card_for(action, period, form=form), status=422)


def _saved_card(
    request: HttpRequest, action: Action, period: ReportingPeriod, update: WeeklyUpdate
) -> dict:
    """The card after an htmx save, with the progress line when the count moved."""
    # The saved row's new status and version (``update.action`` is the row the save locked
    # and wrote), on the instance that already holds the plan the card shows: no second
    # read of either.
    saved = update.action
    if period.pk is None:  # the first save of the period created its row
        period = update.period
    action.status, action.version = saved.status, saved.version
    action.updated_at = saved.updated_at
    card = _card_for(action, period, update=update, saved=True)
    if update.revision == 1:
        # A first update for the period moves "You have updated N of M" on; saving over
        # one (most saves) changes neither count nor list: nothing to refresh.
        card["progress"] = _progress(request.user, period)
    return card


def _progress(user, period: ReportingPeriod) -> dict:
    """How many of the lead's open actions in this plan have an update for ``period``, and
    which have not: one query, whatever the number of actions."""
    rows = list(
        Action.objects.open()
        .led_by(user)
        .filter(plan_id=period.plan_id)
        .with_update_state(period)
        .order_by("id")
        .values("pk", "ref", "updated_this_period")
    )
    todo = [{"pk": r["pk"], "ref": r["ref"]} for r in rows if not r["updated_this_period"]]
    return {"period": period, "total": len(rows), "done": len(rows) - len(todo), "todo": todo}


def _resubmittable(request: HttpRequest, action: Action, card: dict) -> UpdateForm:
    """After a conflict: the author's own text, based on the update that is now saved."""
    data = request.POST.copy()
    update = card["update"]
    data[f"a{action.pk}-base_revision"] = str(update.revision if update else 0)
    form = UpdateForm(data, prefix=f"a{action.pk}")
    form.is_valid()
    form.errors.clear()
    return form


def _render_card(request: HttpRequest, card: dict, status: int = 200) -> HttpResponse:
    template = "actions/_update_card.html" if request.htmx else "actions/update_page.html"
    # htmx swaps only 2xx responses by default; the card carries the error itself.
    return render(request, template, card, status=200 if request.htmx else status)


@login_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = access.get_action_for_view(request, pk)
    updates = action.updates.select_related("period__plan", "author").order_by("-period__deadline")
    history = action.history.select_related("actor").order_by("-at", "-id")
    extra: dict = {}
    for page_context in hooks.action_page_context.values():
        extra.update(page_context(user=request.user, action=action))
    return render(
        request,
        "actions/action_detail.html",
        {
            **extra,
            "action": action,
            "updates": updates,
            "history": history,
            "recovery_plans": action.recovery_plans.select_related("period__plan", "recorded_by"),
            "findings": action.findings.select_related("inspection"),
            "can_update": access.can_update_action(request.user, action) and action.is_open,
            "can_edit": access.is_pmo(request.user),
            **_change_control(request, action),
            "extra_rows": [
                row
                for make in hooks.action_page_rows.values()
                for row in make(action=action, user=request.user)
            ],
        },
    )


def _change_control(request: HttpRequest, action: Action) -> dict:
    """The action's baseline end date, its change requests and whether this user may ask."""
    held = BaselineDate.objects.in_force(action.plan_id).filter(action=action).first()
    return {
        "baseline_date": held,
        "plan_baselined": held is not None
        or (action.plan.baselines.exists() if access.can_read_plan(request.user) else False),
        "change_requests": action.change_requests.all()[:20],
        "can_request_change": held is not None
        and action.is_open
        and not action.plan.is_closed
        and access.can_request_change(request.user, action),
    }


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole plan, filtered, searched, sorted and paginated, with Table 1 on top.

    The table part and the period's counts are rendered once per state of the plan and
    query, and served from the cache until anything they show changes
    (``selectors.plan_page_fingerprint``); the countdown, the lock form and its CSRF token
    are rendered on every request.
    """
    plan = access.get_plan_for_reading(request, pk)
    return _plan_page(request, plan)


def _plan_page(
    request: HttpRequest, plan: Plan, lock_form: LockNowForm | None = None, status: int = 200
) -> HttpResponse:
    """The plan page; ``lock_form`` bound with its errors when "Lock plan now" was refused."""
    now = timezone.now()
    period = services.period_current(plan=plan, now=now)
    fingerprint = selectors.plan_page_fingerprint(plan=plan, period=period)
    can_manage = access.is_pmo(request.user)
    key = _plan_body_key(request, fingerprint=fingerprint, can_manage=can_manage, now=now)
    parts = cache.get(key)
    if parts is None:
        parts = _plan_body(request, plan=plan, period=period, can_manage=can_manage)
        cache.set(key, parts, settings.PLAN_PAGE_CACHE_SECONDS)
    # Both were rendered by our own templates, with autoescaping, now or earlier.
    body = mark_safe(parts["body"])  # nosec B308 B703
    last_lock = mark_safe(parts["last_lock"])  # nosec B308 B703
    return render(
        request,
        "actions/plan_detail.html",
        {
            "plan": plan,
            "period": period,
            "left": time_left(now, period.deadline),
            "open_count": parts["open_count"],
            "updated_count": parts["updated_count"],
            "lock_form": lock_form or LockNowForm(),
            "can_manage": can_manage,
            "body": body,
            "last_lock": last_lock,
        },
        status=status,
    )


def _plan_body_key(request: HttpRequest, *, fingerprint: str, can_manage: bool, now) -> str:
    """The cache key of the table part: the plan's fingerprint, the query, the day, the role.

    The day is in it because "past end date" and dates read against today; the role because
    the PMO and the readers may one day see different links. Names of people (leads, exec
    role holders) are not in the fingerprint: ``PLAN_PAGE_CACHE_SECONDS`` bounds how long a
    renamed person keeps an old name on this page.
    """
    query = hashlib.blake2b(request.GET.urlencode().encode(), digest_size=12).hexdigest()
    today = timezone.localdate(now)
    return f"plan-page:1:{fingerprint}:{query}:{today:%Y%m%d}:{int(can_manage)}"


def _plan_body(
    request: HttpRequest, *, plan: Plan, period: ReportingPeriod, can_manage: bool
) -> dict[str, str | int]:
    base = plan.actions.all()
    actions = base.for_listing().with_update_state(period)
    action_filter = ActionFilter(request.GET or None, queryset=actions, plan=plan)
    filtered = action_filter.qs
    sort = request.GET.get("sort", "")
    key = SORTS.get(sort.lstrip("-"))
    filtered = (
        filtered.order_by(f"{'-' if sort.startswith('-') else ''}{key}", "id")
        if key
        else (filtered.order_by("id"))
    )
    page = Paginator(filtered, per_page=settings.PLAN_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    last_lock = plan.periods.filter(locked_at__isnull=False).order_by("-deadline").first()
    body = render_to_string(
        "actions/_plan_body.html",
        {
            "plan": plan,
            "table": selectors.status_by_kind(base),
            "filter": action_filter,
            "page": page,
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "sort": sort,
            "can_manage": can_manage,
        },
    )
    open_actions = base.open()
    return {
        "body": body,
        "last_lock": render_to_string("actions/_plan_last_lock.html", {"last_lock": last_lock}),
        "open_count": open_actions.count(),
        # An unsaved open period (nobody wrote to it yet) has no updates: no query.
        "updated_count": open_actions.filter(updates__period_id=period.pk).count()
        if period.pk is not None
        else 0,
    }


@login_required
@require_POST
def plan_lock_now(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.get_plan_for_pmo(request, pk)
    form = LockNowForm(request.POST)
    if form.is_valid():
        try:
            period = services.plan_lock_now(
                plan=plan, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_errors(form, error)
        except services.PeriodAlreadyLocked as already:
            messages.info(request, str(already))
            return redirect(plan)
        else:
            messages.success(
                request,
                f"{period.label} locked now. The next period is open for updates; "
                "action leads see on My actions that it closed early, and why.",
            )
            return redirect(plan)
    # Refused: the plan page again, the reason box marked and the error summary on top.
    return _plan_page(request, plan, lock_form=form, status=422)


@login_required
def late_window(request: HttpRequest, pk: int) -> HttpResponse:
    """The PMO gives one lead more time on one closed period."""
    plan = access.get_plan_for_pmo(request, pk)
    now = timezone.now()
    if request.method == "POST":
        # Lock a period that is due but not yet locked by the beat before granting on it;
        # showing the page writes nothing: a due period is listed as closed already.
        services.plan_lock_due(plan=plan, now=now)
    closed = plan.periods.filter(Q(locked_at__isnull=False) | Q(deadline__lte=now))
    leads = get_user_model().objects.filter(led_actions__plan=plan).distinct()
    periods = closed.order_by("-deadline")[:8]
    form = LateWindowForm(
        request.POST or None,
        leads=leads,
        periods=plan.periods.filter(pk__in=[p.pk for p in periods]).order_by("-deadline"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.late_window_grant(
                period=form.cleaned_data["period"],
                lead=form.cleaned_data["lead"],
                expires_at=form.cleaned_data["expires_at"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                now=now,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Late window given; it is on the plan's record.")
            return redirect(plan)
    windows = LateWindow.objects.filter(period__plan=plan).select_related(
        "lead", "period__plan", "granted_by"
    )[:20]
    return render(
        request, "actions/late_window.html", {"plan": plan, "form": form, "windows": windows}
    )


@login_required
def plan_events(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.get_plan_for_reading(request, pk)
    events = PlanEvent.objects.filter(plan=plan).select_related("actor", "period__plan")
    periods = plan.periods.filter(locked_at__isnull=False).select_related("locked_by", "plan")
    return render(
        request,
        "actions/plan_events.html",
        {"plan": plan, "events": events, "periods": periods.order_by("-deadline")[:52]},
    )


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    if not access.can_read_plan(request.user):
        raise PermissionDenied("The plan is for the PMO, exec leads, reviewers and the board.")
    plans = Plan.objects.select_related("inspection").order_by("-created_at")
    if len(plans) == 1 and "all" not in request.GET:
        return redirect(plans[0])
    return render(request, "actions/plan_list.html", {"plans": plans})
