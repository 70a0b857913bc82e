"""The shared modal behaviour (warroom/tui/screens/modal.py) under the real keys.

The Pilot tests of the war room press 1-9, letters, Enter and Escape on each modal; this
file covers what they leave out: the keys on the list itself (↓ and Enter, a click), keys
with no choice, and the bindings each modal offers (key bar, help and palette read them).
"""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widgets import Input, OptionList

from warroom.core.models import ROLE_NAMES
from warroom.tui.screens.containment import ContainmentScreen
from warroom.tui.screens.document_chooser import DocumentChooser
from warroom.tui.screens.flag_decision import DismissFlagScreen, SnoozeFlagScreen
from warroom.tui.screens.mitigation import MitigationScreen
from warroom.tui.screens.roles import RolesScreen
from warroom.tui.screens.severity_change import SeverityChangeScreen
from warroom.tui.screens.temp_fix import TempFixScreen

pytestmark = pytest.mark.tui

SIZE = (100, 30)
UNSET = object()

# Each modal's bindings, (key, action, description, priority), in the order the key bar,
# help and command palette list them.
CANCEL = ("escape", "cancel", "Cancel", False)
BINDINGS = {
    ContainmentScreen: [CANCEL, ("enter", "log", "Log as decision", True)],
    MitigationScreen: [CANCEL, ("enter", "choose", "Set level", True)],
    SnoozeFlagScreen: [CANCEL, ("enter", "choose", "Snooze", True)],
    SeverityChangeScreen: [CANCEL, ("enter", "confirm", "Confirm", True)],
    # A form (FormModal): Tab, Shift+Tab and Enter move as the key arrives, so keys typed behind
    # them reach the next field (Tab and Shift+Tab keep the place Textual's own took first).
    TempFixScreen: [
        ("tab", "move(1)", "Next field", True),
        ("shift+tab", "move(-1)", "Previous field", True),
        CANCEL,
        ("enter", "submit_field", "Next field / save", True),
        ("ctrl+s", "save", "Save", True),
    ],
    DismissFlagScreen: [CANCEL],
    DocumentChooser: [CANCEL],
    RolesScreen: [CANCEL],
}


class Host(App[None]):
    """Shows one modal and keeps what it dismissed with."""

    def __init__(self, screen) -> None:
        super().__init__()
        self.modal = screen
        self.result = UNSET

    def on_mount(self) -> None:
        self.push_screen(self.modal, self._done)

    def _done(self, result) -> None:
        self.result = result


def mitigation(playbook, current=None) -> MitigationScreen:
    return MitigationScreen(playbook, current, restored=False)


def chooser() -> DocumentChooser:
    return DocumentChooser(
        [("internal", "Internal update", "i"), ("status", "Status page", "s"), ("notes", "Notes", "")]
    )


@pytest.mark.parametrize("screen", list(BINDINGS), ids=lambda cls: cls.__name__)
def test_each_modal_keeps_its_bindings(screen):
    shown = [
        (b.key, b.action, b.description, b.priority)
        for bindings in screen._merged_bindings.key_to_bindings.values()
        for b in bindings
        if not b.action.startswith(("app.", "screen."))  # Textual's own (tab, copy)
    ]
    assert shown == BINDINGS[screen]


async def test_a_digit_highlights_and_enter_picks(playbook):
    app = Host(mitigation(playbook))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        listing = app.modal.query_one(OptionList)
        assert listing.has_focus and listing.highlighted == 0
        await pilot.press("3")
        assert listing.highlighted == 2 and app.result is UNSET
        await pilot.press("enter")
    assert app.result == playbook.mitigation[2]


async def test_the_list_opens_on_the_current_level(playbook):
    app = Host(mitigation(playbook, current=playbook.mitigation[1].key))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.modal.query_one(OptionList).highlighted == 1
        await pilot.press("down", "enter")
    assert app.result == playbook.mitigation[2]


