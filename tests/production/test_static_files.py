"""Static files: hashed names, served by WhiteNoise with a far-future, immutable cache."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client, override_settings

TEN_YEARS = 10 * 365 * 24 * 60 * 60


@pytest.fixture
def collected(tmp_path):
    """Production's storage, collected into a fresh folder.

    Only ``static/``: compressing the front-end packages and the admin's files takes a
    minute, and the rule is the same for every file.
    """
    with override_settings(
        STATIC_ROOT=tmp_path,
        STATICFILES_DIRS=[settings.BASE_DIR / "static"],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        },
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield tmp_path


def test_production_settings_use_hashed_compressed_names():
    # The test settings swap in the plain storage; the production module must not.
    from improvement import settings as production

    assert (
        production.STORAGES["staticfiles"]["BACKEND"]
        == "whitenoise.storage.CompressedManifestStaticFilesStorage"
        or production.DEBUG
    )
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in production.MIDDLEWARE


def test_hashed_file_is_served_with_a_far_future_immutable_cache(collected):
    url = static("app.css")
    assert url.startswith("/static/app.") and url.endswith(".css") and url != "/static/app.css"

    response = Client().get(url)

    assert response.status_code == 200
    assert response["Cache-Control"] == f"max-age={TEN_YEARS}, public, immutable"
    assert response["Content-Type"].startswith("text/css")


def test_compressed_copy_is_served_to_browsers_that_accept_it(collected):
    response = Client().get(static("app.js"), HTTP_ACCEPT_ENCODING="gzip, br")

    assert response.status_code == 200
    assert response["Content-Encoding"] in {"br", "gzip"}
    assert response["Vary"] == "Accept-Encoding"


def test_unhashed_name_is_cached_only_briefly(collected):
    response = Client().get("/static/app.css")

    assert response.status_code == 200
    assert response["Cache-Control"] == f"max-age={settings.WHITENOISE_MAX_AGE}, public"


def test_every_static_file_a_template_names_exists():
    """With hashed names, a template naming a missing file fails every page (a 500)."""
    import re

    from django.contrib.staticfiles import finders

    named = set()
    for folder in [settings.BASE_DIR / "templates", *settings.BASE_DIR.glob("*/templates")]:
        for template in folder.rglob("*.html"):
            named |= {
                (template.relative_to(settings.BASE_DIR), path)
                for path in re.findall(r"{%\s*static\s+['\"]([^'\"]+)['\"]", template.read_text())
            }
    assert named
    missing = [f"{template}: {path}" for template, path in sorted(named) if not finders.find(path)]
    assert not missing, missing
