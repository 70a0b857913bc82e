"""Snapshots of the comms screens: document chooser and preview, roles, hand off, the
handoff pane, the postmortem screen and its action item editor (demo data, fixed clock).

The modals and the handoff pane are shown in a small host app with warroom's styles,
so the shots change when these screens change, not whenever the war room behind them
does; the postmortem screen is reached through the real app with `P`.
Update with `pytest tests/test_snapshots_comms.py --snapshot-update`; SVGs in snapshots/.
"""

from __future__ import annotations

import pytest
from fixed_clock import FIXED_NOW
from pilot import type_text, wait_until
from snapshot_helpers import WIDE, app_for, settle, with_store
from snapshot_helpers import press as press_now
from textual.app import App, ComposeResult

from warroom.core import documents
from warroom.core.locations import styles_dir
from warroom.core.store import Store
from warroom.tui.screens.document_chooser import DocumentChooser
from warroom.tui.screens.document_preview import DocumentPreview
from warroom.tui.screens.handoff_dialog import HandoffDialog
from warroom.tui.screens.postmortem import PostmortemScreen
from warroom.tui.screens.roles import RolesScreen, role_holders
from warroom.tui.widgets.handoff import HandoffEditor

pytestmark = pytest.mark.tui

STYLES = ["app.tcss", "warroom.tcss", "dialogs.tcss", "comms.tcss"]


class Host(App[None]):
    """An empty app with warroom's styles that shows one screen or one widget."""

    CSS_PATH = [styles_dir() / name for name in STYLES]

    def __init__(self, screen=None, widget=None) -> None:
        super().__init__()
        self._screen = screen
        self._widget = widget

    def compose(self) -> ComposeResult:
        if self._widget is not None:
            yield self._widget

    def on_mount(self) -> None:
        if self._screen is not None:
            self.push_screen(self._screen)


@pytest.fixture
def demo_state(demo_db):
    async def load(store: Store):
        incident = (await store.incidents())[0]
        return await store.load_state(incident.id)

    return with_store(demo_db, load)


def press(*keys: str):
    # One at a time: several keys open screens that take ~50 ms.
    return press_now(*keys, key_pause=0.05)


def in_postmortem(*keys: str):
    """P, then `keys` once the postmortem screen is up (on a loaded machine it takes more than
    a fixed pause: keys typed before it landed on the war room)."""
    then = press(*keys)

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("P")
        for _ in range(500):
            if isinstance(pilot.app.screen, PostmortemScreen) and pilot.app.focused is not None:
                break
            await pilot.pause(0.01)
        assert isinstance(pilot.app.screen, PostmortemScreen)
        await then(pilot)

    return run_before


def test_document_chooser(snap_compare, playbook):
    chooser = DocumentChooser([(k, s.title, s.copy_key) for k, s in documents.document_specs(playbook).items()])
    assert snap_compare(Host(screen=chooser), terminal_size=WIDE, run_before=press("down"))


def test_preview_internal_update(snap_compare, playbook, demo_state):
    text = documents.render("internal", demo_state, playbook, FIXED_NOW)
    preview = DocumentPreview(f"Internal update · {demo_state.incident.id}", text)
    assert snap_compare(Host(screen=preview), terminal_size=WIDE, run_before=press())


def test_preview_editing(snap_compare, playbook, demo_state):
    text = documents.render("status", demo_state, playbook, FIXED_NOW)
    preview = DocumentPreview(f"Status page update · {demo_state.incident.id}", text)
    keys = ("e", "ctrl+home", *"Edited: ")
    assert snap_compare(Host(screen=preview), terminal_size=WIDE, run_before=press(*keys))


def test_roles(snap_compare, demo_state):
    incident = demo_state.incident
    roles = RolesScreen(role_holders(incident.roles, incident.commander))
    assert snap_compare(Host(screen=roles), terminal_size=WIDE, run_before=press("2", *"Priya"))


def test_hand_off_dialog(snap_compare, playbook, demo_state):
    text = documents.render("handoff", demo_state, playbook, FIXED_NOW)
    dialog = HandoffDialog(demo_state.incident.commander, text)
    assert snap_compare(Host(screen=dialog), terminal_size=WIDE, run_before=press(*"Morgan"))


def test_hand_off_dialog_with_lines_no_longer_true(snap_compare, playbook, demo_state):
    text = documents.render("handoff", demo_state, playbook, FIXED_NOW) + "\nCall bob at 20:00"
    stale = [
        "**Status**: Diagnose — mitigation: Full restore, service restored at 14:50",
        "**Current severity**: SEV-2",
    ]
    dialog = HandoffDialog(demo_state.incident.commander, text, stale)
    assert snap_compare(Host(screen=dialog), terminal_size=WIDE, run_before=press(*"Morgan"))


def test_handoff_pane_from_template(snap_compare, playbook, demo_state):
    pane = HandoffEditor(id="handoff")
    text = documents.render("handoff", demo_state, playbook, FIXED_NOW)

    async def run_before(pilot) -> None:
        pane.show(text)
        pane.focus()
        await settle(pilot)

    assert snap_compare(Host(widget=pane), terminal_size=(100, 30), run_before=run_before)


def test_postmortem_screen(snap_compare, demo_db, playbook):
    opened = in_postmortem()

    async def run_before(pilot) -> None:  # the words put in the section: the keys are not the picture
        await opened(pilot)
        await type_text(pilot, "Checkout failed for 18 minutes. Alex forgot to check the canary.")
        generated = pilot.app.screen.query_one("#pm-generated")
        await wait_until(pilot, lambda: "Alex forgot" in generated.text, "the section saved and shown")
        await settle(pilot)

    assert snap_compare(app_for(demo_db, playbook), terminal_size=WIDE, run_before=run_before)


def test_action_item_editor_flags_a_vague_item(snap_compare, demo_db, playbook):
    keys = ("ctrl+n", *"Be more careful")
    assert snap_compare(app_for(demo_db, playbook), terminal_size=WIDE, run_before=in_postmortem(*keys))
