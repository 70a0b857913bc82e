"""Dismiss a red flag with a reason, or snooze it for one of the playbook's durations."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from warroom.rules import Prompt
from warroom.safetext import one_line
from warroom.widgets.keybar import KeyBar


def _about(prompt: Prompt) -> Text:
    text = Text()
    text.append(f"“{one_line(prompt.thought)}” ", "bold")
    text.append(f"→ {one_line(prompt.action)}\n", "italic")
    text.append(one_line(prompt.detail, 300), "dim")
    return text


class DismissFlagScreen(ModalScreen[str | None]):
    """Returns the reason (never empty), or None when cancelled."""

    HELP_NAME = "dismiss red flag"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, prompt: Prompt) -> None:
        super().__init__()
        self._prompt = prompt

    def compose(self) -> ComposeResult:
        with Vertical(id="flag-dismiss-box", classes="practice-box") as box:
            box.border_title = "Dismiss red flag"
            box.border_subtitle = "enter dismisses · escape cancels"
            yield Static(_about(self._prompt), id="flag-about")
            yield Static("Why is it safe to ignore? It stays quiet until its condition changes.", classes="field-label")
            yield Input(placeholder="reason (required)", id="flag-reason")
            yield Static("", id="flag-error")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        if not reason:
            self.query_one("#flag-error", Static).update("Give a reason: it goes on the timeline.")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SnoozeFlagScreen(ModalScreen[int | None]):
    """Returns the minutes chosen (from the playbook's snooze_minutes), or None."""

    HELP_NAME = "snooze red flag"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "choose", "Snooze", priority=True),
    ]

    def __init__(self, prompt: Prompt, choices: list[int]) -> None:
        super().__init__()
        self._prompt = prompt
        self._choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical(id="flag-snooze-box", classes="practice-box") as box:
            box.border_title = "Snooze red flag"
            box.border_subtitle = "↑↓ or 1-9 choose · enter snoozes · escape cancels"
            yield Static(_about(self._prompt), id="flag-about")
            options = [
                Option(Text.assemble((f"{n}  ", "dim"), f"for {m} minutes"), id=str(m))
                for n, m in enumerate(self._choices, 1)
            ]
            yield OptionList(*options, id="snooze-list")
        yield KeyBar()

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        listing.highlighted = 0
        listing.focus()

    def on_key(self, event) -> None:
        if event.character and event.character.isdigit() and event.character != "0":
            index = int(event.character) - 1
            if index < len(self._choices):
                self.query_one(OptionList).highlighted = index
                event.stop()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_choose()

    def action_choose(self) -> None:
        index = self.query_one(OptionList).highlighted
        self.dismiss(self._choices[index] if index is not None else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
