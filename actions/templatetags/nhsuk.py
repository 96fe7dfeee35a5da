"""Template helpers for NHS.UK markup and RAGB display."""

from django import template
from django.template.defaultfilters import stringfilter
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length

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


@register.simple_tag
def action_url_base() -> str:
    """An action's address less its id, for pages with many links to actions:
    ``{{ base }}{{ action.pk }}/`` costs one ``reverse`` a page, not one a link (as
    ``plan_table`` does). The mapping page has ~400."""
    return reverse("action", args=[0]).removesuffix("0/")


@register.filter(is_safe=True)
@stringfilter
def truncatechars_plain(value: str, length: int) -> str:
    """``truncatechars``, without its walk over every character when the text is plain
    ASCII (no combining marks to skip, nothing to normalise): the same result, quicker for
    the mapping page's 150 suggested actions' requirements."""
    length = int(length)
    if not value.isascii() or length < 1:
        return Truncator(value).chars(length)
    if len(value) <= length:
        return value
    return add_truncation_text(value[: calculate_truncate_chars_length(length, None)])
