"""Snapshots of the comms screens: document chooser and preview, roles, hand off, the
handoff pane, the postmortem screen and its action item editor (demo data, fixed clock).

Update with `pytest tests/test_snapshots_comms.py --snapshot-update`; SVGs in snapshots/.
"""

from __future__ import annotations

from conftest import FIXED_NOW

from warroom import clipboard
from warroom.app import build_app

WIDE = (140, 45)


async def settle(pilot, rounds: int = 4) -> None:
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await pilot.pause()


def press(*keys: str, before=None):
    async def run_before(pilot) -> None:
        await settle(pilot)
        if before is not None:
            before(pilot)
        for key in keys:  # one at a time: several keys open screens that take ~50 ms
            await pilot.press(key)
            await pilot.pause(0.05)
        await pilot.pause(0.1)
        await settle(pilot)

    return run_before


def app_for(path, playbook):
    return build_app(path, playbook, clock=lambda: FIXED_NOW)


def test_document_chooser(snap_compare, demo_db, playbook):
    assert snap_compare(app_for(demo_db, playbook), terminal_size=WIDE, run_before=press("y"))


def test_preview_internal_update(snap_compare, demo_db, playbook):
    assert snap_compare(app_for(demo_db, playbook), terminal_size=WIDE, run_before=press("y", "u"))


def test_preview_editing(snap_compare, demo_db, playbook):
    keys = ("y", "s", "e", "ctrl+home", *"Edited: ")
    assert snap_compare(app_for(demo_db, playbook), terminal_size=WIDE, run_before=press(*keys))


def test_roles(snap_compare, demo_db, playbook):
    keys = ("R", "2", *"Priya")
    assert snap_compare(app_for(demo_db, playbook), terminal_size=WIDE, run_before=press(*keys))


def test_hand_off_dialog(snap_compare, demo_db, playbook):
    assert snap_compare(app_for(demo_db, playbook), terminal_size=WIDE, run_before=press("H", *"Morgan"))


def test_handoff_pane_from_template(snap_compare, demo_db, playbook):
    assert snap_compare(app_for(demo_db, playbook), terminal_size=WIDE, run_before=press("ctrl+t"))


def test_postmortem_screen(snap_compare, demo_db, playbook):
    keys = ("P", *"Checkout failed for 18 minutes. Alex forgot to check the canary.")
    assert snap_compare(app_for(demo_db, playbook), terminal_size=WIDE, run_before=press(*keys))


def test_action_item_editor_flags_a_vague_item(snap_compare, demo_db, playbook):
    keys = ("P", "ctrl+n", *"Be more careful")
    assert snap_compare(app_for(demo_db, playbook), terminal_size=WIDE, run_before=press(*keys))


def test_copy_notification_names_the_file(snap_compare, demo_db, playbook, monkeypatch):
    monkeypatch.setattr(clipboard, "_pyperclip", lambda text: (None, "no system clipboard"))
    monkeypatch.setenv("WARROOM_DATA_DIR", "/nonexistent-warroom-snapshot/data")  # a fixed path in the shot
    monkeypatch.setattr(clipboard, "write_fallback", lambda text, name, folder, at=None: folder / f"{name}.md")
    assert snap_compare(app_for(demo_db, playbook), terminal_size=WIDE, run_before=press("y", "u", "enter"))
