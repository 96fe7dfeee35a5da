"""KPI pieces other apps' pages include: "Your KPIs" on My actions, numbers with units."""

from django import template

from kpis.charts import with_unit
from kpis.selectors import kpis_owned_by

register = template.Library()


@register.simple_tag(takes_context=True)
def your_kpis(context) -> dict:
    """The KPIs the signed-in person owns in open plans (one query), and whether they are
    in more than one plan (then each says which)."""
    user = context["request"].user
    kpis = kpis_owned_by(user) if user.is_authenticated else []
    return {"kpis": kpis, "several_plans": len({k.plan_id for k in kpis}) > 1}


@register.filter
def kpi_number(value, unit: str = "") -> str:
    return with_unit(value, unit)
