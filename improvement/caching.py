"""What is costly to make and the same for the same inputs, kept in the shared cache.

A cache outage only costs the time to make it again: the value is made, and the outage is
logged, never raised to the page or the PDF that asked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache

logger = logging.getLogger(__name__)

T = TypeVar("T")


def _same(value: Any) -> Any:
    return value


def remembered(
    key: str,
    make: Callable[[], T],
    *,
    timeout: int,
    what: str,
    stored_as: type,
    to_cache: Callable[[T], Any] = _same,
    from_cache: Callable[[Any], T] = _same,
) -> T:
    """The value under ``key``, else ``make()`` stored there for ``timeout`` seconds.

    ``stored_as`` is the type the cache holds (anything else there is ignored and made
    again); ``to_cache`` and ``from_cache`` turn the value into it and back. ``what`` names
    the value in the log ("A chart")."""
    try:
        found = cache.get(key)
    except Exception:  # a cache outage only costs the time to make it
        logger.warning("%s could not be read from the cache", what, exc_info=True)
        found = None
    if isinstance(found, stored_as):
        return from_cache(found)
    value = make()
    try:
        cache.set(key, to_cache(value), timeout)
    except Exception:
        logger.warning("%s could not be written to the cache", what, exc_info=True)
    return value
