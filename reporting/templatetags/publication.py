"""The public document's sections, read back from a stored publication."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from reporting.publication.content import action_sections as _action_sections

register = template.Library()


@register.filter
def action_sections(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``{% with sections=doc|action_sections %}``: the actions, grouped when the plan is long."""
    return _action_sections(dict(document))
