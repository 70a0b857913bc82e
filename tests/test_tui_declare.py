"""Pilot tests for declaring and switching incidents: real keys, then the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fixed_clock import FIXED_NOW
from pilot import notifications, settle, type_text
from pilot import query as rows

from warroom.core.store import Store
from warroom.core.timeutil import from_db
from warroom.tui.app import build_app
from warroom.tui.screens.declare import DeclareScreen
from warroom.tui.screens.switcher import SwitcherScreen
from warroom.tui.screens.warroom import WarRoomScreen

pytestmark = pytest.mark.tui

SIZE = (140, 45)


async def declare_two(path) -> list[str]:
    store = await Store.open(path, clock=lambda: FIXED_NOW)
    try:
        first = await store.declare("Search is slow", 3, "sam", first_phase="assess")
        second = await store.declare("Login fails for SSO users", 2, "dana", first_phase="assess")
        return [first.id, second.id]
    finally:
        await store.close()


async def test_title_and_one_key_declares(db_path, playbook):
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DeclareScreen)
        await type_text(pilot, "Checkout down")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
    [incident] = rows(db_path, "SELECT * FROM incidents")
    assert (incident["title"], incident["severity"], incident["phase"]) == ("Checkout down", 2, "assess")
    assert incident["commander"] == "dana"
    update_every = playbook.severity(2).update_every_minutes
    assert from_db(incident["next_update_at"]) == FIXED_NOW + timedelta(minutes=update_every)
    kinds = [r["kind"] for r in rows(db_path, "SELECT kind FROM events ORDER BY seq")]
    assert kinds[:3] == ["declared", "severity", "phase"]


async def test_triage_answers_and_impact_suggest_the_severity(db_path, playbook):
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "Everything is down")
        await pilot.press("enter")
        await type_text(pilot, "all pages 502")
        await pilot.press("enter")  # what's broken
        await pilot.press(*"everyone", "enter")  # who's affected
        await pilot.press(*"14:50", "enter")  # when did it start
        await type_text(pilot, "LB config push")
        await pilot.press("enter")  # what changed
        await pilot.press("enter")  # impact: the first choice, "All users"
        await pilot.press("tab", *"100", "enter")
        await settle(pilot)
        assert "SEV-1" in str(app.screen.query_one("#declare-summary").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
    [incident] = rows(db_path, "SELECT * FROM incidents")
    assert (incident["severity"], incident["impact"], incident["impact_pct"]) == (1, "all", 100)
    assert from_db(incident["started_at"]) == FIXED_NOW.replace(minute=50)  # "14:50" (TZ is UTC here)
    triage = {r["text"] for r in rows(db_path, "SELECT text FROM events WHERE kind = 'triage'")}
    assert triage == {"all pages 502", "everyone", "14:50", "LB config push", "All users (100%)"}


async def test_severity_override_on_the_guide(db_path, playbook):
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "Typo on the pricing page")
        app.screen.query_one("#declare-severity").focus()
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("enter")  # on the guide, enter declares with the chosen level
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
    [incident] = rows(db_path, "SELECT * FROM incidents")
    assert incident["severity"] == 4


async def test_empty_title_is_refused(db_path, playbook):
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DeclareScreen)
        assert any("title" in n.message for n in notifications(app))
    assert rows(db_path, "SELECT * FROM incidents") == []


async def test_several_open_incidents_open_the_switcher(db_path, playbook):
    first, second = await declare_two(db_path)
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SwitcherScreen)
        await pilot.press("down", "enter")  # newest first: the second is the older one
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        assert app.screen.incident_id == first

        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, SwitcherScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.incident_id == second

        await pilot.press("i")
        await settle(pilot)
        await pilot.press("escape")  # back to the one on display
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen) and app.screen.incident_id == second


async def test_escape_on_declare_goes_back_to_the_war_room_it_came_from(demo_db, playbook):
    app = build_app(demo_db, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        incident = app.screen.incident_id
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, DeclareScreen)
        await pilot.press("escape")  # nothing typed: back at once, to the incident being worked
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen) and app.screen.incident_id == incident
        # Declared from the list opened there (i, ctrl+n): Esc comes back to work too, not to a
        # list with no way back.
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, DeclareScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen) and app.screen.incident_id == incident


async def test_typing_on_the_incident_list_filters_even_from_n(db_path, playbook):
    first, second = await declare_two(db_path)
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SwitcherScreen)
        await pilot.press(*"nothing")  # a filter starting with n: not the declare key
        await settle(pilot)
        assert isinstance(app.screen, SwitcherScreen)
        assert app.screen.query_one("#switcher-filter").value == "nothing"


async def test_declare_a_second_incident_from_the_war_room(demo_db, playbook):
    app = build_app(demo_db, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, DeclareScreen)
        await type_text(pilot, "Second fire")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        assert app.screen.state.incident.title == "Second fire"
    assert len(rows(demo_db, "SELECT * FROM incidents WHERE status = 'open'")) == 2


async def test_switcher_declares_with_n_and_escape_goes_back(db_path, playbook):
    await declare_two(db_path)
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, DeclareScreen)
        await pilot.press("escape")  # there are open incidents to go back to
        await settle(pilot)
        assert isinstance(app.screen, SwitcherScreen)
        # Over something typed, Esc asks once: a stray one does not drop a half-filled declaration.
        await pilot.press("ctrl+n")
        await settle(pilot)
        await type_text(pilot, "Payments down")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DeclareScreen)
        assert notifications(app)[-1].message == "Press Esc again to drop what you typed; ctrl+s declares."
        await type_text(pilot, " again")  # typed after it asked: the next Esc asks again
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DeclareScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SwitcherScreen)


async def test_an_unknown_incident_id_falls_back_to_the_switcher(db_path, playbook):
    await declare_two(db_path)
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW, incident_id="INC-nope")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SwitcherScreen)
        assert any("nope" in n.message for n in notifications(app))


async def test_build_app_opens_the_incident_asked_for(db_path, playbook):
    first, _second = await declare_two(db_path)
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW, incident_id=first)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen) and app.screen.incident_id == first


def test_a_start_given_back_from_now_is_kept_with_the_time_it_means():
    from warroom.tui.screens.declare import started_from, stated_start

    def kept(answer: str) -> str:
        return stated_start(answer, started_from(answer, FIXED_NOW), FIXED_NOW)

    assert kept("-20m") == "14:35 (-20m)"  # FIXED_NOW is 14:55 UTC, TZ is UTC here
    assert kept("-20m, right after the deploy") == "14:35 (-20m), right after the deploy"
    assert kept("-2d") == "2026-03-08 14:55 (-2d)"
    assert kept("14:32, right after the deploy") == "14:32, right after the deploy"
    assert kept("after lunch") == "after lunch"
    assert kept("-2y") == "-2y"  # not read as the start: kept as typed


async def test_a_relative_start_is_logged_with_its_time(db_path, playbook):
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "Checkout down")
        await pilot.press("enter", "enter", "enter")  # past what's broken and who's affected
        await pilot.press(*"-20m", "enter")  # when did it start
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
    [incident] = rows(db_path, "SELECT * FROM incidents")
    assert from_db(incident["started_at"]) == FIXED_NOW - timedelta(minutes=20)
    assert [r["text"] for r in rows(db_path, "SELECT text FROM events WHERE kind = 'triage'")] == ["14:35 (-20m)"]


def test_started_from_reads_a_leading_time():
    from warroom.tui.screens.declare import started_from

    assert started_from("14:32, right after the deploy", FIXED_NOW) == FIXED_NOW.replace(minute=32)
    assert started_from("-10m", FIXED_NOW) == FIXED_NOW - timedelta(minutes=10)
    assert started_from("after lunch", FIXED_NOW) is None
    assert started_from("", FIXED_NOW) is None


def reading(app) -> str:
    hint = app.screen.query_one("#started-reading")
    return str(hint.render()) if hint.display else ""


async def test_a_start_time_read_as_yesterday_is_shown_before_declaring(db_path, playbook):
    """At 14:55, "16:30" is yesterday's 16:30 (the last time the clock showed it): say so.
    "15:30", only 35 minutes ahead, is a slip: not read, and the hint says why."""
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "Checkout down")
        app.screen.query_one("#triage-started").focus()
        await type_text(pilot, "14:32, after the deploy")
        await settle(pilot)
        assert reading(app) == ""  # today, 23 minutes ago: nothing surprising
        await pilot.press("end", "ctrl+u", *"15:30")
        await settle(pilot)
        assert reading(app).startswith("⚑ not read as the start: '15:30' is 35m ahead of now (14:55)")
        await pilot.press("end", "ctrl+u", *"16:30")
        await settle(pilot)
        assert reading(app) == "⚑ read as yesterday 16:30 (22h25m ago)"
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace", *"-7h")
        await settle(pilot)
        assert reading(app) == "⚑ read as today 07:55 (7h00m ago)"  # today, but long ago
        await pilot.press("end", "ctrl+u", *"16:30", "ctrl+s")  # still accepted
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
    [incident] = rows(db_path, "SELECT * FROM incidents")
    assert from_db(incident["started_at"]) == FIXED_NOW.replace(hour=16, minute=30) - timedelta(days=1)


async def test_a_start_time_in_a_daylight_saving_gap_shows_why_it_is_not_read(db_path, playbook, monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    spring_forward = FIXED_NOW.replace(month=3, day=29, hour=12)  # 14:00 in Berlin; 02:00-03:00 skipped
    app = build_app(db_path, playbook, clock=lambda: spring_forward)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "Checkout down")
        app.screen.query_one("#triage-started").focus()
        await pilot.press(*"02:30")
        await settle(pilot)
        shown = reading(app)
        assert shown.startswith("⚑ not read as the start:")
        assert "did not happen on 2026-03-29" in shown and "daylight saving" in shown
        await pilot.press("ctrl+s")  # the incident is declared; the answer is kept, with no start time
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
    [incident] = rows(db_path, "SELECT * FROM incidents")
    assert incident["started_at"] is None
    assert "02:30" in {r["text"] for r in rows(db_path, "SELECT text FROM events WHERE kind = 'triage'")}


def test_start_reading_words_and_days():
    from warroom.tui.screens.declare import start_reading

    assert str(start_reading("after lunch", FIXED_NOW)) == ""  # no time in it: nothing to say
    assert str(start_reading("", FIXED_NOW)) == ""
    assert str(start_reading("-2d", FIXED_NOW)) == "⚑ read as Sun 2026-03-08 14:55 (2d00h ago)"
    assert str(start_reading("-5h59m", FIXED_NOW)) == ""
    assert str(start_reading("14:3", FIXED_NOW)).startswith("⚑ not read as the start: '14:3' is not a time")
    assert str(start_reading("-2y", FIXED_NOW)).startswith("⚑ not read as the start:")


async def test_keys_typed_fast_into_the_title_keep_their_order(db_path, playbook):
    """Backspace, Home and the arrows run as the field takes them, not after the letters typed
    behind them (tui/widgets/keys.py): a title corrected at speed is the title meant."""
    from test_tui_typeahead import type_ahead

    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        type_ahead(app, [*"Chekc", *["backspace"] * 2, *"ck", *"out dwn", "left", "left", "o", "home", "!"])
        await settle(pilot)
        assert app.screen.query_one("#title").value == "!Checkout down"
