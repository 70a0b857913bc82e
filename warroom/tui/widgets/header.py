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
from warroom.core.timeutil import duration, hm
from warroom.tui.widgets.quiet import update_if_changed

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


class IncidentHeader(Vertical):
    # Styled by styles/warroom.tcss alone (no DEFAULT_CSS: one parse less before the first frame).

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
        if incident.status != "open" and resolved_at(state) is None:
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

    def show_team(self, line: str | None) -> None:
        """Where the team stands (warroom/tui/controllers/team.py): `team: live`, `team: offline
        since 14:32, 12 to send` or one error line; None: no server, nothing shown. At the end of
        the second line when wide, of the first when narrow (the second is hidden then)."""
        rows = list(self.query("#hdr-main" if self._narrow else "#hdr-more"))
        if not rows:  # not composed yet: the team controller paints again shortly
            return
        found = list(self.query("#hdr-team"))
        label = found[0] if found else None
        if line is None:
            if label is not None:
                label.remove()
            return
        if label is None or label.parent is not rows[0]:
            if label is not None:
                label.remove()
            label = Label("", id="hdr-team")
            label.styles.width = "auto"
            label.styles.margin = (0, 0, 0, 2)
            rows[0].mount(label)
        error = not line.startswith(("team: live", "team: offline", "team: connecting"))
        if self._narrow and (error or "offline" in line):  # 80 columns: "offline · 12 to send", "team error"
            line = "team error" if error else "offline · " + line.rpartition(", ")[2]
        text = Text(line, "bold red" if error else ("yellow" if "offline" in line else "dim"), no_wrap=True)
        update_if_changed(label, text)

    @property
    def _narrow(self) -> bool:
        return self.screen.has_class("-narrow")

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
        update_if_changed(self.query_one("#hdr-clocks", Label), text)
        update_if_changed(self.query_one("#hdr-update", Label), countdown)
