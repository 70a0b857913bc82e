"""The header line: incident id and title, a severity badge, phase, mitigation and clocks."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label

from warroom.core import metrics
from warroom.core.models import IncidentState
from warroom.core.playbook import Playbook
from warroom.core.safetext import one_line
from warroom.core.timeutil import duration
from warroom.tui.widgets.quiet import update_if_changed

# How roles are abbreviated in the header (the severity and handoff texts use full names).
ROLE_SHORT = {"commander": "IC", "comms": "Comms", "ops": "Ops", "scribe": "Scribe"}
# More than any terminal is wide: a 100,000-character title is cut before it reaches the label.
TITLE_LIMIT = 400


def clocks(state: IncidentState, now: datetime) -> tuple[str, str]:
    """(since it started, in this phase) as compact durations."""
    measured = metrics.compute(state, now)
    return duration(measured.since_start), duration(measured.in_phase)


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


class IncidentHeader(Vertical):
    # One line each, cut with "…": a title that wrapped showed only what fit before its first
    # long word (or nothing at all), and pushed nothing else aside.
    DEFAULT_CSS = """
    IncidentHeader #hdr-title, IncidentHeader #hdr-people { text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, playbook: Playbook, **kwargs) -> None:
        super().__init__(**kwargs)
        self._playbook = playbook
        self._state: IncidentState | None = None
        self._now: datetime | None = None

    def compose(self) -> ComposeResult:
        # Wide: two lines (the people and the update countdown on the second);
        # narrow: one line, the countdown folded into the clocks.
        with Horizontal(id="hdr-main"):
            yield Label("", id="hdr-sev", classes="sev-badge")
            yield Label("", id="hdr-flags")
            yield Label("", id="hdr-title")
            yield Label("", id="hdr-phase")
            yield Label("", id="hdr-clocks")
        with Horizontal(id="hdr-more"):
            yield Label("", id="hdr-people")
            yield Label("", id="hdr-update")

    def show(self, state: IncidentState, now: datetime) -> None:
        self._state = state
        incident = state.incident
        badge = self.query_one("#hdr-sev", Label)
        update_if_changed(badge, f" SEV-{incident.severity} ")
        for level in (1, 2, 3, 4):
            badge.set_class(incident.severity == level, f"sev-{level}")
        title = Text(no_wrap=True, overflow="ellipsis")
        if not self._narrow:
            title.append(incident.id, "bold")
            title.append("  ")
        title.append(one_line(incident.title, TITLE_LIMIT))
        if incident.status != "open":
            title.append(f"  ({incident.status})", "italic")
        update_if_changed(self.query_one("#hdr-title", Label), title)
        phase = Text(no_wrap=True)
        if not self._narrow:  # at 80 columns the clocks and the overdue countdown need the room
            phase.append("Phase ", "dim")
        phase.append(self._playbook.phase_name(incident.phase), "bold")
        if incident.mitigation and not self._narrow:
            try:
                level = self._playbook.mitigation_level(incident.mitigation).name
            except KeyError:
                level = incident.mitigation
            phase.append("  Mitigation ", "dim")
            phase.append(level)
        update_if_changed(self.query_one("#hdr-phase", Label), phase)
        update_if_changed(self.query_one("#hdr-people", Label), people(state, self._narrow))
        self.tick(now)

    def show_flags(self, count: int) -> None:
        """How many red flags are raised: visible even when the red-flags pane is not."""
        label = self.query_one("#hdr-flags", Label)
        update_if_changed(label, f"⚑ {count}" if count else "")
        label.display = count > 0

    @property
    def _narrow(self) -> bool:
        return self.screen.has_class("-narrow")

    def tick(self, now: datetime) -> None:
        self._now = now
        if self._state is None:
            return
        since_start, in_phase = clocks(self._state, now)
        text = Text(no_wrap=True)
        text.append("since start " if not self._narrow else "", "dim")
        text.append(since_start, "bold")
        text.append("  in phase " if not self._narrow else " · ph ", "dim")
        text.append(in_phase, "bold")
        update = next_update(self._state, now)
        countdown = Text(no_wrap=True)
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
        update_if_changed(self.query_one("#hdr-clocks", Label), text)
        update_if_changed(self.query_one("#hdr-update", Label), countdown)
