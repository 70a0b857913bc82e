"""Snapshot tests: every screen and modal, with the demo data and a fixed clock.

Update with `pytest tests/test_snapshots.py --snapshot-update`; the SVGs live in snapshots/.
"""

from __future__ import annotations

import asyncio

import pytest
from conftest import FIXED_NOW

from warroom.app import build_app
from warroom.store import Store

WIDE = (140, 45)
NARROW = (80, 24)


async def settle(pilot, rounds: int = 4) -> None:
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await pilot.pause()


def press(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await pilot.pause(0.1)  # a screen switch takes ~50 ms since Textual 8
            await settle(pilot)

    return run_before


@pytest.fixture
def two_incidents(db_path):
    async def seed() -> None:
        store = await Store.open(db_path, clock=lambda: FIXED_NOW)
        try:
            await store.declare("Search is slow", 3, "sam", first_phase="assess", incident_id="INC-20260310-aaaa")
            await store.declare(
                "Login fails for SSO users", 1, "dana", first_phase="contain", incident_id="INC-20260310-bbbb"
            )
        finally:
            await store.close()

    asyncio.run(seed())
    return db_path


def app_for(path, playbook):
    return build_app(path, playbook, clock=lambda: FIXED_NOW)


def test_declare_screen(snap_compare, db_path, playbook):
    assert snap_compare(app_for(db_path, playbook), terminal_size=WIDE, run_before=press())


def test_war_room_wide(snap_compare, demo_db, playbook):
    assert snap_compare(app_for(demo_db, playbook), terminal_size=WIDE, run_before=press())


def test_war_room_narrow(snap_compare, demo_db, playbook):
    assert snap_compare(app_for(demo_db, playbook), terminal_size=NARROW, run_before=press())


def test_war_room_entry_line(snap_compare, demo_db, playbook):
    run_before = press("l", *"-12m c: config push")
    assert snap_compare(app_for(demo_db, playbook), terminal_size=WIDE, run_before=run_before)


def test_help(snap_compare, demo_db, playbook):
    assert snap_compare(app_for(demo_db, playbook), terminal_size=WIDE, run_before=press("question_mark"))


def test_severity_change(snap_compare, demo_db, playbook):
    assert snap_compare(app_for(demo_db, playbook), terminal_size=WIDE, run_before=press("s", "1"))


def test_incident_switcher(snap_compare, two_incidents, playbook):
    assert snap_compare(app_for(two_incidents, playbook), terminal_size=WIDE, run_before=press())
