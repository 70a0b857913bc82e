"""TUI figures (filled in below once warroom/app.py exists)."""

from __future__ import annotations

import importlib.util

from benchmarks.stats import Row, not_measured


def app_built() -> bool:
    return importlib.util.find_spec("warroom.app") is not None


def tui_rows(short, long, folder, sizes, step) -> list[Row]:
    if not app_built():
        why = "app not built yet"
        return [
            not_measured(f"start-up to first frame, {short.events:,} events vs bare Textual app", "≤ 1.3×", why),
            not_measured(f"start-up, {long.events:,} vs {short.events:,} events", "≤ 1.1×, ≤ +100 MB", why),
            not_measured("keypress to committed and shown (p50 / p99)", "p99 ≤ 2×", why),
            not_measured("live: event from another process until on screen (median)", "≤ 0.6 s", why),
            not_measured(f"page through the timeline, {long.events:,} vs {short.events:,}", "≈ 1×", why),
        ]
    return []
