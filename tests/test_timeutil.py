"""Backdated times in any local time zone, across daylight-saving changes.

`14:30` means the last time the local wall clock showed 14:30 (today, else yesterday);
one a little ahead of now (up to an hour) is refused as a slip, not taken as yesterday's;
a time the clocks skipped or showed twice is refused with a message rather than guessed.
The expected instants come from zoneinfo, independently of the libc rules timeutil uses.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from warroom.core.entry import parse_entry
from warroom.core.timeutil import hm, hms, parse_at

UTC = UTC
ZONES = ("UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe")


@pytest.fixture
def local_zone():
    """Switch the process's local zone (TZ + tzset) and put the previous one back."""
    before = os.environ.get("TZ")

    def switch(name: str) -> ZoneInfo:
        try:
            zone = ZoneInfo(name)
        except ZoneInfoNotFoundError:
            pytest.skip(f"no tz database entry for {name}")
        os.environ["TZ"] = name
        time.tzset()
        return zone

    yield switch
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def at(zone: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    """A wall-clock time in `zone`, as the UTC instant the code returns."""
    return datetime(*args, tzinfo=zone, fold=fold).astimezone(UTC)


# (now, as the local wall clock shows it) -> typed -> (expected local wall time)
ORDINARY_DAYS = [
    ((2026, 3, 10, 14, 55), "14:30", (2026, 3, 10, 14, 30)),
    ((2026, 3, 10, 14, 55), "14:30:15", (2026, 3, 10, 14, 30, 15)),
    ((2026, 3, 10, 14, 55), "23:50", (2026, 3, 9, 23, 50)),  # later than now (by over an hour): yesterday
    ((2026, 3, 10, 14, 55), "15:56", (2026, 3, 9, 15, 56)),  # 61 minutes ahead: yesterday's
    ((2026, 3, 10, 14, 55), "15:55:01", (2026, 3, 9, 15, 55, 1)),  # an hour and a second ahead
    ((2026, 3, 10, 0, 10), "23:50", (2026, 3, 9, 23, 50)),  # the classic: logging after midnight
    ((2026, 3, 10, 14, 55), "14:56", (2026, 3, 10, 14, 56)),  # a minute ahead (a wall clock's minute): today
    ((2026, 3, 10, 14, 55, 30), "14:56:30", (2026, 3, 10, 14, 56, 30)),  # the slack's edge: today
    ((2026, 3, 10, 14, 55), "14:55", (2026, 3, 10, 14, 55)),  # exactly now
    ((2026, 3, 10, 14, 55), "14:55:30", (2026, 3, 10, 14, 55, 30)),  # seconds ahead: skew, today
    ((2026, 3, 10, 0, 10), "00:05", (2026, 3, 10, 0, 5)),  # just after midnight: today's
    ((2026, 7, 1, 9, 5), "0:15", (2026, 7, 1, 0, 15)),
]


@pytest.mark.parametrize("name", ZONES)
@pytest.mark.parametrize(("now", "typed", "meant"), ORDINARY_DAYS)
def test_clock_time_is_local_wall_time_in_every_zone(local_zone, name, now, typed, meant):
    zone = local_zone(name)
    current = at(zone, *now)
    assert parse_at(typed, current) == at(zone, *meant)
    assert hm(parse_at(typed, current)) == f"{meant[3]:02d}:{meant[4]:02d}"


@pytest.mark.parametrize("name", ZONES)
def test_relative_times_are_exact_durations(local_zone, name):
    zone = local_zone(name)
    current = at(zone, 2026, 3, 10, 14, 55)
    assert parse_at("-12m", current) == current - timedelta(minutes=12)
    assert parse_at("-1h30m", current) == current - timedelta(hours=1, minutes=30)
    assert parse_at("2026-03-10T14:30", current) == at(zone, 2026, 3, 10, 14, 30)  # naive ISO: local
    utc_iso = (current - timedelta(minutes=25)).strftime("%Y-%m-%dT%H:%MZ")
    assert parse_at(utc_iso, current) == current - timedelta(minutes=25)


@pytest.mark.parametrize("name", ZONES)
def test_entry_line_backdates_in_local_time(local_zone, name):
    zone = local_zone(name)
    current = at(zone, 2026, 3, 10, 14, 55)
    assert parse_entry("14:30 c: deploy v2.3.4", "note", current).at == at(zone, 2026, 3, 10, 14, 30)
    assert parse_entry("-12m !: 5xx up", "note", current).at == current - timedelta(minutes=12)


NY = "America/New_York"
# 2026-03-08: at 02:00 EST the clocks jump to 03:00 EDT. 2026-11-01: at 02:00 EDT back to 01:00 EST.
DST_DAYS = [
    # spring forward, typed after the change
    ((2026, 3, 8, 14, 55), 0, "14:30", (2026, 3, 8, 14, 30), 0),
    ((2026, 3, 8, 14, 55), 0, "01:30", (2026, 3, 8, 1, 30), 0),  # before the jump: EST
    ((2026, 3, 8, 14, 55), 0, "03:30", (2026, 3, 8, 3, 30), 0),  # after it: EDT
    ((2026, 3, 8, 14, 55), 0, "23:00", (2026, 3, 7, 23, 0), 0),  # yesterday, a winter evening
    ((2026, 3, 8, 3, 10), 0, "01:50", (2026, 3, 8, 1, 50), 0),  # 20 real minutes ago, across the jump
    ((2026, 3, 8, 0, 55), 0, "02:30", (2026, 3, 7, 2, 30), 0),  # today's 02:30 will never come: yesterday's
    # fall back, typed after the change
    ((2026, 11, 1, 14, 55), 0, "14:30", (2026, 11, 1, 14, 30), 0),
    ((2026, 11, 1, 14, 55), 0, "00:30", (2026, 11, 1, 0, 30), 0),  # before it: EDT
    ((2026, 11, 1, 14, 55), 0, "02:30", (2026, 11, 1, 2, 30), 0),  # after it: EST
    ((2026, 11, 1, 14, 55), 0, "23:00", (2026, 10, 31, 23, 0), 0),
    # inside the repeated hour only one 01:30 is in the past: that one
    ((2026, 11, 1, 1, 40), 0, "01:30", (2026, 11, 1, 1, 30), 0),  # first pass (EDT), 10 min ago
    ((2026, 11, 1, 1, 20), 1, "01:30", (2026, 11, 1, 1, 30), 0),  # second pass: the EDT one, 50 min ago
]


@pytest.mark.parametrize(("now", "now_fold", "typed", "meant", "meant_fold"), DST_DAYS)
def test_clock_time_across_a_dst_change(local_zone, now, now_fold, typed, meant, meant_fold):
    zone = local_zone(NY)
    current = at(zone, *now, fold=now_fold)
    got = parse_at(typed, current)
    assert got == at(zone, *meant, fold=meant_fold)
    assert got <= current + timedelta(minutes=5)  # never a time still to come


# (now, as the local wall clock shows it) -> typed -> (how far ahead, now as said, yesterday's as given)
AHEAD_BY_AN_HOUR_OR_LESS = [
    ((2026, 3, 10, 14, 55), "15:01", ("6m", "14:55", "2026-03-09T15:01")),  # the tester's case
    ((2026, 3, 10, 17, 15, 30), "17:20", ("4m30s", "17:15:30", "2026-03-09T17:20")),  # inside the old 5m slack
    ((2026, 3, 10, 14, 55), "14:56:01", ("1m01s", "14:55:00", "2026-03-09T14:56:01")),  # just past CLOCK_SLACK
    ((2026, 3, 10, 14, 55), "15:55", ("1h", "14:55", "2026-03-09T15:55")),  # the window's edge
    ((2026, 3, 10, 14, 55), "15:01:30", ("6m30s", "14:55:00", "2026-03-09T15:01:30")),
    ((2026, 3, 10, 14, 55, 50), "15:01", ("5m10s", "14:55:50", "2026-03-09T15:01")),
    ((2026, 3, 10, 0, 10), "00:30", ("20m", "00:10", "2026-03-09T00:30")),  # across midnight
    ((2026, 3, 10, 23, 30), "00:15", None),  # today's 00:15 is behind: taken, never refused
]


@pytest.mark.parametrize("name", ZONES)
@pytest.mark.parametrize(("now", "typed", "said"), AHEAD_BY_AN_HOUR_OR_LESS)
def test_a_clock_time_up_to_an_hour_ahead_is_refused_not_yesterdays(local_zone, name, now, typed, said):
    """At 16:34, `16:40` is a slip (a typo, a clock a few minutes off), not yesterday's 16:40:
    refused with how far ahead it is and yesterday's as a date-time, which is then taken."""
    zone = local_zone(name)
    current = at(zone, *now)
    if said is None:
        assert parse_at(typed, current) <= current
        return
    how_far, now_said, yesterdays = said
    with pytest.raises(ValueError) as refused:
        parse_at(typed, current)
    message = str(refused.value)
    assert message == (
        f"{typed!r} is {how_far} ahead of now ({now_said}) and has not happened yet; for yesterday's, give {yesterdays}"
    )
    wall = datetime.fromisoformat(yesterdays)  # what is suggested is taken, as yesterday's
    assert parse_at(yesterdays, current) == at(zone, *wall.timetuple()[:6])
    with pytest.raises(ValueError, match="ahead of now"):
        parse_entry(f"{typed} c: deploy", "note", current)  # the entry line: the same refusal
    assert parse_entry(f"{yesterdays} c: deploy", "note", current).at == parse_at(yesterdays, current)


def test_ahead_is_real_time_across_a_dst_change(local_zone):
    zone = local_zone(NY)
    # Spring forward: at 01:50 EST, 03:10 EDT is 20 real minutes ahead (80 on the wall clock).
    with pytest.raises(ValueError, match="'03:10' is 20m ahead of now \\(01:50\\)"):
        parse_at("03:10", at(zone, 2026, 3, 8, 1, 50))
    # A time the clocks will skip, 35 minutes ahead on the wall clock: a slip too.
    with pytest.raises(ValueError, match="'02:30' is 35m ahead of now \\(01:55\\).*2026-03-07T02:30"):
        parse_at("02:30", at(zone, 2026, 3, 8, 1, 55))
    # Fall back: at 00:50 EDT the first 01:30 is 40 minutes ahead; the second one later still.
    with pytest.raises(ValueError, match="'01:30' is 40m ahead of now \\(00:50\\)"):
        parse_at("01:30", at(zone, 2026, 11, 1, 0, 50))
    # 80 minutes ahead: yesterday's, as on any day.
    assert parse_at("01:30", at(zone, 2026, 11, 1, 0, 10)) == at(zone, 2026, 10, 31, 1, 30)


def test_the_cli_refuses_a_clock_time_just_ahead_in_one_line(cli, db_path):
    """`warroom log --at 15:01` at 14:55: a malformed argument (exit 2), one line, nothing logged."""
    import sqlite3
    from contextlib import closing

    from helpers_proc import assert_one_line_error

    def logged() -> int:
        with closing(sqlite3.connect(db_path)) as conn:
            return conn.execute("SELECT count(*) FROM events").fetchone()[0]

    assert cli("declare", "Checkout down").code == 0
    before = logged()
    refused = cli("log", "deploy", "--kind", "change", "--at", "15:01")
    assert_one_line_error(refused, "--at: '15:01' is 6m ahead of now (14:55)", "2026-03-09T15:01", code=2)
    assert logged() == before
    assert cli("log", "deploy", "--kind", "change", "--at", "2026-03-09T15:01").code == 0  # as it says
    assert cli("log", "deploy", "--kind", "change", "--at", "16:30").code == 0  # over an hour: yesterday's


def test_a_time_the_clocks_skipped_is_refused(local_zone):
    zone = local_zone(NY)
    current = at(zone, 2026, 3, 8, 14, 55)
    with pytest.raises(ValueError, match="did not happen on 2026-03-08.*jumped"):
        parse_at("02:30", current)
    with pytest.raises(ValueError, match="did not happen"):
        parse_at("2026-03-08T02:30", current)
    with pytest.raises(ValueError, match="did not happen"):
        parse_entry("02:30 c: deploy", "note", current)


def test_a_time_the_clock_showed_twice_is_refused_with_both_offsets(local_zone):
    zone = local_zone(NY)
    current = at(zone, 2026, 11, 1, 14, 55)
    with pytest.raises(ValueError) as refused:
        parse_at("01:30", current)
    message = str(refused.value)
    assert "happened twice on 2026-11-01" in message
    assert "2026-11-01T01:30-04:00" in message and "2026-11-01T01:30-05:00" in message
    # Either suggestion, typed back, is taken as it says.
    assert parse_at("2026-11-01T01:30-04:00", current) == at(zone, 2026, 11, 1, 1, 30, fold=0)
    assert parse_at("2026-11-01T01:30-05:00", current) == at(zone, 2026, 11, 1, 1, 30, fold=1)
    with pytest.raises(ValueError, match="twice"):
        parse_at("2026-11-01T01:30", current)
    # On the second pass through the hour, 01:10 was 10 and 70 minutes ago: both past, refused.
    with pytest.raises(ValueError, match="twice"):
        parse_at("01:10", at(zone, 2026, 11, 1, 1, 20, fold=1))


def test_lord_howe_half_hour_dst(local_zone):
    # Lord Howe moves its clocks by 30 minutes: 2026-04-05 02:00 (+11) back to 01:30 (+10:30).
    zone = local_zone("Australia/Lord_Howe")
    current = at(zone, 2026, 4, 5, 12, 0)
    assert parse_at("01:00", current) == at(zone, 2026, 4, 5, 1, 0)
    assert parse_at("02:15", current) == at(zone, 2026, 4, 5, 2, 15)
    with pytest.raises(ValueError, match="twice"):
        parse_at("01:45", current)


def test_displayed_times_follow_the_zone_of_each_instant(local_zone):
    zone = local_zone(NY)
    before, after = at(zone, 2026, 3, 8, 1, 59), at(zone, 2026, 3, 8, 3, 1)
    assert after - before == timedelta(minutes=2)
    assert (hm(before), hm(after)) == ("01:59", "03:01")
    assert hms(after) == "03:01:00"
    assert hm(None) == ""


def test_documents_share_the_one_hm():
    """documents.py used to carry its own copy; templates still get "" for an unknown time."""
    from warroom.core import documents, timeutil, timewords

    assert documents.hm is timeutil.hm
    assert timewords.hm_zone(None) == ""
