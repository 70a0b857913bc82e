"""Hand off: name the new commander, review the handoff text, then it is logged."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, TextArea

from warroom.core.safetext import one_line
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.keys import OrderedInput
from warroom.tui.widgets.text_area import OrderedTextArea


class HandoffDialog(ModalScreen[tuple[str, str] | None]):
    """Dismisses with (new commander, handoff text), or None when cancelled."""

    HELP_NAME = "hand off"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "hand_off", "Hand off", priority=True),
    ]

    def __init__(self, current: str, text: str) -> None:
        super().__init__()
        self.current = current
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="handoff-box") as box:
            box.border_title = Text(f"Hand off command (now: {one_line(self.current, 40)})")  # a name is not markup
            box.border_subtitle = "enter in the name or ctrl+s hands off · escape cancels"
            yield Label("New incident commander", classes="field-label")
            yield OrderedInput(placeholder="Name", id="handoff-new")
            yield Label("Handoff text (logged with the handoff, then offered for copying)", classes="field-label")
            yield OrderedTextArea(self.text, soft_wrap=True, tab_behavior="focus", id="handoff-text")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#handoff-new", Input).focus()

    @on(Input.Submitted, "#handoff-new")
    def _submitted(self) -> None:
        self.action_hand_off()

    def action_hand_off(self) -> None:
        new = " ".join(self.query_one("#handoff-new", Input).value.split())
        text = self.query_one("#handoff-text", TextArea).text.strip()
        if not new:
            self.notify("Name the new commander.", severity="warning")
            self.query_one("#handoff-new", Input).focus()
            return
        if new == self.current:
            self.notify(f"{new} is already the commander.", severity="warning", markup=False)
            return
        if not text:
            self.notify("The handoff needs its text.", severity="warning")
            return
        self.dismiss((new, text))

    def action_cancel(self) -> None:
        self.dismiss(None)
