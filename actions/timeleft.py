"""'in 2 days 3 hours': the time left before a deadline, as the lead reads it."""

from __future__ import annotations

import datetime as dt


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def time_left(now: dt.datetime, deadline: dt.datetime) -> str:
    seconds = int((deadline - now).total_seconds())
    if seconds <= 0:
        return "now"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        parts = [_plural(days, "day")] + ([_plural(hours, "hour")] if hours else [])
    elif hours:
        parts = [_plural(hours, "hour")] + ([_plural(minutes, "minute")] if minutes else [])
    else:
        parts = [_plural(max(minutes, 1), "minute")]
    return "in " + " ".join(parts)
