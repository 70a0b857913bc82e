"""The severity pane: the current SEV with its guide row, the response clock and the history."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from warroom.core import metrics
from warroom.core.details import impact_label
from warroom.core.models import Incident, IncidentState
from warroom.core.operations import update_cadence
from warroom.core.playbook import Playbook
from warroom.core.safetext import one_line
from warroom.core.timeutil import duration, hm
from warroom.tui.widgets.quiet import update_if_changed


class SeverityPane(VerticalScroll, can_focus=True):
    def __init__(self, playbook: Playbook, **kwargs) -> None:
        super().__init__(**kwargs)
        self._playbook = playbook
        self._state: IncidentState | None = None
        self._lines = -1  # the body's line count as last shown

    def compose(self):
        yield Static("", id="sev-body")

    def on_mount(self) -> None:
        self.border_title = "Severity"

    def show(self, state: IncidentState, now: datetime) -> None:
        self._state = state
        self.tick(now)

    def tick(self, now: datetime) -> None:
        if self._state is None:
            return
        incident = self._state.incident
        guide = self._playbook.severity(incident.severity)
        body = Text()
        body.append(f"SEV-{incident.severity} ", "bold")
        body.append(f"{guide.impact}\n")
        for label, value in incident_impact(self._playbook, incident):  # what this incident's is (I corrects it)
            body.append(f"{label:<9}", "dim")
            body.append(f"{one_line(value, 120)}\n")
        for label, value in (("Response", guide.response), ("Within", guide.response_time), ("Who", guide.who)):
            body.append(f"{label:<9}", "dim")
            body.append(f"{value}\n")
        body.append(f"{'Declared':<9}", "dim")
        measured = metrics.compute(self._state, now, self._playbook)  # Contain found by its role
        if measured.resolved_at is not None:  # the clocks stopped at the resolution
            body.append(f"{hm(incident.declared_at)}, resolved {duration(measured.since_declared)} later\n")
        else:
            body.append(
                f"{duration(measured.since_declared)} ago, respond {duration_minutes(guide.response_minutes)}\n"
            )
        left = measured.next_update_in
        if left is not None and incident.status == "open":  # a resolved incident owes no update
            body.append(f"{'Update':<9}", "dim")
            if left.total_seconds() < 0:
                body.append(f"overdue by {duration(-left)}\n", f"bold {self.app.theme_variables['error']}")
            else:
                every = update_cadence(self._playbook, incident.severity)
                body.append(f"due in {duration(left)}" + (f" (then every {cadence(every)})\n" if every else "\n"))
        body.append_text(response_times(measured))
        history = self._state.severity_history
        if history:
            body.append("History ", "dim")
            steps = [f"{hm(c.at)} SEV-{c.new}" if c.old is None else f"{hm(c.at)} {c.old}→{c.new}" for c in history]
            body.append(one_line(", ".join(steps)))
        # A new layout (and the scrollbar's redraw) only when the number of lines changed.
        update_if_changed(self.query_one("#sev-body", Static), body, layout=body.plain.count("\n") != self._lines)
        self._lines = body.plain.count("\n")


def incident_impact(playbook: Playbook, incident: Incident) -> list[tuple[str, str]]:
    """The incident's own impact and service, when recorded: beside the level's, to compare."""
    rows = []
    impact = impact_label(playbook, incident.impact)
    if impact or incident.impact_pct is not None:
        pct = f"{incident.impact_pct:g}% affected" if incident.impact_pct is not None else ""
        rows.append(("Impact", f"{impact} ({pct})" if impact and pct else impact or pct))
    if incident.service:
        rows.append(("Service", incident.service))
    return rows


def cadence(every: timedelta) -> str:
    """An update cadence as people say it: 30m, 2h (90m stays 90m)."""
    minutes = every // timedelta(minutes=1)
    return f"{minutes // 60}h" if minutes >= 60 and minutes % 60 == 0 else f"{minutes}m"


def duration_minutes(minutes: int) -> str:
    return "immediate" if minutes == 0 else duration(timedelta(minutes=minutes))


# The response times the severity pane lists, in the order an incident reaches them.
TIMES = (
    ("detect", "Detect"),
    ("declare", "Declare"),
    ("contain", "Contain"),
    ("mitigate", "Mitigate"),
    ("resolve", "Resolve"),
)


def response_times(measured: metrics.Metrics) -> Text:
    """Time to detect, declare, contain, mitigate and resolve, two to a line ("—": not yet)."""
    text = Text()
    for index, (name, label) in enumerate(TIMES):
        value = getattr(measured, f"time_to_{name}")
        if index % 2 == 0:
            text.append(f"{'Time to' if index == 0 else '':<9}", "dim")
        else:
            text.append(" · ", "dim")
        text.append(f"{label.lower()} ")
        text.append(duration(value) if value is not None else "—", "bold" if value is not None else "dim")
        if index % 2 == 1 or index == len(TIMES) - 1:
            text.append("\n")
    return text
