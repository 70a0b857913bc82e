"""Dismiss a red flag with a reason, or snooze it for one of the playbook's durations."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static
from textual.widgets.option_list import Option

from warroom.core.rules import Prompt
from warroom.core.safetext import one_line
from warroom.tui.screens.modal import CancelModal, ChoiceScreen, modal_box
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.keys import OrderedInput


def _about(prompt: Prompt) -> Text:
    text = Text()
    text.append(f"{one_line(prompt.heading)} ", "bold")
    text.append(f"→ {one_line(prompt.action)}\n", "italic")
    text.append(one_line(prompt.detail, 300), "dim")
    return text


class DismissFlagScreen(CancelModal[str | None]):
    """Returns the reason (never empty), or None when cancelled."""

    HELP_NAME = "dismiss red flag"

    def __init__(self, prompt: Prompt) -> None:
        super().__init__()
        self._prompt = prompt

    def compose(self) -> ComposeResult:
        keys = "enter dismisses · escape cancels"
        with modal_box("flag-dismiss-box", "Dismiss red flag", keys, classes="practice-box"):
            yield Static(_about(self._prompt), id="flag-about")
            yield Static("Why is it safe to ignore? It stays quiet until its condition changes.", classes="field-label")
            yield OrderedInput(placeholder="reason (required)", id="flag-reason")
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


class SnoozeFlagScreen(ChoiceScreen[int | None, int]):
    """Returns the minutes chosen (from the playbook's snooze_minutes), or None."""

    HELP_NAME = "snooze red flag"
    BINDINGS = [Binding("enter", "choose", "Snooze", priority=True)]  # escape: CancelModal

    def __init__(self, prompt: Prompt, choices: list[int]) -> None:
        super().__init__()
        self._prompt = prompt
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        keys = "↑↓ or 1-9 choose · enter snoozes · escape cancels"
        with modal_box("flag-snooze-box", "Snooze red flag", keys, classes="practice-box"):
            yield Static(_about(self._prompt), id="flag-about")
            yield self.choice_list("snooze-list")
        yield KeyBar()

    def option(self, n: int, choice: int) -> Option:
        return Option(Text.assemble((f"{n}  ", "dim"), f"for {choice} minutes"), id=str(choice))
