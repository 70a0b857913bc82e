"""Add a temporary fix: what, where, ticket. What is required; the screen writes it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.widgets import Input, Label, Static

from warroom.core.entry import MAX_TEXT
from warroom.tui.screens.modal import FormModal, modal_box
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.keys import OrderedInput


@dataclass(frozen=True)
class NewTempFix:
    what: str
    where: str = ""
    ticket: str = ""


class TempFixScreen(FormModal[NewTempFix | None]):
    HELP_NAME = "temporary fix"
    FIELDS = ("tempfix-what", "tempfix-where", "tempfix-ticket")  # enter, tab, ctrl+s, escape: FormModal

    def __init__(self, draft: NewTempFix | None = None) -> None:
        super().__init__()
        self._draft = draft or NewTempFix("")

    def compose(self) -> ComposeResult:
        keys = "enter next field / save · ctrl+s save · escape cancels"
        with modal_box("tempfix-box", "Add a temporary fix", keys, classes="practice-box"):
            yield Label("What (required)", classes="field-label")
            yield OrderedInput(self._draft.what, placeholder="e.g. Bypass payment token cache", id="tempfix-what")
            yield Label("Where", classes="field-label")
            yield OrderedInput(self._draft.where, placeholder="service, config, host…", id="tempfix-where")
            yield Label("Ticket to remove it", classes="field-label")
            yield OrderedInput(self._draft.ticket, placeholder="e.g. INC-1234", id="tempfix-ticket")
            yield Static("", id="tempfix-error")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#tempfix-what", Input).focus()

    @property
    def value(self) -> NewTempFix:
        def field(name: str) -> str:
            return self.query_one(f"#tempfix-{name}", Input).value.strip()

        return NewTempFix(field("what"), field("where"), field("ticket"))

    def save(self) -> None:
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
