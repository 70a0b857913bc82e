"""Relative times in what people typed ("-18m", "20 minutes ago", "an hour ago") made
absolute for documents read later.

A triage answer "Started: -18m" or a note "deploy 20 minutes ago" is true when it is typed
and wrong an hour later. Documents show the time it meant, computed from when the text was
written (the event's `recorded_at`), in local time with the zone:

- the shorthand `-18m` / `-1h30m` (the `--at` form) is *replaced* by the time: it is a
  typing convenience, not words anyone wants to read ("Started: 14:32 UTC");
- a phrase ("20 minutes ago", "an hour ago", "5 min ago") is *kept* and the time follows it
  in parentheses ("20 minutes ago (14:32 UTC)"): the words may carry hedging ("about")
  and reading them back is how the commander recognises their own entry.

A time on another day than the writing carries its date. Text that already gives the
time in parentheses right after the phrase is left alone. Stdlib only.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_WORD_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "fifty": 50,
    "a couple of": 2,
    "a couple": 2,
}
_UNITS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
}
_WORDS = "|".join(sorted((re.escape(w) for w in _WORD_NUMBERS), key=len, reverse=True))
_UNIT = "|".join(sorted(_UNITS, key=len, reverse=True))
# A digit may touch its unit ("18m"); a word needs a space ("an hour", never "and" as "an d").
_PART = rf"(?:\d+(?:\.\d+)?\s*(?:{_UNIT})|(?<![\w-])(?:{_WORDS})\s+(?:{_UNIT}))(?![a-z])"
# "20 minutes ago", "1h30m ago", "an hour and 10 minutes ago", "half an hour ago".
_PHRASE_RE = re.compile(
    rf"(?<![\w-])(?P<phrase>half an hour|(?:{_PART})(?:\s*(?:and\s+)?(?:{_PART}))*)\s+ago\b"
    r"(?!\s*\(\s*\d{1,2}:\d{2})",
    re.IGNORECASE,
)
# "-18m", "-1h30m", "-2d": the --at shorthand, standing alone as a word.
_SHORT_RE = re.compile(r"(?<![\w-])-(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?![\w%:]|\.\d)")
_PIECE_RE = re.compile(rf"(?:(\d+(?:\.\d+)?)\s*|(?<![\w-])({_WORDS})\s+)({_UNIT})(?![a-z])", re.IGNORECASE)


def _phrase_seconds(phrase: str) -> float | None:
    if phrase.lower() == "half an hour":
        return 1800
    total = 0.0
    for digits, words, unit in _PIECE_RE.findall(phrase):
        amount = float(digits) if digits else _WORD_NUMBERS[" ".join(words.lower().split())]
        total += amount * _UNITS[unit.lower()]
    return total or None


def _label(moment: datetime, written: datetime) -> str:
    here = moment.astimezone()
    zone = here.strftime("%Z") or here.strftime("%z")
    if here.date() != written.astimezone().date():
        return f"{here:%Y-%m-%d %H:%M} {zone}"
    return f"{here:%H:%M} {zone}"


def absolute(text: str, written: datetime) -> str:
    """`text` with every relative time made absolute, as of `written` (see the module)."""
    if not text or ("ago" not in text.lower() and "-" not in text):
        return text

    def phrase(m: re.Match[str]) -> str:
        seconds = _phrase_seconds(m.group("phrase"))
        if seconds is None:
            return m.group()
        try:
            moment = written - timedelta(seconds=seconds)
        except OverflowError:
            return m.group()
        return f"{m.group()} ({_label(moment, written)})"

    def short(m: re.Match[str]) -> str:
        if not any(m.groups()):
            return m.group()
        d, h, mi, s = (int(g or 0) for g in m.groups())
        try:
            moment = written - timedelta(days=d, hours=h, minutes=mi, seconds=s)
        except OverflowError:
            return m.group()
        return _label(moment, written)

    return _SHORT_RE.sub(short, _PHRASE_RE.sub(phrase, text))
