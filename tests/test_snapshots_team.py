"""Snapshots of the team's pickers: a change made on two laptops apart (which one stands?) and
a handoff edited apart (which version to keep). Two files shared as the sync shares them
(replica.unpushed / apply_pulled), fixed host ids and clocks.

Update with `pytest tests/test_snapshots_team.py --snapshot-update`; the SVGs live in
snapshots/test_snapshots_team/.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from fixed_clock import FIXED_NOW
from pilot import notifications
from snapshot_helpers import WIDE, app_for, clear_toasts, settle

from warroom.core import db, replica
from warroom.core.operations import Operations
from warroom.core.playbook import load
from warroom.core.store import Store

pytestmark = pytest.mark.tui

INCIDENT = "INC-20260310-apart"


def _share(src, dst) -> None:
    a, b = db.open_db(src), db.open_db(dst)
    try:
        rows = replica.unpushed(a, limit=10_000)
        replica.apply_pulled(b, f"server:{src.name}", rows, len(rows))
    finally:
        a.close()
        b.close()


def _on(path, minutes: float, author: str, work) -> None:
    async def run():
        store = await Store.open(path, clock=lambda: FIXED_NOW + timedelta(minutes=minutes))
        try:
            await work(Operations(store, load(), author))
        finally:
            await store.close()

    asyncio.run(run())


@pytest.fixture
def apart(tmp_path):
    """Laptop a declares; both take it; offline, each sets its own severity and handoff; both
    share again. The war room opens on a's file."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for path, host in ((a, "laptop-a~0001"), (b, "laptop-b~0002")):
        conn = db.open_db(path, create=True)
        conn.execute("INSERT INTO meta (key, value) VALUES ('host', ?)", (host,))
        conn.commit()
        conn.close()

    async def declare(ops):
        await ops.store.declare("Checkout failing", 2, "dana", first_phase="assess", incident_id=INCIDENT)
        await ops.save_draft(INCIDENT, "handoff", "## Incident Handoff\n\nCheckout failing: rollback under way.")

    _on(a, -20, "dana", declare)
    _share(a, b)

    def apart_work(level: int, text: str):
        async def work(ops):
            await ops.set_severity(INCIDENT, level, None)
            await ops.save_draft(INCIDENT, "handoff", text)

        return work

    _on(a, -10, "dana", apart_work(1, "## Incident Handoff\n\nCheckout failing: rollback done, errors at 2%."))
    _on(b, -8, "sam", apart_work(3, "## Incident Handoff\n\nCheckout failing: only EU cards affected."))
    _share(a, b)
    _share(b, a)
    return a


def press(*keys: str):
    """Once the war room has said the handoff was edited apart (a notice raised when the state
    is first read, after the first frame), that notice cleared; then the keys."""

    async def run_before(pilot) -> None:
        for _ in range(100):  # a bounded wait for the notice, not a sleep
            await settle(pilot)
            if any("edited apart" in n.message for n in notifications(pilot.app)):
                break
        await clear_toasts(pilot)
        await pilot.press(*keys)
        await pilot.pause(0.1)  # a screen switch takes ~50 ms since Textual 8
        await settle(pilot)
        await clear_toasts(pilot)

    return run_before


def test_changed_apart_chooser(snap_compare, apart, playbook):
    assert snap_compare(app_for(apart, playbook), terminal_size=WIDE, run_before=press("f", "a"))


def test_handoff_versions_picker(snap_compare, apart, playbook):
    assert snap_compare(app_for(apart, playbook), terminal_size=WIDE, run_before=press("h", "ctrl+o"))
