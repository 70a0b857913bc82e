"""Set the mitigation level: the playbook's levels (full, partial, degraded, maintenance)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets.option_list import Option

from warroom.core.playbook import Mitigation, Playbook
from warroom.tui.screens.modal import ChoiceScreen, modal_box, number_hint
from warroom.tui.widgets.keybar import KeyBar


class MitigationScreen(ChoiceScreen[Mitigation | None, Mitigation]):
    HELP_NAME = "mitigation"
    BINDINGS = [Binding("enter", "choose", "Set level", priority=True)]  # escape: CancelModal

    def __init__(self, playbook: Playbook, current: str | None, restored: bool) -> None:
        super().__init__()
        self.choices = list(playbook.mitigation)
        self._current = current
        self._restored = restored

    def compose(self) -> ComposeResult:
        keys = "↑↓ or 1-9 choose · enter sets it · escape cancels"
        with modal_box("mitigation-box", "Mitigation level", keys, classes="practice-box"):
            yield self.choice_list("mitigation-list")
        yield KeyBar()

    def option(self, n: int, choice: Mitigation) -> Option:
        line = Text()
        line.append(number_hint(n), "dim")
        line.append(choice.name, "bold")
        if choice.key == self._current:
            line.append("  (current)", "italic")
        line.append(f"\n   {choice.description}", "dim")
        if choice.restored and not self._restored:
            line.append("  · records service restored now", "italic dim")
        return Option(line, id=choice.key)

    def first_choice(self) -> int:
        keys = [level.key for level in self.choices]
        return keys.index(self._current) if self._current in keys else 0
