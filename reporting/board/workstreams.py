"""The board report's programme pages: one per workstream, root causes and the KPIs.

``programme_section`` adds to the report's document (plain JSON-safe data, as at the
month's end): per workstream its executive, RAGB counts and trajectory ("85% of planned
trajectory; 22 closed against a target of 26", seed 004 1b), its narrative for the month
and its KPIs' values up to the month's end; the root causes' counts by state and finding
kind; the plan's other KPIs. ``present_programme`` draws the KPI charts and icons from it,
for the PDF and the dashboard alike.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.safestring import mark_safe

from actions.models import KeyQuestion, Plan, Status
from kpis import spc
from kpis.charts import kpi_chart, with_unit
from kpis.icons import Icon, assurance_icon, variation_icon
from kpis.models import Kpi, KpiValue
from programme import selectors
from programme.models import (
    ProgrammeSettings,
    RootCause,
    Workstream,
    WorkstreamAction,
    WorkstreamNarrative,
)

from .asat import ActionAsAt

KEY_QUESTION_LABELS = dict(KeyQuestion.choices)
# Seed 004 3a: 10-20 high-level KPIs per group; more are listed in a table, not charted.
MAX_CHARTS_PER_WORKSTREAM = 20
MAX_OTHER_CHARTS = 30


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _kpi_doc(kpi: Kpi, until: dt.date) -> dict[str, Any]:
    return {
        "id": kpi.pk,
        "ref": kpi.ref,
        "name": kpi.name,
        "unit": kpi.unit,
        "direction": kpi.direction,
        "target": kpi.target,
        "key_question": kpi.key_question,
        "key_question_label": KEY_QUESTION_LABELS.get(kpi.key_question, ""),
        "values": [
            [v.date.isoformat(), v.value]
            for v in kpi.ordered_values  # type: ignore[attr-defined]
            if v.date <= until
        ],
    }


def programme_section(
    *, plan: Plan, month: dt.date, moment: dt.datetime, actions: list[ActionAsAt]
) -> dict[str, Any]:
    """The programme part of the board report for ``month``, as at ``moment``.

    Three queries for a plan with none of them (workstreams, root causes, KPIs); at most
    ten whatever their number.
    """
    last_day = selectors.month_end(month)
    cutoff = min(last_day, timezone.localtime(moment, plan.tz).date())
    status = {a.pk: a.status for a in actions}
    end_date = {a.pk: a.end_date for a in actions}
    values = Prefetch(
        "values", queryset=KpiValue.objects.order_by("date"), to_attr="ordered_values"
    )
    workstreams = list(
        Workstream.objects.filter(plan=plan)
        .select_related("executive", "lead")
        .prefetch_related(Prefetch("kpis", queryset=Kpi.objects.prefetch_related(values)))
    )
    members: dict[int, list[int]] = defaultdict(list)
    narratives: dict[int, WorkstreamNarrative] = {}
    if workstreams:  # a plan without them pays no query for them
        term = selectors.settings_of(plan)
        for ws_id, action_id in WorkstreamAction.objects.filter(workstream__plan=plan).values_list(
            "workstream_id", "action_id"
        ):
            if action_id in status:  # it existed at the month's end
                members[ws_id].append(action_id)
        narratives = {
            n.workstream_id: n
            for n in WorkstreamNarrative.objects.filter(
                workstream__plan=plan, month=month
            ).select_related("written_by", "updated_by")
        }
    else:
        term = ProgrammeSettings(plan=plan)
    causes = list(
        RootCause.objects.filter(plan=plan)
        .select_related("finding")
        .prefetch_related(Prefetch("actions", queryset=_ids_only()))
    )
    cause_rows = []
    for rc in causes:
        statuses = [status[a.pk] for a in rc.actions.all() if a.pk in status]
        cause_rows.append(
            selectors.RootCauseRow(
                rc, selectors.root_cause_state(statuses, rc.due_date, cutoff), statuses
            )
        )
    in_workstream = set()
    sections = []
    for ws in workstreams:
        ids = members.get(ws.pk, [])
        mine = [r for r in cause_rows if r.root_cause.workstream_id == ws.pk]
        kpis = list(ws.kpis.all())
        in_workstream.update(k.pk for k in kpis)
        narrative = narratives.get(ws.pk)
        sections.append(
            {
                "id": ws.pk,
                "name": ws.name,
                "executive": _name(ws.executive),
                "lead": _name(ws.lead),
                "cadence": ws.get_cadence_display(),
                "counts": selectors.ragb_counts(status[i] for i in ids),
                "total": len(ids),
                "trajectory": selectors.trajectory_of(
                    ((status[i] == Status.BLUE, end_date[i]) for i in ids), cutoff
                ).as_dict(),
                "root_cause_trajectory": (
                    selectors.trajectory_of(
                        (
                            (r.state == selectors.RootCauseState.COMPLETED, r.root_cause.due_date)
                            for r in mine
                        ),
                        cutoff,
                        "root causes",
                    ).as_dict()
                    if mine
                    else None
                ),
                "narrative": (
                    {
                        "progress": narrative.progress,
                        "risks": narrative.risks,
                        "mitigation": narrative.mitigation,
                        "next_steps": narrative.next_steps,
                        "written_by": _name(narrative.written_by),
                        "updated_by": _name(narrative.updated_by),
                        "updated_at": narrative.updated_at.isoformat(),
                    }
                    if narrative
                    else None
                ),
                "kpis": [_kpi_doc(k, cutoff) for k in kpis],
            }
        )
    others = (
        Kpi.objects.filter(plan=plan)
        .exclude(pk__in=in_workstream)
        .prefetch_related(values)
        .order_by("key_question", "name", "id")
    )
    root_causes = None
    if cause_rows:
        overview = selectors.summarise_root_causes(cause_rows, cutoff, [])
        root_causes = {
            "total": len(cause_rows),
            "states": [
                {"key": k, "label": label, "count": overview.counts[k]}
                for k, label in selectors.STATE_LABELS.items()
            ],
            "by_kind": [
                {
                    "kind": k.kind,
                    "label": k.label,
                    "counts": [k.counts[s] for s in selectors.STATE_ORDER],
                    "total": k.total,
                    "due": k.trajectory.target,
                    "sentence": k.sentence,
                }
                for k in overview.by_kind
            ],
            "trajectory": overview.root_cause_trajectory.as_dict(),
        }
    return {
        "term": term.workstream_term,
        "plural": term.plural,
        "cutoff": cutoff.isoformat(),
        "workstreams": sections,
        "root_causes": root_causes,
        "other_kpis": [_kpi_doc(k, cutoff) for k in others],
    }


def _ids_only():
    from actions.models import Action

    return Action.objects.only("id")


# For the template ----------------------------------------------------------------------


def _icon(icon: Icon | None) -> dict[str, Any] | None:
    return dataclasses.asdict(icon) if icon else None


def _kpi_model(doc: dict[str, Any]) -> Kpi:
    """An unsaved KPI carrying what the chart needs: the document, not today's KPI."""
    return Kpi(
        pk=doc["id"],
        ref=doc["ref"],
        name=doc["name"],
        unit=doc["unit"],
        direction=doc["direction"],
        target=doc["target"],
        key_question=doc["key_question"],
    )


