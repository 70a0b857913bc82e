"""Every incident, open and resolved, newest first: pick the one the war room shows, or declare.

Typing filters the list (id, title, commander, service, status); Enter opens the highlighted
incident, `n` declares a new one (from the list), Esc goes back to the one on display.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from warroom.core.models import Incident
from warroom.core.playbook import Playbook
from warroom.core.safetext import one_line
from warroom.core.timeutil import local
from warroom.tui.messages import DeclareIncident, OpenIncident
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.keys import OrderedInput


def incident_line(incident: Incident, playbook: Playbook, current: str | None) -> Text:
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(f" SEV-{incident.severity} ", "bold reverse")
    line.append(f"  {incident.id}  ", "bold")
    if incident.status == "resolved":
        at = f" {local(incident.resolved_at):%Y-%m-%d %H:%M}" if incident.resolved_at else ""
        line.append(f"RESOLVED{at}  ", "bold")
    line.append(one_line(incident.title))
    service = f" · {one_line(incident.service, 30)}" if incident.service else ""
    line.append(
        f"  {playbook.phase_name(incident.phase)}{service} · declared "
        f"{local(incident.declared_at):%Y-%m-%d %H:%M} · IC {one_line(incident.commander, 20)}",
        "dim",
    )
    if incident.id == current:
        line.append("  (showing)", "italic")
    return line


def matches(incident: Incident, words: list[str]) -> bool:
    """Every word typed is in the incident's id, title, commander, service or status."""
    hay = " ".join(
        (incident.id, incident.title, incident.commander, incident.service or "", incident.status)
    ).casefold()
    return all(word in hay for word in words)


class SwitcherScreen(Screen[None]):
    HELP_NAME = "incidents"
    BINDINGS = [
        Binding("enter", "open", "Open", show=True),
        # ctrl+n, not n: typing on the list starts the filter, and "nbc4" (an id's end) or
        # "network" declared instead.
        Binding("ctrl+n", "declare", "Declare new"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, incidents: list[Incident], playbook: Playbook, current: str | None = None) -> None:
        super().__init__()
        self._incidents = incidents
        self._playbook = playbook
        self._current = current

    def compose(self) -> ComposeResult:
        open_count = sum(i.status == "open" for i in self._incidents)
        resolved = len(self._incidents) - open_count
        yield Static(
            f"{open_count} open, {resolved} resolved — pick one (type to filter, ctrl+n declares)",
            id="switcher-heading",
        )
        yield OrderedInput(placeholder="filter: words in the id, title, commander or service", id="switcher-filter")
        listing = OptionList(id="switcher-list")
        listing.border_title = "Incidents (newest first)"
        yield listing
        yield KeyBar()

    def on_mount(self) -> None:
        # Typing on the list moves to the filter with the first letter in it: a select-all on
        # focus let the second letter replace the first ("nothing" became "othing").
        self.query_one("#switcher-filter", Input).select_on_focus = False
        self._fill("")
        listing = self.query_one(OptionList)
        listing.focus()

    @property
    def shown_ids(self) -> list[str]:
        listing = self.query_one(OptionList)
        return [listing.get_option_at_index(i).id or "" for i in range(listing.option_count)]

    def _fill(self, query: str) -> None:
        words = query.casefold().split()
        listing = self.query_one(OptionList)
        wanted = [i for i in self._incidents if matches(i, words)]
        listing.set_options(
            [Option(incident_line(i, self._playbook, self._current), id=i.id) for i in wanted]
            or [Option(Text("No incident matches.", "dim"), disabled=True)]
        )
        listing.highlighted = 0 if wanted else None

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_open()

    def on_key(self, event: events.Key) -> None:
        filter_box = self.query_one("#switcher-filter", Input)
        listing = self.query_one(OptionList)
        if filter_box.has_focus and event.key in ("up", "down"):
            event.stop()  # the filter keeps focus; the arrows move the highlight
            listing.action_cursor_down() if event.key == "down" else listing.action_cursor_up()
        elif listing.has_focus and event.is_printable and event.character and event.key not in self._keys_kept():
            event.stop()  # typing on the list starts the filter
            filter_box.focus()
            filter_box.insert_text_at_cursor(event.character)

    def _keys_kept(self) -> set[str]:
        """The keys that keep their binding on the list (this screen's and the app's: O, W, ?)."""
        keys = {"slash"}
        for binding in self.app.BINDINGS:
            if isinstance(binding, Binding):
                keys.update(key.strip() for key in binding.key.split(","))
        return keys

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.post_message(OpenIncident(event.option.id))

    def action_open(self) -> None:
        option = self.query_one(OptionList).highlighted_option
        if option is not None and option.id:
            self.app.post_message(OpenIncident(option.id))

    def action_declare(self) -> None:
        # Esc there comes back to the war room this list was opened from (when there is one):
        # going back to the list lost its way back (the war room is not on screen behind it).
        self.app.post_message(DeclareIncident(back_to=self._current))

    def action_filter(self) -> None:
        self.query_one("#switcher-filter", Input).focus()

    def action_back(self) -> None:
        filter_box = self.query_one("#switcher-filter", Input)
        if filter_box.value or filter_box.has_focus:
            filter_box.value = ""
            self.query_one(OptionList).focus()
            return
        if self._current is not None:
            self.app.post_message(OpenIncident(self._current))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back" and self.is_mounted:
            return self._current is not None or bool(self.query_one("#switcher-filter", Input).value)
        return True
