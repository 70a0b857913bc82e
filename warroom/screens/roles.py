"""Set a role: pick commander / comms lead / ops lead / scribe, type the name, Enter."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from warroom.models import ROLE_NAMES
from warroom.safetext import one_line
from warroom.widgets.keybar import KeyBar


def role_holders(roles: dict[str, str], commander: str) -> dict[str, str]:
    """Who holds each role now; the commander column is the fallback for older incidents."""
    holders = {role: roles.get(role, "") for role in ROLE_NAMES}
    if not holders["commander"]:
        holders["commander"] = commander
    return holders


class RolesScreen(ModalScreen[tuple[str, str] | None]):
    """Dismisses with (role, name) when a name was entered, else None."""

    HELP_NAME = "roles"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, holders: dict[str, str]) -> None:
        super().__init__()
        self.holders = holders
        self.role: str | None = None

    def compose(self) -> ComposeResult:
        options = []
        for number, (role, label) in enumerate(ROLE_NAMES.items(), start=1):
            line = Text()
            line.append(f" {number} ", "bold reverse")
            line.append(f"  {label:<20}")
            line.append(one_line(self.holders.get(role, ""), 40) or "—", "bold" if self.holders.get(role) else "dim")
            options.append(Option(line, id=role))
        with Vertical(id="roles-box") as box:
            box.border_title = "Roles"
            box.border_subtitle = "1-4 or ↑↓ enter picks · type the name · enter saves · escape cancels"
            yield OptionList(*options, id="roles-list")
            yield Label("Pick a role", id="roles-prompt", classes="field-label")
            yield Input(placeholder="Name", id="roles-name", disabled=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_key(self, event) -> None:
        if isinstance(self.focused, OptionList) and event.character and event.character.isdigit():
            index = int(event.character) - 1
            if 0 <= index < len(ROLE_NAMES):
                event.stop()
                self._pick(list(ROLE_NAMES)[index])

    @on(OptionList.OptionSelected, "#roles-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._pick(event.option.id or "")

    def _pick(self, role: str) -> None:
        self.role = role
        self.query_one("#roles-prompt", Label).update(f"{ROLE_NAMES[role]}:")
        name = self.query_one("#roles-name", Input)
        name.disabled = False
        name.value = self.holders.get(role, "")
        name.focus()

    @on(Input.Submitted, "#roles-name")
    def _submitted(self, event: Input.Submitted) -> None:
        name = " ".join(event.value.split())
        if self.role is None:
            return
        if not name:
            self.notify("Type a name for the role.", severity="warning")
            return
        if name == self.holders.get(self.role):
            self.dismiss(None)
            return
        self.dismiss((self.role, name))

    def action_cancel(self) -> None:
        self.dismiss(None)
