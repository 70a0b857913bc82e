"""The header line: incident id and title, a severity badge, phase, mitigation and clocks."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from warroom import metrics
from warroom.models import IncidentState
from warroom.playbook import Playbook
from warroom.safetext import one_line
from warroom.timeutil import duration


def clocks(state: IncidentState, now: datetime) -> tuple[str, str]:
    """(since it started, in this phase) as compact durations."""
    measured = metrics.compute(state, now)
    return duration(measured.since_start), duration(measured.in_phase)


class IncidentHeader(Horizontal):
    def __init__(self, playbook: Playbook, **kwargs) -> None:
        super().__init__(**kwargs)
        self._playbook = playbook
        self._state: IncidentState | None = None
        self._now: datetime | None = None

    def compose(self) -> ComposeResult:
        yield Label("", id="hdr-sev", classes="sev-badge")
        yield Label("", id="hdr-title")
        yield Label("", id="hdr-phase")
        yield Label("", id="hdr-clocks")

    def show(self, state: IncidentState, now: datetime) -> None:
        self._state = state
        incident = state.incident
        badge = self.query_one("#hdr-sev", Label)
        badge.update(f" SEV-{incident.severity} ")
        for level in (1, 2, 3, 4):
            badge.set_class(incident.severity == level, f"sev-{level}")
        title = Text(no_wrap=True, overflow="ellipsis")
        if not self._narrow:
            title.append(incident.id, "bold")
            title.append("  ")
        title.append(one_line(incident.title))
        if incident.status != "open":
            title.append(f"  ({incident.status})", "italic")
        self.query_one("#hdr-title", Label).update(title)
        phase = Text(no_wrap=True)
        phase.append("Phase ", "dim")
        phase.append(self._playbook.phase_name(incident.phase), "bold")
        if incident.mitigation and not self._narrow:
            try:
                level = self._playbook.mitigation_level(incident.mitigation).name
            except KeyError:
                level = incident.mitigation
            phase.append("  Mitigation ", "dim")
            phase.append(level)
        self.query_one("#hdr-phase", Label).update(phase)
        self.tick(now)

    @property
    def _narrow(self) -> bool:
        return self.size.width < 120

    def on_resize(self) -> None:
        if self._state is not None:
            self.show(self._state, self._now)

    def tick(self, now: datetime) -> None:
        self._now = now
        if self._state is None:
            return
        since_start, in_phase = clocks(self._state, now)
        text = Text(no_wrap=True)
        text.append("since start " if not self._narrow else "", "dim")
        text.append(since_start, "bold")
        text.append("  in phase " if not self._narrow else " · phase ", "dim")
        text.append(in_phase, "bold")
        self.query_one("#hdr-clocks", Label).update(text)
