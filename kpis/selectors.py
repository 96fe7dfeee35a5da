"""Reads of KPIs that several pages (and, later, the board report) share."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from actions.models import KeyQuestion, Plan

from . import spc
from .charts import with_unit
from .icons import Icon, assurance_icon, variation_icon
from .models import Kpi, KpiValue


@dataclass(frozen=True)
class KpiSummary:
    """One KPI as a list shows it: its values, the SPC result and its two icons."""

    kpi: Kpi
    values: list[KpiValue]  # oldest first
    chart: spc.Chart | None  # None when it has no values
    variation: Icon | None
    assurance: Icon | None

    @property
    def latest(self) -> KpiValue | None:
        return self.values[-1] if self.values else None

    @property
    def latest_label(self) -> str:
        latest = self.latest
        return with_unit(latest.value, self.kpi.unit) if latest else ""


def summarise(kpi: Kpi, values: list[KpiValue]) -> KpiSummary:
    chart = (
        spc.xmr_chart(
            [(v.date, v.value) for v in values], direction=kpi.direction, target=kpi.target
        )
        if values
        else None
    )
    return KpiSummary(kpi, values, chart, variation_icon(chart), assurance_icon(chart))


def kpi_summaries(plan: Plan, *, owner=None) -> list[KpiSummary]:
    """Every KPI of the plan (or only the ones ``owner`` owns) with its chart's result.

    Two queries however many KPIs: the KPIs with their owners, then all their values.
    """
    kpis = Kpi.objects.in_plan(plan).for_listing()
    if owner is not None:
        kpis = kpis.owned_by(owner)
    kpis = kpis.prefetch_related(
        Prefetch("values", queryset=KpiValue.objects.order_by("date"), to_attr="ordered_values")
    )
    return [summarise(kpi, kpi.ordered_values) for kpi in kpis]


@dataclass(frozen=True)
class KeyQuestionGroup:
    key_question: str
    label: str
    summaries: list[KpiSummary]


def by_key_question(summaries: list[KpiSummary]) -> list[KeyQuestionGroup]:
    """Grouped under the five CQC key questions, in the CQC's order (seed 004, 3a)."""
    return [
        KeyQuestionGroup(value, label, [s for s in summaries if s.kpi.key_question == value])
        for value, label in KeyQuestion.choices
        if any(s.kpi.key_question == value for s in summaries)
    ]


def my_actions_your_kpis(*, user, now) -> dict | None:
    """ "Your KPIs" at the foot of My actions (registered in ``actions.hooks``): one query;
    each KPI names its plan when they are in more than one."""
    kpis = kpis_owned_by(user)
    if not kpis:
        return None
    return {
        "template": "kpis/_your_kpis.html",
        "kpis": kpis,
        "several_plans": len({k.plan_id for k in kpis}) > 1,
    }


def kpis_owned_by(user) -> list[Kpi]:
    """The KPIs a person enters values for, in open plans, with their latest value."""
    return list(
        Kpi.objects.owned_by(user)
        .in_open_plans()
        .select_related("plan")
        .with_latest()
        .order_by("plan__name", "plan_id", "name", "id")
    )
