"""Set the mitigation level: the playbook's levels (full, partial, degraded, maintenance)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from warroom.playbook import Mitigation, Playbook
from warroom.widgets.keybar import KeyBar


class MitigationScreen(ModalScreen[Mitigation | None]):
    HELP_NAME = "mitigation"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "choose", "Set level", priority=True),
    ]

    def __init__(self, playbook: Playbook, current: str | None, restored: bool) -> None:
        super().__init__()
        self._levels = list(playbook.mitigation)
        self._current = current
        self._restored = restored

    def compose(self) -> ComposeResult:
        with Vertical(id="mitigation-box", classes="practice-box") as box:
            box.border_title = "Mitigation level"
            box.border_subtitle = "↑↓ or 1-9 choose · enter sets it · escape cancels"
            options = []
            for n, level in enumerate(self._levels, 1):
                line = Text()
                line.append(f"{n}  " if n < 10 else "   ", "dim")
                line.append(level.name, "bold")
                if level.key == self._current:
                    line.append("  (current)", "italic")
                line.append(f"\n   {level.description}", "dim")
                if level.restored and not self._restored:
                    line.append("  · records service restored now", "italic dim")
                options.append(Option(line, id=level.key))
            yield OptionList(*options, id="mitigation-list")
        yield KeyBar()

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        keys = [level.key for level in self._levels]
        listing.highlighted = keys.index(self._current) if self._current in keys else 0
        listing.focus()

    def on_key(self, event) -> None:
        if event.character and event.character.isdigit() and event.character != "0":
            index = int(event.character) - 1
            if index < len(self._levels):
                self.query_one(OptionList).highlighted = index
                event.stop()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_choose()

    def action_choose(self) -> None:
        index = self.query_one(OptionList).highlighted
        self.dismiss(self._levels[index] if index is not None else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
