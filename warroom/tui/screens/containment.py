"""The containment table: pick the situation, see the recommended containment, log it.

The rows are the playbook's (situation → containment). Enter logs the highlighted row as
the decision (Operations.decide_containment writes it).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from warroom.core.operations import containment_text
from warroom.core.playbook import Containment, Playbook
from warroom.tui.screens.modal import ChoiceScreen, modal_box, number_hint
from warroom.tui.widgets.keybar import KeyBar


class ContainmentScreen(ChoiceScreen[Containment | None, Containment]):
    HELP_NAME = "containment"
    BINDINGS = [Binding("enter", "log", "Log as decision", priority=True)]  # escape: CancelModal

    def __init__(self, playbook: Playbook, logged: set[str] | frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.choices = list(playbook.containment)
        self._logged = set(logged)  # situations already decided in this incident
        self._rollback_rule = playbook.rollback_rule

    def compose(self) -> ComposeResult:
        title = "Containment: what is the situation?"
        keys = "↑↓ or 1-9 choose · enter logs the decision · escape cancels"
        with modal_box("containment-box", title, keys, classes="practice-box"):
            yield self.choice_list("containment-list")
            yield Static(self._description(self.first_choice()), id="containment-recommended")
            yield Static(Text(self._rollback_rule, "italic"), id="containment-rule")
        yield KeyBar()

    def option(self, n: int, choice: Containment) -> Option:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(number_hint(n), "dim")
        line.append(f"{choice.situation:<20}", "bold")
        line.append(f" → {choice.action}")
        if choice.key in self._logged:
            line.append("  (logged)", "italic dim")
        return Option(line, id=choice.key)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.query_one("#containment-recommended", Static).update(self._description(event.option_index))

    def _description(self, index: int | None) -> Text:
        text = Text()
        if index is not None and 0 <= index < len(self.choices):
            row = self.choices[index]
            text.append("Recommended containment: ", "dim")
            text.append(row.action, "bold")
            text.append("\nLogged as: ", "dim")
            text.append(containment_text(row))
        return text

    def action_log(self) -> None:
        self.action_choose()
