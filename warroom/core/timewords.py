"""Times as the documents word them, in local time: "14:30 CEST", "Monday 2026-03-02",
"1 hour 5 minutes" (the compact clocks the screens show are timeutil's).

Domain layer: imports nothing from Textual.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from warroom.core.timeutil import hm, local  # hm: blank for an unknown time, as documents want


def zone(dt: datetime) -> str:
    return local(dt).strftime("%Z") or local(dt).strftime("%z")


def hm_zone(dt: datetime | None) -> str:
    return f"{hm(dt)} {zone(dt)}" if dt is not None else ""


# "14:22 (14:22 UTC)": a time followed by the same time with its zone. The declare screen keeps
# a start typed as "-20m" as "14:22 (-20m)", and the shorthand is then made absolute.
_SAME_TIME_TWICE = re.compile(r"(?<![\w:])((?:\d{4}-\d{2}-\d{2} )?\d{1,2}:\d{2}) \(\1 ([A-Za-z]+|[+-]\d{4})\)")


def said_once(text: str) -> str:
    """A time followed by itself with its zone, said once with the zone: "14:22 UTC"."""
    return _SAME_TIME_TWICE.sub(r"\1 \2", text)


def day(dt: datetime) -> date:
    return local(dt).date()


def day_label(d: date) -> str:
    return d.strftime("%A %Y-%m-%d")


def long_duration(delta: timedelta | None) -> str:
    """The methodology's "X hours Y minutes": 18 minutes, 1 hour 5 minutes, 2 days 3 hours."""
    if delta is None:
        return ""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60

    def unit(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n != 1 else ''}"

    parts = []
    if days:
        parts.append(unit(days, "day"))
    if hours:
        parts.append(unit(hours, "hour"))
    if minutes and not days:
        parts.append(unit(minutes, "minute"))
    return " ".join(parts) or unit(0, "minute")
