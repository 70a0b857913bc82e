"""Set a role: pick commander / comms lead / ops lead / scribe, type the name, Enter."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label
from textual.widgets.option_list import Option

from warroom.core.models import ROLE_NAMES
from warroom.core.safetext import one_line
from warroom.tui.screens.modal import ChoiceScreen, modal_box
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.keys import OrderedInput


def role_holders(roles: dict[str, str], commander: str) -> dict[str, str]:
    """Who holds each role now; the commander column is the fallback for older incidents."""
    holders = {role: roles.get(role, "") for role in ROLE_NAMES}
    if not holders["commander"]:
        holders["commander"] = commander
    return holders


class RolesScreen(ChoiceScreen[tuple[str, str] | None, str]):
    """Dismisses with (role, name) when a name was entered, else None."""

    HELP_NAME = "roles"
    PICK_ON_KEY = True  # 1-4 picks the role and moves to its name

    def __init__(self, holders: dict[str, str]) -> None:
        super().__init__()
        self.holders = holders
        self.choices = list(ROLE_NAMES)
        self.role: str | None = None

    def compose(self) -> ComposeResult:
        keys = "1-4 or ↑↓ enter picks · type the name · enter saves · escape cancels"
        with modal_box("roles-box", "Roles", keys):
            yield self.choice_list("roles-list")
            yield Label("Pick a role", id="roles-prompt", classes="field-label")
            yield OrderedInput(placeholder="Name", id="roles-name", disabled=True)
        yield KeyBar()

    def option(self, n: int, choice: str) -> Option:
        line = Text()
        line.append(f" {n} ", "bold reverse")
        line.append(f"  {ROLE_NAMES[choice]:<20}")
        line.append(one_line(self.holders.get(choice, ""), 40) or "—", "bold" if self.holders.get(choice) else "dim")
        return Option(line, id=choice)

    def picked(self, choice: str | None) -> None:
        if choice is None:
            return
        self.role = choice
        self.query_one("#roles-prompt", Label).update(f"{ROLE_NAMES[choice]}:")
        name = self.query_one("#roles-name", Input)
        name.disabled = False
        name.value = self.holders.get(choice, "")
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