def _series(doc: dict[str, Any]) -> list[tuple[dt.date, float]]:
    return [(dt.date.fromisoformat(day), float(value)) for day, value in doc["values"]]


def _latest(doc: dict[str, Any]) -> str:
    if not doc["values"]:
        return "No values yet"
    day, value = doc["values"][-1]
    return f"{with_unit(value, doc['unit'])} ({dt.date.fromisoformat(day):%d %b %Y})"


def present_kpi(doc: dict[str, Any], *, chart: bool = True) -> dict[str, Any]:
    """A KPI's chart (inline SVG), icons, summary and data table; or only its icons."""
    kpi = _kpi_model(doc)
    series = _series(doc)
    out: dict[str, Any] = {**doc, "latest": _latest(doc), "has_target": doc["target"] is not None}
    if chart:
        drawn = kpi_chart(kpi, series)
        result = drawn.spc
        # Safe: matplotlib's SVG escapes every text it draws (names are typed by people).
        out["svg"] = mark_safe(drawn.svg)  # noqa: S308  # nosec B703 B308
        out["title"] = drawn.title
        out["summary"] = drawn.summary
        out["headers"] = drawn.headers
        out["rows"] = drawn.rows
    else:
        result = (
            spc.xmr_chart(series, direction=kpi.direction, target=kpi.target) if series else None
        )
    out["variation"] = _icon(variation_icon(result))
    out["assurance"] = _icon(assurance_icon(result))
    return out


def present_programme(section: dict[str, Any] | None) -> dict[str, Any] | None:
    """The programme pages made ready for the template; None for a report made before them
    or a plan with no workstreams, root causes or KPIs."""
    if not section:
        return None
    if not (section["workstreams"] or section["root_causes"] or section["other_kpis"]):
        return None
    workstreams = []
    for ws in section["workstreams"]:
        kpis = ws["kpis"]
        workstreams.append(
            {
                **ws,
                "charts": [present_kpi(k) for k in kpis[:MAX_CHARTS_PER_WORKSTREAM]],
                "listed": [present_kpi(k, chart=False) for k in kpis[MAX_CHARTS_PER_WORKSTREAM:]],
            }
        )
    # Without workstreams the plan's KPIs are charted on their own page; beside them,
    # the KPIs of no workstream (root causes' KPIs) are listed with their icons.
    chart_others = not section["workstreams"]
    others = section["other_kpis"]
    return {
        **section,
        "workstreams": workstreams,
        "other_charts": [present_kpi(k) for k in others[:MAX_OTHER_CHARTS]] if chart_others else [],
        "other_listed": [
            present_kpi(k, chart=False)
            for k in (others[MAX_OTHER_CHARTS:] if chart_others else others)
        ],
        "state_labels": list(selectors.STATE_LABELS.values()),
    }
