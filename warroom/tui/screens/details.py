"""The incident's details (I): service, impact, % affected, when impact started and when it
was detected, as recorded now. What the commander changes is read by the core
(`details.changes`); one that does not read is said in the form, which stays open with the
text in it. Saved, it is one logged event, as `warroom set` writes."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Label, Static

from warroom.core.details import FIELDS
from warroom.core.entry import MAX_TEXT
from warroom.tui.screens.modal import FormModal, modal_box
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.keys import OrderedInput

TIMES = "14:35, -10m or 2026-03-10T14:35"


class DetailsScreen(FormModal[dict[str, object] | None]):
    HELP_NAME = "incident details"
    FIELDS = tuple(f"details-{name}" for name in FIELDS)  # enter, tab, ctrl+s, escape: FormModal

    def __init__(
        self, shown: dict[str, str], impacts: list[str], read: Callable[[dict[str, str]], dict[str, object]]
    ) -> None:
        super().__init__()
        self._shown = shown  # the details as recorded when the form opened
        self._impacts = impacts  # the playbook's impact labels
        self._read = read  # the typed text -> what to set (ValueError: what is wrong)

    def compose(self) -> ComposeResult:
        keys = "enter next field / save · ctrl+s save · escape cancels"
        impacts = ", ".join(self._impacts)
        labels = {
            "service": ("Service — what the status page and external notice name", "e.g. checkout"),
            "impact": (f"Impact — {impacts}, or your own words", "who is affected, how badly"),
            "impact_pct": ("% affected", "e.g. 40"),
            "started_at": ("Impact started", TIMES),
            "detected_at": ("Detected — when someone noticed", TIMES),
        }
        with modal_box("details-box", "Incident details", keys, classes="practice-box"):
            for name in FIELDS:
                label, placeholder = labels[name]
                yield Label(label, classes="field-label")
                yield OrderedInput(self._shown[name], placeholder=placeholder, id=f"details-{name}")
            yield Static("", id="details-error")
        yield KeyBar()

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.select_on_focus = False  # Tab into a filled field: the cursor at its end
        self.query_one("#details-impact", Input).focus()

    @property
    def typed(self) -> dict[str, str]:
        return {name: self.query_one(f"#details-{name}", Input).value for name in FIELDS}

    def save(self) -> None:
        typed = self.typed
        try:
            if max(len(text) for text in typed.values()) > MAX_TEXT:
                raise ValueError(f"Too long: the limit is {MAX_TEXT:,} characters.")
            changes = self._read(typed)
        except ValueError as exc:
            self.query_one("#details-error", Static).update(Text(str(exc)))  # typed text, not markup
            return
        self.dismiss(changes)
