"""Table 1 read back from a stored document, for templates/reporting/_table1.html."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from actions.table1 import StatusTable

register = template.Library()


@register.filter
def status_table(data: Mapping[str, Any]) -> StatusTable:
    """``{% include "reporting/_table1.html" with table=doc.table|status_table %}``."""
    return StatusTable.from_document(data)
