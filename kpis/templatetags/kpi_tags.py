"""KPI pieces other apps' pages include: "Your KPIs" on My actions, numbers with units."""

from django import template

from kpis.charts import with_unit
from kpis.selectors import kpis_owned_by

register = template.Library()


@register.simple_tag(takes_context=True)
def your_kpis(context) -> list:
    """The KPIs the signed-in person owns in open plans (one query)."""
    user = context["request"].user
    return kpis_owned_by(user) if user.is_authenticated else []


@register.filter
def kpi_number(value, unit: str = "") -> str:
    return with_unit(value, unit)
