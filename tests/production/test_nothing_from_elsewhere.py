"""Nothing a page or a PDF shows is fetched from another site: trust networks block them.

NHS.UK's stylesheet asks for the Frutiger typeface from assets.nhs.uk and the package does
not ship the font files, so the pages use a copy of the stylesheet without its two
@font-face rules (static/nhsuk-frontend-local-fonts.min.css): text is in Frutiger where it
is installed, else in NHS.UK's own fallback, Arial.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings

PACKAGE_CSS = settings.BASE_DIR / "node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css"
OUR_CSS = settings.BASE_DIR / "static" / "nhsuk-frontend-local-fonts.min.css"
# A resource the browser (or WeasyPrint) would fetch, not a link a person may follow.
OFF_SITE_RESOURCE = re.compile(
    r"""(?:\bsrc\s*=\s*["']?|<link\b[^>]*\bhref\s*=\s*["']?|url\(\s*["']?|@import\s+["']?)"""
    r"""(?:https?:)?//""",
    re.IGNORECASE,
)


def without_remote_fonts(css: str) -> str:
    """The package's stylesheet less its @font-face rules and its source map comment."""
    css = re.sub(r"@font-face\{[^}]*\}", "", css)
    return re.sub(r"\n?/\*# sourceMappingURL=[^*]*\*/\s*$", "\n", css)


def test_our_copy_of_the_nhsuk_stylesheet_is_the_packages_less_the_remote_font():
    """After an upgrade of nhsuk-frontend, regenerate the copy with without_remote_fonts."""
    package = PACKAGE_CSS.read_text()
    assert "https://assets.nhs.uk/fonts/" in package  # what the copy exists to avoid

    ours = OUR_CSS.read_text()

    assert ours == without_remote_fonts(package), (
        f"{OUR_CSS.name} is out of date with nhsuk-frontend: write "
        f"without_remote_fonts({PACKAGE_CSS.name}) to it"
    )
    assert "assets.nhs.uk" not in ours
    assert "@font-face" not in ours


def test_no_template_or_static_file_fetches_from_another_site():
    """Page, PDF and email templates, our stylesheets and scripts."""
    offenders = []
    folders = [settings.BASE_DIR / "templates", *settings.BASE_DIR.glob("*/templates")]
    files = [path for folder in folders for path in folder.rglob("*.html")]
    files += [p for p in (settings.BASE_DIR / "static").rglob("*") if p.is_file()]
    files += list(settings.BASE_DIR.glob("*/static/**/*.css"))
    for path in files:
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if OFF_SITE_RESOURCE.search(line):
                offenders.append(f"{path.relative_to(settings.BASE_DIR)}:{number}: {line[:120]}")
    assert offenders == []


@pytest.mark.django_db
def test_the_pages_use_our_copy_of_the_stylesheet(client):
    page = client.get("/accounts/login/").content.decode()

    assert "nhsuk-frontend-local-fonts" in page
    assert "nhsuk/nhsuk-frontend.min.css" not in page
