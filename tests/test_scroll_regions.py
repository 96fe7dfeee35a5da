"""Every table that can scroll sideways on a phone can be reached and scrolled by keyboard.

A wrapper that scrolls but takes no focus fails WCAG 2.1.1 (axe's scrollable-region-focusable)
only when its table happens to be wider than the screen, which depends on the data, so the
browser tests cannot be relied on to catch it. This reads the templates instead.
"""

import re
from pathlib import Path

from django.conf import settings

WRAPPER = re.compile(r"<div\b[^>]*\bclass=\"[^\"]*\bapp-table-scroll\b[^\"]*\"[^>]*>")


def _wrappers():
    for root in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(root).rglob("*.html")):
            for match in WRAPPER.finditer(path.read_text(encoding="utf-8")):
                yield path.relative_to(root), match.group(0)


def test_templates_have_scrolling_tables_to_check():
    assert len(list(_wrappers())) > 50


def test_every_scrolling_table_is_a_named_focusable_region():
    missing = [
        f"{path}: {tag}"
        for path, tag in _wrappers()
        if 'tabindex="0"' not in tag
        or 'role="region"' not in tag
        or not re.search(r"aria-label(ledby)?=\"[^\"]+\"", tag)
    ]
    assert not missing, "\n".join(missing)
