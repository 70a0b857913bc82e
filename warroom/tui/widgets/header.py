"""The header: incident id and title, a severity badge, phase, mitigation, clocks, roles, the
next update, the team."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from warroom.core import metrics
from warroom.core.models import IncidentState
from warroom.core.playbook import Playbook
from warroom.core.safetext import one_line
from warroom.core.timeutil import duration, hm

# How roles are abbreviated in the header (the severity and handoff texts use full names).
ROLE_SHORT = {"commander": "IC", "comms": "Comms", "ops": "Ops", "scribe": "Scribe"}
# More than any terminal is wide: a 100,000-character title is cut before it reaches the label.
TITLE_LIMIT = 400


def clocks(state: IncidentState, now: datetime, playbook: Playbook | None = None) -> tuple[str, str]:
    """(since it started, in this phase) as compact durations (a resolved incident's stop at
    its resolution: the final values)."""
    measured = metrics.compute(state, now, playbook)
    return duration(measured.since_start), duration(measured.in_phase)


def resolved_at(state: IncidentState) -> datetime | None:
    """When a resolved incident was resolved (None while it is open)."""
    inc = state.incident
    return inc.resolved_at if inc.status == "resolved" and inc.resolved_at is not None else None


def start_offer(state: IncidentState, narrow: bool = False) -> Text:
    """The notice when no start is given but an alert or symptom was logged before declaring."""
    event = metrics.suggested_start(state)
    if event is None:
        return Text()
    if narrow:
        return Text.assemble(("A", "bold"), ": start ", (hm(event.ts), "bold"))
    return Text.assemble(
        ("start? ", "bold"), f"{event.kind} at ", (hm(event.ts), "bold"), " logged before declaring · ", ("A", "bold"),
        " accepts",
    )  # fmt: skip


def next_update(state: IncidentState, now: datetime) -> tuple[str, bool] | None:
    """The next-update countdown ("12m00s", overdue?) or None when no update is scheduled."""
    remaining = metrics.compute(state, now).next_update_in
    if remaining is None or state.incident.status != "open":
        return None
    if remaining.total_seconds() < 0:
        return duration(-remaining), True
    return duration(remaining), False


def people(state: IncidentState, narrow: bool) -> Text:
    """Who holds which role: the commander always, the others when there is room."""
    roles = {"commander": state.incident.commander, **state.incident.roles}
    text = Text(no_wrap=True, overflow="ellipsis")
    for role, short in ROLE_SHORT.items():
        name = roles.get(role, "")
        if not name or (narrow and role != "commander"):
            continue
        if text:
            text.append("  ")
        text.append(f"{short} ", "dim")
        text.append(one_line(name, 16))
    return text


class IncidentHeader(Widget):
    """Two lines (wide) or one (narrow), drawn by this one widget: the severity badge, the red
    flags' count, id and title, phase (and mitigation), clocks; then who holds which role, the
    update countdown (or the offered start) and the team's state. One widget, not nine labels
    in rows: their styling, layout and drawing were a tenth of the war room's first frame.

    `part(name)` is what a part shows (tests read it); the title and the people line take the
    room the others leave and are cut with "…"."""

    # Styled by styles/warroom.tcss alone (no DEFAULT_CSS: one parse less before the first frame).
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "header--sev-1",
        "header--sev-2",
        "header--sev-3",
        "header--sev-4",
        "header--flags",
    }
    PARTS = ("sev", "flags", "title", "phase", "clocks", "people", "update", "team")

    def __init__(self, playbook: Playbook, **kwargs) -> None:
        super().__init__(**kwargs)
        self._playbook = playbook
        self._state: IncidentState | None = None
        self._now: datetime | None = None
        self._parts: dict[str, Text] = {name: Text() for name in self.PARTS}
        self.severity: int | None = None
        self._team_error = False

    def part(self, name: str) -> Text:
        """What one part shows now (empty when it shows nothing)."""
        return self._parts[name]

    def _set(self, name: str, text: Text | str) -> None:
        text = text if isinstance(text, Text) else Text(text)
        if text != self._parts[name]:
            self._parts[name] = text
            self.refresh(layout=self.size.height != self._height())

    def _height(self) -> int:
        return 1 if self._narrow else 2

    def get_content_height(self, container, viewport, width: int) -> int:
        return self._height()

    def show(self, state: IncidentState, now: datetime) -> None:
        if self.size.height != self._height():  # the screen turned narrow or wide
            self.refresh(layout=True)
        self._state = state
        incident = state.incident
        self.severity = incident.severity
        self._set("sev", f" SEV-{incident.severity} ")
        title = Text(no_wrap=True, overflow="ellipsis")
        if not self._narrow:
            title.append(incident.id, "bold")
            title.append("  ")
        title.append(one_line(incident.title, TITLE_LIMIT))
        if incident.status != "open" and resolved_at(state) is None:
            title.append(f"  ({incident.status})", "italic")
        self._set("title", title)
        phase = Text(no_wrap=True)
        if not self._narrow:  # at 80 columns the clocks and the overdue countdown need the room
            phase.append("Phase ", "dim")
        phase.append(self._playbook.phase_name(incident.phase), "bold")
        mitigation = metrics.mitigation_now(state)  # a level set before a reopen no longer holds
        if mitigation and not self._narrow:
            try:
                level = self._playbook.mitigation_level(mitigation).name
            except KeyError:
                level = mitigation
            phase.append("  Mitigation ", "dim")
            phase.append(level)
        self._set("phase", phase)
        self._set("people", people(state, self._narrow))
        self.tick(now)

    def show_flags(self, count: int) -> None:
        """How many red flags are raised: visible even when the red-flags pane is not."""
        self._set("flags", f"⚑ {count}" if count else "")

    def show_team(self, line: str | None) -> None:
        """Where the team stands (warroom/tui/controllers/team.py): `team: live`, `team: offline
        since 14:32, 12 to send` or one error line; None: no server, nothing shown. At the end of
        the second line when wide, of the first when narrow (the second is hidden then)."""
        if line is None:
            self._set("team", "")
            return
        error = not line.startswith(("team: live", "team: offline", "team: connecting"))
        if self._narrow and (error or "offline" in line):  # 80 columns: "offline · 12 to send", "team error"
            line = "team error" if error else "offline · " + line.rpartition(", ")[2]
        self._set("team", Text(line, "bold red" if error else ("yellow" if "offline" in line else "dim"), no_wrap=True))

    @property
    def _narrow(self) -> bool:
        return self.is_attached and self.screen.has_class("-narrow")

    def tick(self, now: datetime) -> None:
        self._now = now
        if self._state is None:
            return
        since_start, in_phase = clocks(self._state, now, self._playbook)
        text = Text(no_wrap=True)
        resolved = resolved_at(self._state)
        if resolved is not None:  # the clocks stopped: when, and how long it lasted
            text.append(f" RESOLVED {hm(resolved)} ", "bold reverse")
            text.append("  lasted " if not self._narrow else " ", "dim")
            text.append(since_start, "bold")
        else:
            text.append("since start " if not self._narrow else "", "dim")
            text.append(since_start, "bold")
            text.append("  in phase " if not self._narrow else " · ph ", "dim")
            text.append(in_phase, "bold")
        update = next_update(self._state, now)
        countdown = Text(no_wrap=True)
        offer = start_offer(self._state, self._narrow)
        if offer and update is None:
            countdown.append_text(offer)
        elif offer:
            offer.append("  ")
            countdown = offer + countdown
        if update is not None:
            left, overdue = update
            if overdue:
                alarm = f"bold {self.app.theme_variables.get('error', 'red')}"
                countdown.append("update overdue " if not self._narrow else "late ", alarm)
                countdown.append(left, alarm)
            else:
                countdown.append("next update in " if not self._narrow else "upd ", "dim")
                countdown.append(left, "bold")
        if self._narrow and countdown:
            text.append(" · ", "dim")
            text.append_text(countdown)
        self._set("clocks", text)
        self._set("update", countdown)

    # ----- drawing ----------------------------------------------------------------------------

    def render(self) -> Text:
        width = self.size.width
        badge = self._box(self._parts["sev"], f"header--sev-{self.severity}" if self.severity in (1, 2, 3, 4) else None)
        flags = self._box(self._parts["flags"], "header--flags")
        if flags[0].plain:  # a cell apart from the badge: both may share a colour (SEV-2, flags)
            flags = (Text(" ") + flags[0], 0)
        team = self._parts["team"]
        first = [badge, flags, (self._parts["title"], FILLS), (self._parts["phase"], 1), (self._parts["clocks"], 1)]
        if self._narrow:
            first.append((team, 1))
            return _line(first, width)
        second = [(self._parts["people"], FILLS), (self._parts["update"], 1), (team, 1)]
        return Text("\n").join([_line(first, width), _line(second, width)])

    def _box(self, text: Text, component: str | None) -> tuple[Text, int]:
        """A part drawn on its own colour, its margins coloured too (as a label's padding was)."""
        if not text.plain:
            return text, 0
        boxed = Text(" ") + text + Text(" ")
        if component is not None:
            boxed.stylize(self.get_component_rich_style(component, partial=True) + Style(bold=True))
        return boxed, 0


# A part's margin: cells of room on either side (its own, uncoloured); FILLS: the part that takes
# the room the others leave.
FILLS = -1


def _line(parts: list[tuple[Text, int]], width: int) -> Text:
    """One header line of `width` cells, the parts that show something side by side, each with its
    margin; the one that FILLS takes what the others leave (cut with "…", at least nothing), so
    the last part ends at the right edge."""
    shown = [(text, margin) for text, margin in parts if text.plain]
    fixed = sum(text.cell_len + 2 * max(margin, 0) for text, margin in shown if margin != FILLS)
    line = Text(no_wrap=True, end="")
    for text, margin in shown:
        pad = " " * (1 if margin == FILLS else margin)
        if margin == FILLS:
            text = text.copy()
            text.truncate(max(0, width - fixed - 2), overflow="ellipsis", pad=True)
        line.append(pad)
        line.append_text(text)
        line.append(pad)
    line.truncate(width, overflow="ellipsis")
    return line
