"""Several open incidents: pick the one the war room shows, or declare a new one."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from warroom.core.models import Incident
from warroom.core.playbook import Playbook
from warroom.core.safetext import one_line
from warroom.core.timeutil import local
from warroom.tui.messages import DeclareIncident, OpenIncident
from warroom.tui.widgets.keybar import KeyBar


class SwitcherScreen(Screen[None]):
    HELP_NAME = "incidents"
    BINDINGS = [
        Binding("enter", "open", "Open", show=True),
        Binding("n", "declare", "Declare new"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, incidents: list[Incident], playbook: Playbook, current: str | None = None) -> None:
        super().__init__()
        self._incidents = incidents
        self._playbook = playbook
        self._current = current

    def compose(self) -> ComposeResult:
        yield Static(f"{len(self._incidents)} open incidents — pick one", id="switcher-heading")
        options = []
        for incident in self._incidents:
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(f" SEV-{incident.severity} ", "bold reverse")
            line.append(f"  {incident.id}  ", "bold")
            line.append(one_line(incident.title))
            line.append(
                f"  {self._playbook.phase_name(incident.phase)} · declared "
                f"{local(incident.declared_at):%Y-%m-%d %H:%M} · IC {one_line(incident.commander, 20)}",
                "dim",
            )
            if incident.id == self._current:
                line.append("  (showing)", "italic")
            options.append(Option(line, id=incident.id))
        listing = OptionList(*options, id="switcher-list")
        listing.border_title = "Open incidents"
        yield listing
        yield KeyBar()

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        listing.highlighted = 0 if self._incidents else None
        listing.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.post_message(OpenIncident(event.option.id))

    def action_open(self) -> None:
        option = self.query_one(OptionList).highlighted_option
        if option is not None and option.id:
            self.app.post_message(OpenIncident(option.id))

    def action_declare(self) -> None:
        self.app.post_message(DeclareIncident())

    def action_back(self) -> None:
        if self._current is not None:
            self.app.post_message(OpenIncident(self._current))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return self._current is not None
        return True
