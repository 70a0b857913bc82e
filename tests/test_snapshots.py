"""Snapshot tests: every screen and modal, with the demo data and a fixed clock.

Update with `pytest tests/test_snapshots.py --snapshot-update`; the SVGs live in snapshots/.
"""

from __future__ import annotations

import pytest
from snapshot_helpers import NARROW, WIDE, app_for, press, with_store

from warroom.core.store import Store

pytestmark = pytest.mark.tui


@pytest.fixture
def two_incidents(db_path):
    async def seed(store: Store) -> None:
        await store.declare("Search is slow", 3, "sam", first_phase="assess", incident_id="INC-20260310-aaaa")
        await store.declare(
            "Login fails for SSO users", 1, "dana", first_phase="contain", incident_id="INC-20260310-bbbb"
        )

    with_store(db_path, seed)
    return db_path


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


def test_quit_with_a_line_not_sent(snap_compare, demo_db, playbook):
    run_before = press("l", *"a: failing over the primary", "ctrl+q")
    assert snap_compare(app_for(demo_db, playbook), terminal_size=WIDE, run_before=run_before)
