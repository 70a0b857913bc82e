"""The one-line prompt at the bottom of the war room: log, amend, strike, answer, search.

It stays open with its text until the screen says the write succeeded (`close`), so a
failed write never loses what was typed. Closed, it stays on screen (idle, unfocusable):
showing and hiding it re-laid out and redrew every pane on each entry.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label

from warroom.core.ids import uuid7

# What the closed line says (it must not mention backdating: tests wait for the open hint).
IDLE_PROMPT = "›"
IDLE_PLACEHOLDER = "l log · / search · ? every key"


class EntryLine(Vertical):
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=True)]

    class Submitted(Message):
        def __init__(self, mode: str, value: str, payload: Any) -> None:
            super().__init__()
            self.mode = mode
            self.value = value
            self.payload = payload

    class Cancelled(Message):
        pass

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.mode = ""
        self.payload: Any = None
        self.return_focus: Widget | None = None
        self.event_id = uuid7()
        self.busy = False  # a submit is being handled; the screen clears it when done

    def compose(self) -> ComposeResult:
        with Horizontal(id="entry-row"):
            yield Label(IDLE_PROMPT, id="entry-prompt")
            # Not select_on_focus: an amended text would be wiped by the first Backspace.
            yield Input(id="entry-input", placeholder=IDLE_PLACEHOLDER, disabled=True, select_on_focus=False)
        yield Label("", id="entry-hint")

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    @property
    def input(self) -> Input:
        return self.query_one("#entry-input", Input)

    def open(self, mode: str, prompt: str, value: str = "", hint: str = "", payload: Any = None) -> None:
        focused = self.screen.focused
        if focused is not self.input:  # where the commander was: focus goes back there after
            self.return_focus = focused
        self.mode = mode
        self.payload = payload
        # One id per thing typed: a second Enter, or a retry after an error whose write did
        # land, finds the row already there instead of logging it twice.
        self.event_id = uuid7()
        # Text objects: a hint may quote the event being struck, which is never markup.
        self.query_one("#entry-prompt", Label).update(Text(prompt))
        self.query_one("#entry-hint", Label).update(Text(hint))
        self.add_class("-open")
        self.input.disabled = False
        self.input.placeholder = ""
        self.input.value = value
        self.input.cursor_position = len(value)
        self.input.focus()

    def close(self) -> None:
        self.remove_class("-open")
        self.query_one("#entry-prompt", Label).update(IDLE_PROMPT)
        self.query_one("#entry-hint", Label).update("")
        target = self.return_focus
        if self.input.has_focus and target is not None and target.is_attached:
            # Back where the line was opened from, before disabling the input: disabling a
            # focused input first makes Textual pick some other widget (a second restyle).
            self.screen.set_focus(target)
        self.input.disabled = True
        self.input.placeholder = IDLE_PLACEHOLDER
        self.input.value = ""
        self.mode = ""
        self.payload = None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.busy:  # Enter again while the first one is still being written
            return
        self.busy = True
        self.post_message(self.Submitted(self.mode, event.value, self.payload))

    def action_cancel(self) -> None:
        self.close()
        self.post_message(self.Cancelled())
