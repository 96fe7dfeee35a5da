"""The plan table's rows, built in Python.

A page of the plan is 50 rows of 11 cells; through the template engine they were most of
the page's time (see bench/README.md). The markup is what the template would write.
"""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from actions.models import Status

from .nhsuk import status_tag

register = template.Library()


def _date(value) -> str:
    return value.strftime("%d/%m/%y") if value else ""


def _period_state(action) -> str:
    if action.status == Status.BLUE:
        return "Complete"
    return "Updated" if getattr(action, "updated_this_period", False) else "Not yet"


@register.simple_tag
def plan_rows(actions):
    """``<tr>`` for each action: ref, theme, dept, kind, requirement, leads, dates, RAGB."""
    base = reverse("action", args=[0]).removesuffix("0/")
    return format_html_join(
        "\n",
        '<tr class="nhsuk-table__row">'
        '<td class="nhsuk-table__cell"><a href="{}{}/">{}</a></td>'
        '<td class="nhsuk-table__cell">{}</td>'
        '<td class="nhsuk-table__cell">{}</td>'
        '<td class="nhsuk-table__cell">{}</td>'
        '<td class="nhsuk-table__cell app-requirement">{}</td>'
        '<td class="nhsuk-table__cell">{}</td>'
        '<td class="nhsuk-table__cell">{}</td>'
        '<td class="nhsuk-table__cell">{}</td>'
        '<td class="nhsuk-table__cell">{}</td>'
        '<td class="nhsuk-table__cell">{}</td>'
        '<td class="nhsuk-table__cell">{}</td>'
        "</tr>",
        (
            (
                base,
                a.pk,
                a.ref,
                a.theme,
                a.department,
                a.get_kind_display(),
                Truncator(a.requirement).chars(140),
                (a.action_lead.get_full_name() if a.action_lead else "") or "Not assigned",
                a.exec_lead_label or "-",
                _date(a.start_date),
                _date(a.end_date),
                status_tag(a.status),
                _period_state(a),
            )
            for a in actions
        ),
    ) or format_html(
        '<tr class="nhsuk-table__row"><td class="nhsuk-table__cell" colspan="11">{}</td></tr>',
        "No actions match the filters.",
    )
