"""Template helpers for NHS.UK markup and RAGB display."""

from django import template
from django.utils.html import format_html

from actions.models import Status

register = template.Library()

_TAG_CLASSES = {
    Status.RED: "nhsuk-tag--red",
    Status.AMBER: "nhsuk-tag--orange",
    Status.GREEN: "nhsuk-tag--green",
    Status.BLUE: "nhsuk-tag--blue",
    Status.WHITE: "nhsuk-tag--white",
}


@register.filter
def nhsuk_widget(bound_field, css_class: str):
    """Render a form widget with the NHS.UK class, its error state and hint/error links."""
    widget = bound_field.field.widget
    attrs = {"class": " ".join(filter(None, [widget.attrs.get("class", ""), css_class]))}
    if bound_field.errors:
        attrs["class"] += f" {css_class}--error"
        attrs["aria-invalid"] = "true"
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}-hint")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}-error")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return bound_field.as_widget(attrs=attrs)


@register.simple_tag
def status_tag(status: str):
    """A RAGB tag that says the word as well as showing the colour."""
    if not status:
        return format_html('<strong class="nhsuk-tag nhsuk-tag--grey">{}</strong>', "None")
    status = Status(status)
    return format_html(
        '<strong class="nhsuk-tag {} app-status app-status--{}">{}</strong>',
        _TAG_CLASSES[status],
        status.label.lower(),
        status.label,
    )
