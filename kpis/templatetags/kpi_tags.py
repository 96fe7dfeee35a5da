"""KPI pieces other apps' pages include: numbers with their units."""

from django import template

from kpis.charts import with_unit

register = template.Library()


@register.filter
def kpi_number(value, unit: str = "") -> str:
    return with_unit(value, unit)
