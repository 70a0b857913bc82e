"""Add a temporary fix: what, where, ticket. What is required; the screen writes it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Label, Static

from warroom.core.entry import MAX_TEXT
from warroom.tui.screens.modal import CancelModal, modal_box
from warroom.tui.widgets.keybar import KeyBar


@dataclass(frozen=True)
class NewTempFix:
    what: str
    where: str = ""
    ticket: str = ""


class TempFixScreen(CancelModal[NewTempFix | None]):
    HELP_NAME = "temporary fix"
    BINDINGS = [Binding("ctrl+s", "save", "Save", priority=True)]  # escape: CancelModal

    def __init__(self, draft: NewTempFix | None = None) -> None:
        super().__init__()
        self._draft = draft or NewTempFix("")

    def compose(self) -> ComposeResult:
        keys = "enter next field / save · ctrl+s save · escape cancels"
        with modal_box("tempfix-box", "Add a temporary fix", keys, classes="practice-box"):
            yield Label("What (required)", classes="field-label")
            yield Input(self._draft.what, placeholder="e.g. Bypass payment token cache", id="tempfix-what")
            yield Label("Where", classes="field-label")
            yield Input(self._draft.where, placeholder="service, config, host…", id="tempfix-where")
            yield Label("Ticket to remove it", classes="field-label")
            yield Input(self._draft.ticket, placeholder="e.g. INC-1234", id="tempfix-ticket")
            yield Static("", id="tempfix-error")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#tempfix-what", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        order = ["tempfix-what", "tempfix-where", "tempfix-ticket"]
        at = order.index(event.input.id) if event.input.id in order else len(order) - 1
        if at < len(order) - 1:
            # At once, not on the next tick: fast typing must land in the next field.
            self.set_focus(self.query_one(f"#{order[at + 1]}", Input))
        else:
            self.action_save()

    @property
    def value(self) -> NewTempFix:
        def field(name: str) -> str:
            return self.query_one(f"#tempfix-{name}", Input).value.strip()

        return NewTempFix(field("what"), field("where"), field("ticket"))

    def action_save(self) -> None:
        fix = self.value
        problem = ""
        if not fix.what:
            problem = "Say what the temporary fix is."
        elif max(len(fix.what), len(fix.where), len(fix.ticket)) > MAX_TEXT:
            problem = f"Too long: the limit is {MAX_TEXT:,} characters."
        if problem:
            self.query_one("#tempfix-error", Static).update(problem)
            self.query_one("#tempfix-what", Input).focus()
            return
        self.dismiss(fix)
