"""Snapshots of the practice pieces: the checklist with progress, the severity panel, red
flags firing, the temporary-fixes list and the practice modals. Fixed clocks, seeded data.

Update with `pytest tests/test_snapshots_practice.py --snapshot-update`; the SVGs live in
snapshots/test_snapshots_practice/.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fixed_clock import FIXED_NOW
from snapshot_helpers import NARROW, WIDE, app_for, clear_toasts, settle, with_store
from snapshot_helpers import press as press_keys

from warroom.core.store import Store

pytestmark = pytest.mark.tui

STORY_ID = "INC-20260310-story"
T0 = FIXED_NOW.replace(minute=30)  # 14:30: the deploy in the seed's story


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def press(*keys: str):
    return press_keys(*keys, toasts=False)


def seeded(path, steps) -> None:
    """Run `steps(store, clock_at)` against a fresh store; clock_at(minutes) moves its clock."""

    async def seed(store: Store) -> None:
        def clock_at(minutes: float) -> None:
            store.clock = lambda: at(minutes)

        await steps(store, clock_at)

    with_store(path, seed, at(12))


async def declare_story(store: Store, clock_at) -> None:
    clock_at(12)
    await store.declare(
        "Checkout failing after v2.3.4 deploy",
        2,
        "dana",
        first_phase="assess",
        incident_id=STORY_ID,
        started_at=at(2),
        detected_at=at(8),
    )
    clock_at(12.2)
    await store.append(STORY_ID, "change", "Deploy v2.3.4 of checkout-api completed", "deploy-bot", at=at(0))
    await store.append(STORY_ID, "alert", "Error rate increased 5% → 20%", "alertmanager", at=at(2))


@pytest.fixture
def flags_db(db_path):
    """14:48 in the story, still assessing: roll back first (error) and the time box (warning)."""
    seeded(db_path, declare_story)
    return db_path


@pytest.fixture
def progress_db(db_path, playbook):
    """Through Assess and Contain into Mitigate, with items ticked, a severity change and fixes."""

    def label(phase: str, item: str) -> str:
        return next(i.text for i in playbook.phase(phase).items if i.id == item)

    async def steps(store: Store, clock_at) -> None:
        await declare_story(store, clock_at)
        clock_at(12.5)
        for item, answer in (("broken", "payment step 500s"), ("changed", "v2.3.4 at 14:30"), ("rollback", "yes")):
            await store.tick(STORY_ID, "assess", item, label("assess", item), True, "dana", answer)
        clock_at(13)
        await store.set_phase(STORY_ID, "contain", "dana")
        await store.set_severity(STORY_ID, 1, "dana", "all card payments failing")
        await store.append(
            STORY_ID, "decision", "Bad deploy: Rollback to previous version", "dana", data={"containment": "bad_deploy"}
        )
        await store.tick(STORY_ID, "contain", "situation", label("contain", "situation"), True, "dana", "bad deploy")
        await store.tick(STORY_ID, "contain", "action", label("contain", "action"), True, "alex")
        clock_at(15)
        await store.set_phase(STORY_ID, "mitigate", "dana")
        clock_at(16)
        await store.add_temp_fix(STORY_ID, "Bypass payment token cache", "checkout-api config", "INC-1234", "alex")
        await store.add_temp_fix(STORY_ID, "Raise gateway pool size to 200", "payment-gateway", "", "alex")
        fix = await store.add_temp_fix(STORY_ID, "Disable retries in the client", "checkout-api", "INC-1240", "alex")
        clock_at(18)
        await store.close_temp_fix(fix, "alex")
        await store.tick(STORY_ID, "mitigate", "tempfixes", label("mitigate", "tempfixes"), True, "dana")
        await store.set_mitigation(STORY_ID, "partial", "Partial restore", True, "dana")

    seeded(db_path, steps)
    return db_path


def app_at(path, playbook, minutes: float):
    return app_for(path, playbook, at(minutes))


def shot(snap_compare, path, playbook, minutes: float, *keys: str, size=WIDE) -> bool:
    """The app `minutes` into the story, after `keys`, against its snapshot."""
    return snap_compare(app_at(path, playbook, minutes), terminal_size=size, run_before=press(*keys))


def test_red_flags_firing(snap_compare, flags_db, playbook):
    assert shot(snap_compare, flags_db, playbook, 18, "f")


def test_red_flags_firing_narrow(snap_compare, flags_db, playbook):
    assert shot(snap_compare, flags_db, playbook, 18, "f", size=NARROW)


def test_checklist_with_progress_and_temp_fixes(snap_compare, progress_db, playbook):
    assert shot(snap_compare, progress_db, playbook, 21, "c")


def test_severity_panel(snap_compare, progress_db, playbook):
    # 14:58: SEV-1 since 14:43, its 15-minute update cadence missed: overdue.
    assert shot(snap_compare, progress_db, playbook, 28, "v", size=NARROW)


def test_fix_checklist_blocked_by_a_temp_fix(snap_compare, demo_db, playbook):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket", "c")
        await settle(pilot)
        checklist = pilot.app.screen.query_one("#checklist")
        checklist.highlighted = checklist.get_option_index("fix:temp_removed")
        await pilot.press("space")
        await settle(pilot)
        await clear_toasts(pilot)

    assert snap_compare(app_for(demo_db, playbook), terminal_size=WIDE, run_before=run_before)


def test_containment_modal(snap_compare, flags_db, playbook):
    assert shot(snap_compare, flags_db, playbook, 18, "C")


def test_mitigation_modal(snap_compare, progress_db, playbook):
    assert shot(snap_compare, progress_db, playbook, 21, "M")


def test_temp_fix_modal(snap_compare, flags_db, playbook):
    keys = ("T", *"Bypass payment token cache", "enter", *"checkout-api config", "enter", *"INC-1234")
    assert shot(snap_compare, flags_db, playbook, 18, *keys)


def test_dismiss_flag_modal(snap_compare, flags_db, playbook):
    assert shot(snap_compare, flags_db, playbook, 18, "f", "d", *"deploy only touched docs")


def test_snooze_flag_modal(snap_compare, flags_db, playbook):
    assert shot(snap_compare, flags_db, playbook, 18, "f", "down", "z")


def test_details_modal(snap_compare, flags_db, playbook):
    """The details form with what does not read said under it (the impact typed, a bad time)."""
    keys = ("I", *"Some users", "tab", *"30", "tab", "tab", "ctrl+u", *"25:00", "ctrl+s")
    assert shot(snap_compare, flags_db, playbook, 18, *keys)
