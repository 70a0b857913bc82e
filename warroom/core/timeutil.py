"""Times: stored as UTC ISO-8601 with milliseconds, shown in local time, typed as 14:30 or -12m.

Stdlib only: the shell fast path imports this, and uses parse_at only for --at: its patterns
are compiled there (re, with the enum it builds on, costs `warroom log` ~4 ms to import).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

UTC = UTC
# Backdating further than this is almost certainly a typo.
OLDEST_BACKDATE = timedelta(days=366)
# A little clock skew between hosts is tolerated; beyond it a future time is refused.
FUTURE_SLACK = timedelta(minutes=5)
# A clock time a person types (14:56) is allowed to run ahead of now by less: the minute on
# their wall clock or phone may have turned first. Five minutes let `17:20` typed at 17:15
# in as a time still to come (a row out of order, 'since start 0s', negative response times).
CLOCK_SLACK = timedelta(minutes=1)
# A clock time whose today's reading is ahead of now by more than CLOCK_SLACK, up to this, is
# refused: mid-incident `16:40` typed at 16:34 is a typo or a clock a few minutes off, not
# yesterday's 16:40 (a day back, out of order, unseen). Further ahead is yesterday's, as
# `23:50` typed at 00:10 is; a refusal says how to give yesterday's with its date.
CLOCK_AHEAD_REFUSED = timedelta(hours=1)

_CLOCK_PATTERN = r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$"
_AGO_PATTERN = r"^-(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$"


def now() -> datetime:
    """The current time in UTC; WARROOM_NOW pins it (tests, snapshots, demos)."""
    pinned = os.environ.get("WARROOM_NOW")
    if pinned:
        try:
            return parse_iso(pinned)
        except ValueError:
            raise ValueError(f"WARROOM_NOW={pinned!r} is not an ISO time (2026-03-10T14:55:00Z)") from None
    return datetime.now(UTC)


def to_db(dt: datetime) -> str:
    """UTC ISO-8601 with milliseconds and a Z, so text order is time order."""
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def from_db(text: str) -> datetime:
    # fromisoformat is ~45x faster than strptime; it matters when loading 100,000 events.
    return datetime.fromisoformat(text)


def parse_iso(text: str) -> datetime:
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.astimezone()  # a naive time is the user's local time
    return dt.astimezone(UTC)


def local(dt: datetime) -> datetime:
    return dt.astimezone()


def hms(dt: datetime) -> str:
    return local(dt).strftime("%H:%M:%S")


def hm(dt: datetime | None) -> str:
    """14:30 in local time; "" for no time (documents leave an unknown time blank)."""
    return local(dt).strftime("%H:%M") if dt is not None else ""


def duration(delta: timedelta | None) -> str:
    """Compact clock: 45s, 12m05s, 3h07m, 2d04h. Negative durations show as 0s."""
    if delta is None:
        return "—"
    seconds = max(0, int(delta.total_seconds()))
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{seconds:02d}s"
    return f"{seconds}s"


def parse_at(spec: str, current: datetime) -> datetime:
    """An event time as a commander types it: `14:30`, `14:30:15`, `-12m`, `-1h30m`, ISO.

    A clock time means the last time the local clock showed it: today, or yesterday if
    today's is still ahead (logging at 00:10 what happened at 23:50); one ahead of now by
    at most CLOCK_AHEAD_REFUSED is refused as a slip. Raises ValueError with a message
    for the user.
    """
    import re  # compiled once, then from re's own cache

    spec = spec.strip()
    result: datetime
    if m := re.match(_CLOCK_PATTERN, spec):
        hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError(f"{spec!r} is not a time of day")
        result = _last_clock_time(spec, hour, minute, second, current)
    elif (m := re.match(_AGO_PATTERN, spec)) and any(m.groups()):
        d, h, mi, s = (int(g or 0) for g in m.groups())
        try:
            result = current - timedelta(days=d, hours=h, minutes=mi, seconds=s)
        except OverflowError:  # -999999999d: before year 1, not a crash
            raise ValueError(f"{spec!r} is more than a year ago") from None
    else:
        try:
            parsed = datetime.fromisoformat(spec.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{spec!r} is not a time: use HH:MM, HH:MM:SS, -12m, -1h30m or an ISO date") from None
        try:
            # A naive time is the local time of that day, refused if daylight saving makes it unclear.
            instants = _local_instants(parsed) if parsed.tzinfo is None else [parsed.astimezone(UTC)]
        except (OverflowError, OSError, ValueError):  # year 1 or 9999 moved past the calendar's end
            raise ValueError(f"{spec!r} is more than a year ago or in the future") from None
        result = _only(instants, spec, parsed.replace(tzinfo=None))
    if result - current > FUTURE_SLACK:
        raise ValueError(f"{spec!r} is in the future")
    if current - result > OLDEST_BACKDATE:
        raise ValueError(f"{spec!r} is more than a year ago")
    return result


def _local_instants(wall: datetime) -> list[datetime]:
    """The UTC instants at which the local clock showed the naive time `wall`: one on
    most days, none in a spring-forward gap, two in a fall-back hour."""
    found = []
    for fold in (0, 1):
        instant = wall.replace(fold=fold).astimezone().astimezone(UTC)
        # A time in the gap does not read back as itself; keep only the real ones.
        if local(instant).replace(tzinfo=None, fold=0) == wall and instant not in found:
            found.append(instant)
    return sorted(found)


def _only(instants: list[datetime], spec: str, wall: datetime) -> datetime:
    """The one instant meant, or a refusal: a timeline an hour off misleads a postmortem,
    while a refused entry costs the commander a retype (-12m or a time with an offset)."""
    if len(instants) == 1:
        return instants[0]
    if not instants:
        raise ValueError(
            f"{spec!r} did not happen on {wall:%Y-%m-%d}: the clocks jumped past it (daylight saving); "
            "give a relative time like -12m or an ISO time with its offset"
        )
    choices = " or ".join(local(i).isoformat(timespec="minutes") for i in instants)
    raise ValueError(
        f"{spec!r} happened twice on {wall:%Y-%m-%d} (the clocks went back): give {choices}, "
        "or a relative time like -12m"
    )


def _last_clock_time(spec: str, hour: int, minute: int, second: int, current: datetime) -> datetime:
    here = local(current)
    today = here.date()
    for day in (today, today - timedelta(days=1)):
        wall = datetime(day.year, day.month, day.day, hour, minute, second)
        instants = _local_instants(wall)
        # In a fall-back hour one of the two may still be ahead: only the past one is meant.
        past = [i for i in instants if i - current <= CLOCK_SLACK]
        if past or (not instants and wall - here.replace(tzinfo=None) <= CLOCK_SLACK):
            return _only(past, spec, wall)  # a time the clocks skipped is refused there
        # Still ahead: by real time, or as the wall clock reads for a time the clocks skip.
        ahead = min(instants) - current if instants else wall - here.replace(tzinfo=None)
        if day == today and ahead <= CLOCK_AHEAD_REFUSED:
            raise ValueError(_ahead_message(spec, ahead, here, wall - timedelta(days=1)))
    raise ValueError(f"{spec!r} is in the future")  # only where a whole day was skipped


def _ahead_message(spec: str, ahead: timedelta, here: datetime, yesterday: datetime) -> str:
    """One line: how far ahead, and yesterday's as a date-time every form takes (one token)."""
    exact = bool(ahead.seconds % 60 or yesterday.second)  # seconds matter: show them
    shown_now = f"{here:%H:%M:%S}" if exact else f"{here:%H:%M}"
    how_far = duration(ahead).removesuffix("00s").removesuffix("00m")  # 6m, 1h, 5m10s
    meant = yesterday.isoformat(timespec="seconds" if yesterday.second else "minutes")
    return f"{spec!r} is {how_far} ahead of now ({shown_now}) and has not happened yet; for yesterday's, give {meant}"
