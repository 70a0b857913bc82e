"""Pilot tests for the incident's details form (I): the real keys, then the database and the
generated update read back."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from fixed_clock import FIXED_NOW
from pilot import notifications, open_war_room, query, settle, type_text

from warroom.core.documents import render
from warroom.core.store import Store
from warroom.tui.app import build_app
from warroom.tui.screens.details import DetailsScreen
from warroom.tui.widgets.entry import EntryLine

pytestmark = pytest.mark.tui

SIZE = (140, 45)
INCIDENT = "INC-20260310-details"


@pytest.fixture
def details_db(db_path):
    """Declared at 14:45 (SEV-2, checkout, many users): impact since 14:30, detected 14:35."""

    async def seed() -> None:
        store = await Store.open(db_path, clock=lambda: FIXED_NOW - timedelta(minutes=10))
        try:
            await store.declare(
                "Checkout failing",
                2,
                "dana",
                first_phase="assess",
                incident_id=INCIDENT,
                started_at=FIXED_NOW - timedelta(minutes=25),
                detected_at=FIXED_NOW - timedelta(minutes=20),
                service="checkout",
                impact="many",
            )
        finally:
            await store.close()

    asyncio.run(seed())
    return db_path


def details_events(path) -> list[dict]:
    rows = query(path, "SELECT text, data FROM events WHERE kind = 'details' ORDER BY seq")
    # "base": what each change replaced (a register's, so changes made apart both stand)
    return [{"text": row["text"], **{k: v for k, v in json.loads(row["data"]).items() if k != "base"}} for row in rows]


async def test_the_form_shows_the_details_and_saves_what_changed(details_db, playbook):
    app = build_app(details_db, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await pilot.press("I")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, DetailsScreen)
        pane = str(screen.query_one("#sev-body").render())
        assert "Impact   Many users\n" in pane and "Service  checkout\n" in pane
        assert form.typed == {
            "service": "checkout",
            "impact": "Many users",
            "impact_pct": "",
            "started_at": "14:30",
            "detected_at": "14:35",
        }
        assert app.focused is form.query_one("#details-impact")  # what changes most, first
        await pilot.press("ctrl+u")
        await type_text(pilot, "all users")
        await pilot.press("tab")
        await type_text(pilot, "80")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert details_events(details_db) == [
            {"text": "Impact: All users; Impact %: 80", "impact": "all", "impact_pct": 80.0}
        ]
        assert (screen.state.incident.impact, screen.state.incident.impact_pct) == ("all", 80.0)
        assert any(n.message == "Details saved: Impact; % affected" for n in notifications(app))
        # The severity pane says it beside the level's own words, to compare.
        pane = str(screen.query_one("#sev-body").render())
        assert "Impact   All users (80% affected)" in pane and "Service  checkout" in pane
        # The updates say it: the internal update's impact line reads the new level.
        internal = render("internal", screen.state, playbook, FIXED_NOW)
        assert "**Impact**: All users (80%)" in internal


async def test_enter_walks_the_fields_and_saves_from_the_last(details_db, playbook):
    app = build_app(details_db, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        await pilot.press("I", "shift+tab", "ctrl+u")  # back to Service
        await type_text(pilot, "payments")
        await pilot.press("enter", "enter", "enter", "enter", "ctrl+u")  # on to Detected
        await type_text(pilot, "14:32")
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, DetailsScreen)
        [saved] = details_events(details_db)
        assert saved["service"] == "payments"
        assert saved["detected_at"].startswith("2026-03-10T14:32:00")
        assert set(saved) == {"text", "service", "detected_at"}


async def test_what_does_not_read_stays_in_the_form_and_nothing_is_written(details_db, playbook):
    app = build_app(details_db, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await pilot.press("I", "tab", "tab", "tab", "ctrl+u")  # Detected
        await type_text(pilot, "[bold]soon[/]")
        await pilot.press("ctrl+s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, DetailsScreen)
        said = str(form.query_one("#details-error").render())
        assert said.startswith("Detected: '[bold]soon[/]' is not a time")  # typed text shown as typed
        await pilot.press("ctrl+u")
        await type_text(pilot, "14:20")  # before the recorded start (14:30)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Detected is before impact started" in str(form.query_one("#details-error").render())
        assert form.typed["detected_at"] == "14:20"  # the text stays to be fixed
        await pilot.press("escape")  # edits: Esc asks once before dropping them
        await settle(pilot)
        assert app.screen is form
        assert notifications(app)[-1].message == "Press Esc again to drop what you typed; ctrl+s saves."
        await type_text(pilot, "0")  # typed after it asked: the next Esc asks again
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is form
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert details_events(details_db) == []


async def test_saving_unchanged_writes_nothing_and_says_so(details_db, playbook):
    app = build_app(details_db, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        await pilot.press("I", "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, DetailsScreen)
        assert details_events(details_db) == []
        assert any(n.message == "Nothing changed" for n in notifications(app))


async def test_capital_i_in_the_entry_line_is_a_letter(details_db, playbook):
    app = build_app(details_db, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await pilot.press("l", "I", "O")
        await settle(pilot)
        assert not isinstance(app.screen, DetailsScreen)
        assert screen.query_one(EntryLine).input.value == "IO"
