"""Medians, percentiles, alternation, and the table the harness prints."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: with 100 samples p99 is the second-worst, never an interpolation."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no samples")
    rank = max(1, math.ceil(len(ordered) * pct / 100 - 1e-9))  # 1e-9: 100 * 0.99 is 98.99999...
    return ordered[rank - 1]


def alternate(
    subject: Callable[[], float], baseline: Callable[[], float], repeats: int
) -> tuple[list[float], list[float]]:
    """Run baseline and subject in turns (B S S B B S ...) so slow spells hit both alike."""
    subj: list[float] = []
    base: list[float] = []
    for i in range(repeats):
        if i % 2 == 0:
            base.append(baseline())
            subj.append(subject())
        else:
            subj.append(subject())
            base.append(baseline())
    return subj, base


@dataclass
class Row:
    """One line of the table. `ok` is None when the row has no goal or was not measured."""

    figure: str
    subject: str
    baseline: str = "—"
    ratio: str = "—"
    goal: str = "—"
    ok: bool | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.ok is None:
            return "—"
        return "met" if self.ok else "MISSED"


def not_measured(figure: str, goal: str, why: str) -> Row:
    return Row(figure, f"not measured: {why}", goal=goal)


def ms(seconds: float) -> str:
    value = seconds * 1000
    if value < 1:
        return f"{value:.3f} ms"
    if value < 10:
        return f"{value:.2f} ms"
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else ms(seconds)


def mib(kib: float) -> str:
    return f"{kib / 1024:.0f} MiB"


def ratio(subject: float, baseline: float) -> str:
    if baseline <= 0:
        return "—"
    return f"{subject / baseline:.2f}×"


HEADERS = ("Figure", "Measured", "Baseline (same run)", "Ratio", "Goal", "Verdict")


def _cells(row: Row) -> tuple[str, ...]:
    return (row.figure, row.subject, row.baseline, row.ratio, row.goal, row.verdict)


def text_table(rows: Sequence[Row]) -> str:
    cells = [HEADERS, *(_cells(r) for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADERS))]
    lines = []
    for n, line in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = [f"  - {r.figure}: {r.note}" for r in rows if r.note]
    if notes:
        lines += ["", "Notes:", *notes]
    return "\n".join(lines)


def markdown_table(rows: Sequence[Row]) -> str:
    def esc(cell: str) -> str:
        return cell.replace("|", "\\|")

    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for r in rows:
        lines.append("| " + " | ".join(esc(c) for c in _cells(r)) + " |")
    notes = [f"- **{r.figure}**: {r.note}" for r in rows if r.note]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)
