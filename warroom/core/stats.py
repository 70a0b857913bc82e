"""Are we getting better? Incidents per week by severity, and the medians of time to
detect, to mitigate and to resolve, week by week.

`warroom stats` prints `render_text(weekly(...))`; the war room's stats screen charts the
same rows. Choices:
- A week starts on Monday (ISO weeks), in local time; an incident counts in the week it was
  declared, with the highest severity it reached (what it really was, not what it was first
  thought to be).
- The weeks between the first and the last shown are all listed, empty ones too, so a chart
  of them has a true time axis.
- A median is over the incidents of that week with the measure recorded (time to detect needs
  a start time; time to resolve a resolution); None when there are none. The totals line
  takes the medians over every incident shown.

Domain layer: no Textual.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

from warroom.core import metrics
from warroom.core.models import IncidentState
from warroom.core.playbook import Playbook
from warroom.core.timeutil import duration, local

MEASURES = ("detect", "mitigate", "resolve")
SEVERITIES = (1, 2, 3, 4)


@dataclass
class Week:
    start: date  # its Monday
    counts: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SEVERITIES, 0))
    medians: dict[str, timedelta | None] = field(default_factory=lambda: dict.fromkeys(MEASURES))
    samples: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MEASURES, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Summary:
    weeks: list[Week]
    incidents: int
    medians: dict[str, timedelta | None]


def week_of(dt: datetime) -> date:
    day = local(dt).date()
    return day - timedelta(days=day.weekday())


def _median(values: list[timedelta]) -> timedelta | None:
    return timedelta(seconds=median(v.total_seconds() for v in values)) if values else None


def weekly(
    states: Iterable[IncidentState], playbook: Playbook | None, now: datetime, since: date | None = None
) -> Summary:
    """The weekly rows for every incident declared on or after `since` (local date)."""
    by_week: dict[date, list[tuple[int, metrics.Metrics]]] = {}
    for state in states:
        inc = state.incident
        if since is not None and local(inc.declared_at).date() < since:
            continue
        severity = min([c.new for c in state.severity_history] + [inc.severity])
        by_week.setdefault(week_of(inc.declared_at), []).append((severity, metrics.compute(state, now, playbook)))
    if not by_week:
        return Summary([], 0, dict.fromkeys(MEASURES))
    first = min(by_week) if since is None else min(min(by_week), since - timedelta(days=since.weekday()))
    last = max(by_week)
    weeks = []
    every: dict[str, list[timedelta]] = {m: [] for m in MEASURES}
    start = first
    while start <= last:
        week = Week(start)
        rows = by_week.get(start, [])
        for severity, _ in rows:
            week.counts[severity] = week.counts.get(severity, 0) + 1
        for measure in MEASURES:
            values = [v for _, m in rows if (v := getattr(m, f"time_to_{measure}")) is not None]
            week.medians[measure] = _median(values)
            week.samples[measure] = len(values)
            every[measure] += values
        weeks.append(week)
        start += timedelta(days=7)
    total = sum(len(rows) for rows in by_week.values())
    return Summary(weeks, total, {m: _median(v) for m, v in every.items()})


def as_json(summary: Summary) -> dict[str, object]:
    def seconds(delta: timedelta | None) -> int | None:
        return int(delta.total_seconds()) if delta is not None else None

    return {
        "incidents": summary.incidents,
        "median_seconds": {m: seconds(v) for m, v in summary.medians.items()},
        "weeks": [
            {
                "week": w.start.isoformat(),
                "incidents": w.total,
                "by_severity": {f"sev{s}": n for s, n in sorted(w.counts.items())},
                "median_seconds": {m: seconds(v) for m, v in w.medians.items()},
                "samples": dict(w.samples),
            }
            for w in summary.weeks
        ],
    }


def _cell(delta: timedelta | None) -> str:
    return duration(delta) if delta is not None else "-"


def render_text(summary: Summary) -> str:
    """A table a commander reads in a terminal: one line a week, a bar for the count."""
    if not summary.weeks:
        return "no incidents\n"
    widest = max(w.total for w in summary.weeks) or 1
    bar_width = min(20, widest)
    head = f"{'week of':<10}  {'SEV1':>4} {'SEV2':>4} {'SEV3':>4} {'SEV4':>4}  {'':<{bar_width}}"
    head += f"  {'detect':>7} {'mitigate':>8} {'resolve':>7}"
    lines = [head.rstrip(), "-" * len(head.rstrip())]
    for w in summary.weeks:
        bar = "█" * round(w.total * bar_width / widest) if w.total else ""
        counts = " ".join(f"{w.counts[s] or '.':>4}" for s in SEVERITIES)
        med = w.medians
        lines.append(
            f"{w.start.isoformat():<10}  {counts}  {bar:<{bar_width}}"
            f"  {_cell(med['detect']):>7} {_cell(med['mitigate']):>8} {_cell(med['resolve']):>7}".rstrip()
        )
    m = summary.medians
    noun = "incident" if summary.incidents == 1 else "incidents"
    lines.append("")
    lines.append(
        f"{summary.incidents} {noun} in {len(summary.weeks)} week{'s' if len(summary.weeks) != 1 else ''}; "
        f"medians: detect {_cell(m['detect'])}, mitigate {_cell(m['mitigate'])}, resolve {_cell(m['resolve'])}"
    )
    lines.append("(times are medians over the week's incidents that recorded them; '-' none recorded)")
    return "\n".join(lines) + "\n"
