"""The quick-entry line and the times a commander types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warroom.core.entry import MAX_TEXT, parse_entry
from warroom.core.timeutil import duration, from_db, parse_at, to_db

NOW = datetime(2026, 3, 10, 14, 55, 0, tzinfo=UTC)  # TZ=UTC in the tests


@pytest.mark.parametrize(
    ("line", "kind", "text", "minutes_ago"),
    [
        ("plain words", "note", "plain words", None),
        ("a: rollback started", "action", "rollback started", None),
        ("decision: roll back", "decision", "roll back", None),
        ("!: 5xx > 10%", "alert", "5xx > 10%", None),
        ("14:30 c: deploy v2.3.4", "change", "deploy v2.3.4", 25),
        ("c: 14:30 deploy v2.3.4", "change", "deploy v2.3.4", 25),  # either order
        ("-12m h: cache stampede", "hypothesis", "cache stampede", 12),
        ("n: a: only the first prefix counts", "note", "a: only the first prefix counts", None),
        ("x: unknown prefix stays text", "note", "x: unknown prefix stays text", None),
        ("[red]markup[/red]", "note", "[red]markup[/red]", None),
    ],
)
def test_parse_entry(line, kind, text, minutes_ago):
    entry = parse_entry(line, "note", NOW)
    assert (entry.kind, entry.text) == (kind, text)
    if minutes_ago is None:
        assert entry.at is None
    else:
        assert entry.at == NOW - timedelta(minutes=minutes_ago)


@pytest.mark.parametrize("line", ["", "   ", "a:   ", "-5m a: ", "x" * (MAX_TEXT + 1)])
def test_parse_entry_refuses_empty_or_huge(line):
    with pytest.raises(ValueError):
        parse_entry(line, "note", NOW)


def test_clock_time_later_than_now_means_yesterday():
    assert parse_at("23:50", NOW) == datetime(2026, 3, 9, 23, 50, tzinfo=UTC)
    assert parse_at("14:56", NOW) == datetime(2026, 3, 10, 14, 56, tzinfo=UTC)  # a wall clock's minute ahead
    with pytest.raises(ValueError, match="2m ahead of now"):  # a time still to come: a slip, refused
        parse_at("14:57", NOW)


@pytest.mark.parametrize("spec", ["25:99", "1970-01-01T00:00", "2030-01-01T00:00", "soon", "-999999999d"])
def test_absurd_times_are_refused(spec):
    with pytest.raises(ValueError):
        parse_at(spec, NOW)


def test_db_times_round_trip_and_sort():
    earlier, later = NOW - timedelta(milliseconds=1), NOW
    assert from_db(to_db(later)) == later
    assert to_db(earlier) < to_db(later)
    assert to_db(NOW) == "2026-03-10T14:55:00.000Z"


@pytest.mark.parametrize(
    ("seconds", "shown"), [(-5, "0s"), (45, "45s"), (725, "12m05s"), (11220, "3h07m"), (187200, "2d04h")]
)
def test_duration(seconds, shown):
    assert duration(timedelta(seconds=seconds)) == shown


def test_crlf_is_one_line_break():
    from warroom.core.safetext import one_line

    assert one_line("two\r\nlines") == "two ⏎ lines"  # no stray ␍


def _look(entry) -> tuple[str, str, bool, bool]:
    from textual.widgets import Static

    prompt, hint = (str(entry.query_one(f"#entry-{part}", Static).content) for part in ("prompt", "hint"))
    return prompt, hint, entry.has_class("-open"), entry.input.disabled


@pytest.mark.tui
async def test_closed_line_takes_its_idle_look_unless_opened_again_first(demo_db, playbook):
    """close() hands focus back at once and leaves the idle look to the next frame: a line
    opened again before that frame keeps its open look, and a closed one always ends idle."""
    from pilot import app_for, open_war_room, settle, type_text

    from warroom.tui.widgets.entry import IDLE_PROMPT, EntryLine
    from warroom.tui.widgets.timeline import Timeline

    app = app_for(demo_db, playbook)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_war_room(pilot)
        entry = screen.query_one(EntryLine)
        await pilot.press("l")
        await type_text(pilot, "logged first")
        await pilot.press("enter")
        await settle(pilot)
        assert not entry.is_open and isinstance(app.focused, Timeline)
        assert _look(entry) == (IDLE_PROMPT, "", False, True) and entry.input.value == ""

        await pilot.press("l")
        await type_text(pilot, "typed, then closed and opened again")
        entry.close()
        screen.entry.log()  # the log key before the frame that would show the line idle
        await settle(pilot)
        prompt, hint, lit, disabled = _look(entry)
        assert entry.is_open and prompt == "Log" and hint and lit and not disabled
        assert app.focused is entry.input and entry.input.value == ""


@pytest.mark.parametrize(
    "text",
    ["plain", "a\x1b[31mred\x1b[0m", "tab\there", "c1 \x9b2J", "zero\u200bwidth", "👨\u200d👩 family", "del\x7f", ""],
)
def test_each_visible_keeps_every_position_and_shows_no_control(text):
    from warroom.core.safetext import _CONTROL, _EDITED, each_visible

    shown = each_visible(text)
    assert len(shown) == len(text)  # the cursor's index is the same on screen
    assert not _CONTROL.search(shown) and "\t" not in shown and "\n" not in shown
    # Only what would reach the terminal raw is replaced (a joiner inside an emoji is kept).
    replaced = {match.start() for match in _EDITED.finditer(text)}
    assert [i for i, (a, b) in enumerate(zip(text, shown)) if a != b] == sorted(replaced)


@pytest.mark.tui
async def test_a_pasted_escape_sequence_is_drawn_as_symbols_and_kept_exact(demo_db, playbook):
    from pilot import app_for, open_war_room, settle
    from textual import events

    from warroom.tui.widgets.entry import EntryLine

    app = app_for(demo_db, playbook)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_war_room(pilot)
        entry = screen.query_one(EntryLine)
        await pilot.press("l")
        entry.input.post_message(events.Paste("deploy \x1b[31mfailed\x1b[0m"))
        await settle(pilot)
        assert entry.input.value == "deploy \x1b[31mfailed\x1b[0m"  # exact: what Enter logs
        drawn = "".join(segment.text for segment in entry.input.render_line(0))
        assert "deploy ␛[31mfailed␛[0m" in drawn and "\x1b" not in drawn
        assert entry.input._cursor_offset == len("deploy ␛[31mfailed␛[0m") + 1  # after the last symbol


@pytest.mark.parametrize(
    "line, clock",
    [
        ("14:30 c: deploy", True),
        ("c: 14:30 deploy", True),
        ("-12m c: deploy", False),
        ("2026-03-09T15:30 c: deploy", False),  # a date given: not a clock time read as yesterday's
        ("deploy", False),
    ],
)
def test_an_entry_says_whether_its_time_was_a_clock_time(line, clock):
    assert parse_entry(line, "note", NOW).clock is clock


@pytest.mark.parametrize(
    ("line", "at", "text"),
    [
        ("2026-03-09T15:01 c: deploy", datetime(2026, 3, 9, 15, 1, tzinfo=UTC), "deploy"),
        ("c: 2026-03-09T15:01:30 deploy", datetime(2026, 3, 9, 15, 1, 30, tzinfo=UTC), "deploy"),
        ("2026-03-10T10:30-04:00 a: paged", datetime(2026, 3, 10, 14, 30, tzinfo=UTC), "paged"),
        ("2026-03-10T14:30Z restart", datetime(2026, 3, 10, 14, 30, tzinfo=UTC), "restart"),
        ("2026-03-10 was the day", None, "2026-03-10 was the day"),  # a date alone is words
    ],
)
def test_an_entry_takes_a_date_time(line, at, text):
    """What a refused clock time suggests (yesterday's, as 2026-03-09T15:01) the line takes,
    as it takes the offsets a daylight-saving refusal suggests."""
    entry = parse_entry(line, "note", NOW)
    assert (entry.at, entry.text) == (at, text)


@pytest.mark.tui
async def test_a_clock_time_just_ahead_is_refused_and_the_words_stay(demo_db, playbook):
    """At 14:55, `15:01 c: ...` is a slip, not yesterday's 15:01: nothing logged, the line keeps
    the words and says how far ahead it is; yesterday's date-time, as suggested, is logged."""
    import sqlite3
    from contextlib import closing

    from fixed_clock import FIXED_NOW
    from pilot import app_for, notifications, open_war_room, settle, type_text

    from warroom.core.timeutil import from_db
    from warroom.tui.widgets.entry import EntryLine

    def times() -> list[str]:
        with closing(sqlite3.connect(demo_db)) as conn:
            return [row[0] for row in conn.execute("SELECT ts FROM events WHERE kind = 'change' ORDER BY seq")]

    app = app_for(demo_db, playbook)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_war_room(pilot)
        entry = screen.query_one(EntryLine)
        before = times()
        await pilot.press("l")
        await type_text(pilot, "15:01 c: restarted the gateway")
        await pilot.press("enter")
        await settle(pilot)
        assert times() == before
        assert entry.is_open and entry.input.value == "15:01 c: restarted the gateway"
        (said,) = [n for n in notifications(app) if n.title == "Not saved"]
        assert said.message == (
            "'15:01' is 6m ahead of now (14:55) and has not happened yet; for yesterday's, give 2026-03-09T15:01"
        )
        entry.input.value = "2026-03-09T15:01 c: restarted the gateway"
        await pilot.press("enter")
        await settle(pilot)
        assert not entry.is_open
        assert from_db(times()[-1]) == FIXED_NOW.replace(hour=15, minute=1) - timedelta(days=1)
        assert not [n for n in notifications(app) if n.title == "Backdated to yesterday"]  # the date was given
