"""Snapshots of the after-the-fire screens: a resolved incident's war room (RESOLVED 14:52,
stopped clocks), the list of every incident, the offered start, follow-ups and the stats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fixed_clock import FIXED_NOW
from snapshot_helpers import WIDE, app_for, press, with_store

from warroom.core.models import ActionItem
from warroom.core.operations import Operations

pytestmark = pytest.mark.tui

DECLARED = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
NEXT_DAY = FIXED_NOW + timedelta(days=1)


def _seed(path, playbook, *, open_one: bool = False, backdated: bool = False):
    async def steps(store):
        clock = store.clock
        ops = Operations(store, playbook, "dana")
        first_phase = playbook.phases[0].key
        store.clock = lambda: DECLARED
        first = await store.declare(
            "Checkout 502s after deploy", 1, "dana", first_phase=first_phase, service="checkout",
            incident_id="INC-20260310-aaaa", started_at=DECLARED - timedelta(minutes=6),
        )  # fmt: skip
        store.clock = lambda: DECLARED + timedelta(minutes=30)
        await ops.set_mitigation(first.id, next(level for level in playbook.mitigation if level.restored))
        store.clock = lambda: DECLARED + timedelta(minutes=52)
        await ops.resolve(first.id)
        store.clock = lambda: DECLARED + timedelta(minutes=53)
        second = await store.declare(
            "Search is slow", 3, "sam", first_phase=first_phase, incident_id="INC-20260310-bbbb"
        )
        if not open_one:
            await ops.resolve(second.id)
        if backdated:
            store.clock = lambda: FIXED_NOW - timedelta(minutes=5)
            await ops.log(second.id, "alert", "p99 latency above 2s", at=FIXED_NOW - timedelta(minutes=23))
        created = FIXED_NOW - timedelta(days=10)
        for incident_id, n, action, owner, due, status in (
            (first.id, 1, "Add a pool size check to the deploy pipeline", "kim", "2026-03-01", "Open"),
            (first.id, 2, "Write the rollback runbook", "lee", "", "In progress"),
            (second.id, 3, "Index the search table", "sam", "2026-04-01", "Open"),
        ):
            await ops.save_action_item(
                ActionItem(id=f"a{n}", incident_id=incident_id, action=action, owner=owner, due=due,
                           status=status, created_at=created)
            )  # fmt: skip
        store.clock = clock

    with_store(path, steps)
    return path


def test_every_incident_listed_resolved_marked(snap_compare, db_path, playbook):
    _seed(db_path, playbook)
    assert snap_compare(app_for(db_path, playbook, NEXT_DAY), terminal_size=WIDE, run_before=press())


def test_resolved_war_room(snap_compare, db_path, playbook):
    _seed(db_path, playbook)
    run_before = press("down", "enter", toasts=False)
    assert snap_compare(app_for(db_path, playbook, NEXT_DAY), terminal_size=WIDE, run_before=run_before)


def test_war_room_offers_the_start(snap_compare, db_path, playbook):
    _seed(db_path, playbook, open_one=True, backdated=True)
    assert snap_compare(app_for(db_path, playbook), terminal_size=WIDE, run_before=press("v", toasts=False))


def test_follow_ups(snap_compare, db_path, playbook):
    _seed(db_path, playbook)
    assert snap_compare(app_for(db_path, playbook), terminal_size=WIDE, run_before=press("O", toasts=False))


def test_stats(snap_compare, db_path, playbook):
    _seed(db_path, playbook)
    assert snap_compare(app_for(db_path, playbook), terminal_size=WIDE, run_before=press("W", toasts=False))
