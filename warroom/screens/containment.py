"""The containment table: pick the situation, see the recommended containment, log it.

The rows are the playbook's (situation → containment). Enter logs the highlighted row as
the decision; the screen writes it (`decision` event carrying `data["containment"]`).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from warroom.playbook import Containment, Playbook
from warroom.widgets.keybar import KeyBar


class ContainmentScreen(ModalScreen[Containment | None]):
    HELP_NAME = "containment"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "log", "Log as decision", priority=True),
    ]

    def __init__(self, playbook: Playbook, logged: set[str] | frozenset[str] = frozenset()) -> None:
        super().__init__()
        self._rows = list(playbook.containment)
        self._logged = set(logged)  # situations already decided in this incident
        self._rollback_rule = playbook.rollback_rule

    def compose(self) -> ComposeResult:
        with Vertical(id="containment-box", classes="practice-box") as box:
            box.border_title = "Containment: what is the situation?"
            box.border_subtitle = "↑↓ or 1-9 choose · enter logs the decision · escape cancels"
            options = []
            for n, row in enumerate(self._rows, 1):
                line = Text(no_wrap=True, overflow="ellipsis")
                line.append(f"{n}  " if n < 10 else "   ", "dim")
                line.append(f"{row.situation:<20}", "bold")
                line.append(f" → {row.action}")
                if row.key in self._logged:
                    line.append("  (logged)", "italic dim")
                options.append(Option(line, id=row.key))
            yield OptionList(*options, id="containment-list")
            yield Static("", id="containment-recommended")
            yield Static(Text(self._rollback_rule, "italic"), id="containment-rule")
        yield KeyBar()

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        listing.highlighted = 0
        listing.focus()
        self._describe(0)

    def on_key(self, event) -> None:
        if event.character and event.character.isdigit() and event.character != "0":
            index = int(event.character) - 1
            if index < len(self._rows):
                self.query_one(OptionList).highlighted = index
                event.stop()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._describe(event.option_index)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_log()

    def _describe(self, index: int | None) -> None:
        text = Text()
        if index is not None and 0 <= index < len(self._rows):
            row = self._rows[index]
            text.append("Recommended containment: ", "dim")
            text.append(row.action, "bold")
            text.append("\nLogged as: ", "dim")
            text.append(decision_text(row))
        self.query_one("#containment-recommended", Static).update(text)

    @property
    def chosen(self) -> Containment | None:
        index = self.query_one(OptionList).highlighted
        return self._rows[index] if index is not None else None

    def action_log(self) -> None:
        self.dismiss(self.chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)


def decision_text(row: Containment) -> str:
    """The decision's timeline text: the situation and the playbook's containment."""
    return f"{row.situation}: {row.action}"
