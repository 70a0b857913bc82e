"""Are we getting better? Incidents per week by severity, and the medians of time to detect,
to mitigate and to resolve, week by week (`warroom.core.stats.weekly`), as terminal charts
(textual-plotext) above the same numbers as a table. Esc goes back.
"""

from __future__ import annotations

from datetime import timedelta

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from warroom.core.errorlog import report
from warroom.core.followups import load_states
from warroom.core.playbook import Playbook
from warroom.core.stats import MEASURES, SEVERITIES, Summary, render_text, weekly

# One colour per severity and per measure, the same in every theme.
# (RGB: plotext's named colours follow the terminal theme, which drew SEV-3 and SEV-4 alike.)
SEV_COLORS = ((220, 50, 47), (240, 140, 30), (230, 200, 60), (90, 140, 220))
MEASURE_COLORS = {"detect": (80, 200, 220), "mitigate": (200, 90, 200), "resolve": (110, 200, 90)}
# The charts span at least this many weeks, the newest at the right: one week's bar is one bar
# among empty weeks, not the whole chart under its legend.
CHART_WEEKS = 8


def week_labels(summary: Summary) -> list[str]:
    return [f"{w.start:%m-%d}" for w in summary.weeks]


def minutes(delta: timedelta | None) -> float | None:
    return delta.total_seconds() / 60 if delta is not None else None


class StatsScreen(Screen[None]):
    HELP_NAME = "stats"
    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, playbook: Playbook) -> None:
        super().__init__()
        self._playbook = playbook
        self.summary: Summary | None = None

    def compose(self) -> ComposeResult:
        yield Static("Are we getting better? Incidents and response times, week by week", id="stats-heading")
        with Vertical(id="stats-body"):
            with Horizontal():
                counts = PlotextPlot(id="stats-counts", classes="stats-chart")
                counts.border_title = "Incidents per week, by severity"
                yield counts
                times = PlotextPlot(id="stats-times", classes="stats-chart")
                times.border_title = "Median minutes to detect, mitigate, resolve"
                yield times
            yield Static("", id="stats-table")

    async def on_mount(self) -> None:
        app = self.app
        try:
            states = await load_states(app.store)  # type: ignore[attr-defined]
            self.summary = weekly(states, self._playbook, app.clock())  # type: ignore[attr-defined]
        except Exception as exc:
            self.notify(report(exc, "reading the incidents"), severity="error")
            return
        self.query_one("#stats-table", Static).update(render_text(self.summary).rstrip("\n"))
        self._draw()

    def _draw(self) -> None:
        summary = self.summary
        if summary is None:
            return
        labels = week_labels(summary)
        counts = self.query_one("#stats-counts", PlotextPlot).plt
        times = self.query_one("#stats-times", PlotextPlot).plt
        for plt in (counts, times):
            plt.clear_data()
            plt.clear_figure()
        if not labels:
            counts.title("no incidents yet")
            times.title("no incidents yet")
            return
        counts.stacked_bar(  # type: ignore[call-arg]
            labels,
            [[w.counts[s] for w in summary.weeks] for s in SEVERITIES],
            labels=[f"SEV-{s}" for s in SEVERITIES],
            color=list(SEV_COLORS),  # type: ignore[arg-type]
        )
        counts.ylabel("incidents")
        counts.yticks(count_ticks(max(sum(w.counts.values()) for w in summary.weeks)))  # whole incidents
        xs = [float(x) for x in range(1, len(labels) + 1)]
        drawn = False
        for measure in MEASURES:
            points = [(x, m) for x, w in zip(xs, summary.weeks) if (m := minutes(w.medians[measure])) is not None]
            if points:
                drawn = True
                times.plot(
                    [x for x, _ in points],
                    [m for _, m in points],
                    label=measure,
                    marker="hd",
                    color=MEASURE_COLORS[measure],
                )
        times.xticks(xs, labels)
        shown = max(len(labels), CHART_WEEKS)
        for plt in (counts, times):  # the weeks sit at x = 1..n (plotext's places for the bars)
            plt.xlim(len(labels) - shown + 0.5, len(labels) + 0.5)
        times.ylabel("minutes")
        if not drawn:
            times.title("no times recorded yet")

    def action_back(self) -> None:
        self.dismiss()


def count_ticks(top: int) -> list[int]:
    """Whole numbers for a count axis up to `top`, five or so (plotext's own gave 0.17, 0.33)."""
    step = max(1, -(-top // 5))
    return list(range(0, max(top, 1) + step, step))
