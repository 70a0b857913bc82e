"""The quick-entry line: `[time] [kind:] text`, e.g. `14:30 c: deploy v2.3.4` or `-12m alert: 5xx up`;
the time may also be a date-time (`2026-03-09T14:30`, what a refusal of a clock time suggests).

Stdlib only: shared by the TUI's entry line and `warroom log`, which uses only clean_text:
its patterns are compiled when an entry line is first parsed (re, with the enum it builds on,
costs `warroom log` ~4 ms to import).
"""

from __future__ import annotations

from datetime import datetime

from warroom.core.timeutil import parse_at

# One key (or the whole word) before a colon picks the kind.
KIND_PREFIXES: dict[str, str] = {
    "n": "note",
    "a": "action",
    "d": "decision",
    "c": "change",
    "!": "alert",
    "m": "comms",
    "h": "hypothesis",
}
for _kind in set(KIND_PREFIXES.values()):
    KIND_PREFIXES[_kind] = _kind
KIND_KEYS: dict[str, str] = {k: v for k, v in KIND_PREFIXES.items() if len(k) == 1}

# Longest text one event may hold; a bigger paste is refused rather than silently cut.
MAX_TEXT = 1_000_000

# 14:30[:15], -1h30m, or an ISO date-time, offset optional: 2026-03-09T14:30[:15][Z|-04:00].
_TIME_PATTERN = (
    r"^(\d{1,2}:\d{2}(?::\d{2})?"
    r"|-(?:\d+[dhms])+"
    r"|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2})?)\s+"
)
_KIND_PATTERN = r"(?i)^([a-z!]+):\s*"


class Entry:
    """One parsed entry line. A plain class: `warroom log` imports this module, and
    dataclasses alone would add ~6 ms to every call from a deploy script."""

    __slots__ = ("at", "clock", "kind", "text")

    def __init__(self, kind: str, text: str, at: datetime | None, clock: bool = False) -> None:
        self.kind = kind
        self.text = text
        self.at = at  # None: now
        self.clock = clock  # `at` was given as a clock time (14:30), not a time ago (-12m) or a date


def clean_text(text: str) -> str:
    """Validate event text; it is stored exactly as given, only surrounding blank lines trimmed."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("nothing to log: the text is empty")
    if len(stripped) > MAX_TEXT:
        raise ValueError(f"text too long ({len(stripped):,} characters; the limit is {MAX_TEXT:,})")
    return stripped


def parse_entry(line: str, default_kind: str, current: datetime) -> Entry:
    """Split an entry line into time, kind and text. Raises ValueError for the user."""
    import re  # compiled once, then from re's own cache

    time_re, kind_re = re.compile(_TIME_PATTERN), re.compile(_KIND_PATTERN)
    rest = line.strip()
    at = None
    clock = False
    kind = None
    # Time and kind in either order: `14:30 c: deploy` and `c: 14:30 deploy` mean the same.
    for _ in range(2):
        if at is None and (m := time_re.match(rest)):
            at, clock = parse_at(m[1], current), not m[1].startswith("-") and "T" not in m[1]
            rest = rest[m.end() :]
        elif kind is None and (m := kind_re.match(rest)) and m[1].lower() in KIND_PREFIXES:
            kind = KIND_PREFIXES[m[1].lower()]
            rest = rest[m.end() :]
    return Entry(kind=kind or default_kind, text=clean_text(rest), at=at, clock=clock)
