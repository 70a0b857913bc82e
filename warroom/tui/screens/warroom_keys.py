"""The war room's keys: one binding per action, each with the description that the help
screen, the key bar and the command palette show."""

from __future__ import annotations

import sys

from textual.binding import Binding, BindingType
from textual.widgets import Input

from warroom.tui.controllers.entry import ROW_ACTIONS, applies_to_row
from warroom.tui.controllers.incident import phase_target

# l and / open the entry line, and s C M T y R H P a dialog. They are priority keys: run as the
# app takes them, before the keys behind them are handed on, so what is typed right behind them
# (fast, over SSH, or while the war room starts) reaches the entry line or the dialog, not the
# timeline where its letters are commands (`M 2 Enter` in one burst set the first level). In a
# text field they are letters: `available` turns them off there.
BINDINGS: list[BindingType] = [
    Binding("l", "log", "Log", priority=True),
    Binding("e", "amend", "Amend"),
    Binding("x", "strike", "Strike"),
    Binding("p", "pin", "Pin"),
    Binding("s", "severity", "Severity", priority=True),
    Binding("I", "details", "Details", priority=True),
    Binding("right_square_bracket", "phase(1)", "Next phase", key_display="]"),
    Binding("left_square_bracket", "phase(-1)", "Prev phase", key_display="[", show=False),
    Binding("slash", "search", "Search", key_display="/", priority=True),
    Binding("n", "next_match", "Next match", show=False),
    Binding("t", "pane('timeline')", "Timeline pane", show=False),
    Binding("c", "pane('checklist')", "Checklist pane", show=False),
    Binding("f", "pane('red-flags')", "Red flags pane", show=False),
    Binding("h", "pane('handoff')", "Handoff pane", show=False),
    Binding("v", "pane('severity')", "Severity pane", show=False),
    Binding("escape", "pane('timeline')", "Back to timeline", show=False),
    Binding("i", "incidents", "Incidents", show=False),
    Binding("D", "declare", "Declare new", show=False),
    # Communication: copy a document (y then its letter), roles, hand off, postmortem.
    Binding("y", "copy_document", "Copy update…", priority=True),
    Binding("R", "roles", "Roles", priority=True),
    Binding("H", "hand_off", "Hand off", priority=True),
    Binding("ctrl+t", "handoff_template", "Handoff from template", show=False),
    Binding("P", "postmortem", "Postmortem", priority=True),
    # Practice (the red-flag and fix-list keys live on those panes: a/d/z, r/k).
    Binding("C", "containment", "Contain", priority=True),
    Binding("M", "mitigation", "Mitigation", priority=True),
    Binding("T", "add_temp_fix", "Temp fix", priority=True),
    Binding("F", "temp_fixes_pane", "Temporary fixes pane", show=False),
    Binding("ctrl+r", "resolve", "Resolve / reopen incident", show=False),
]

# The priority letter keys (see above): letters again in a text field.
TYPED_AHEAD = frozenset(
    ("log", "search", "severity", "details", "copy_document", "roles", "hand_off", "postmortem")
    + ("containment", "mitigation", "add_temp_fix")
)

# What the key bar keeps when the terminal is narrow: the commander's most-used keys first.
KEYBAR_FIRST = (
    "log",
    "copy_document",
    "search",
    "phase(1)",
    "severity",
    "containment",
    "mitigation",
    "hand_off",
    "postmortem",
    "add_temp_fix",
    "amend",
    "strike",
    "pin",
    "roles",
    "details",
)


def available(action: str, parameters: tuple[object, ...], playbook, state, selected, matches, focused) -> bool | None:
    """Textual's check_action for the war room: True shown and working, None shown greyed out,
    False neither. `selected`: the timeline's event under the cursor; `matches`: the last search's."""
    if action in TYPED_AHEAD and _text_field(focused):
        return False  # a letter typed in the field, not the priority key
    if action in ROW_ACTIONS:
        return applies_to_row(action, selected)
    if action == "phase" and state is not None:
        step = int(parameters[0])  # type: ignore[call-overload]
        return True if phase_target(playbook, state.incident.phase, step) is not None else None
    if action == "next_match":
        return True if matches else None
    return True


def _text_field(widget: object) -> bool:
    """Input or TextArea. TextArea is asked for only once its module is loaded (no widget can be
    one before): importing it costs the war room's first frame ~10 ms, and the handoff editor,
    the one TextArea, mounts after that frame."""
    text_area = sys.modules.get("textual.widgets._text_area")
    return isinstance(widget, Input) or (text_area is not None and isinstance(widget, text_area.TextArea))