@pytest.mark.parametrize("key", ["0", "9", "²", "x"])
async def test_a_key_with_no_choice_changes_nothing(playbook, key):
    # "²" passes str.isdigit but not int(): it must not end the app.
    app = Host(mitigation(playbook))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("2", key)
        assert app.modal.query_one(OptionList).highlighted == 1
        assert app.result is UNSET


async def test_escape_dismisses_with_none(playbook):
    app = Host(ContainmentScreen(playbook))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("2", "escape")
    assert app.result is None


async def test_containment_describes_the_highlighted_row(playbook):
    app = Host(ContainmentScreen(playbook))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        described = app.modal.query_one("#containment-recommended")
        assert playbook.containment[0].action in str(described.render())
        await pilot.press("2")
        await pilot.pause()
        assert playbook.containment[1].action in str(described.render())
        await pilot.press("enter")
    assert app.result == playbook.containment[1]


async def test_a_click_picks(playbook):
    app = Host(mitigation(playbook))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # Two lines a level, under the list's top border: row 3 is the second level.
        await pilot.click(OptionList, offset=(5, 3))
        await pilot.pause()
    assert app.result == playbook.mitigation[1]


async def test_chooser_letter_picks_at_once_and_enter_picks_the_highlighted():
    app = Host(chooser())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("s")
    assert app.result == "status"

    app = Host(chooser())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("1", "down", "down", "enter")  # digits are no letters here
    assert app.result == "notes"


async def test_roles_digit_or_enter_moves_to_the_name():
    holders = {role: "" for role in ROLE_NAMES}
    app = Host(RolesScreen(holders))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter")
        name = app.modal.query_one("#roles-name", Input)
        assert app.modal.role == list(ROLE_NAMES)[1] and name.has_focus
        await pilot.press(*"4 Ana")  # a digit in the name is typed, not a role
        assert name.value == "4 Ana" and app.modal.role == list(ROLE_NAMES)[1]
        await pilot.press("enter")
    assert app.result == (list(ROLE_NAMES)[1], "4 Ana")


async def _typed_at_once(app, pilot, *keys: str) -> None:
    """Keys queued at once, as a terminal hands over fast typing (sent by the app's driver); then
    the app runs until the modal answered (or a while, if it never does)."""
    from textual import events

    await pilot.pause()
    for name in keys:
        app.post_message(events.Key(name, name if len(name) == 1 else "\r").set_sender(app))
    for _ in range(50):
        if app.result is not UNSET:
            break
        await pilot.pause()


@pytest.mark.parametrize(
    "make, keys, expected",
    [
        (lambda pb: SeverityChangeScreen(pb, 2), ("1", "enter"), lambda pb: 1),
        (mitigation, ("3", "enter"), lambda pb: pb.mitigation[2]),
        (lambda pb: ContainmentScreen(pb), ("2", "enter"), lambda pb: pb.containment[1]),
    ],
    ids=["severity", "mitigation", "containment"],
)
async def test_a_digit_and_enter_typed_at_once_pick_that_digit(playbook, make, keys, expected):
    """Enter is a priority key on these modals (it confirms wherever the focus is), so it ran as
    the app took it, before the digit queued ahead of it had moved the highlight: the level on
    the screen before the digit was the one confirmed."""
    app = Host(make(playbook))
    async with app.run_test(size=SIZE) as pilot:
        await _typed_at_once(app, pilot, *keys)
    assert app.result == expected(playbook)


@pytest.mark.parametrize("keys", [("1", "enter", "enter"), ("escape", "enter")], ids=["enter-twice", "escape-enter"])
async def test_keys_typed_at_once_after_the_choice_do_not_act_on_a_closed_modal(playbook, keys):
    """A second Enter (or an Enter behind Escape) queued its action behind the first: it ran on
    the dismissed modal and ended the app (no widgets to read)."""
    app = Host(SeverityChangeScreen(playbook, 2))
    async with app.run_test(size=SIZE) as pilot:
        await _typed_at_once(app, pilot, *keys)
        for _ in range(5):
            await pilot.pause()
        assert app.is_running  # an exception in the action ends the app
    assert app.result == (1 if keys[0] == "1" else None)
