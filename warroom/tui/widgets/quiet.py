"""Updating a Static, or a pane's border titles, only when they really changed.

`Static.update` always asks for a new layout of the whole screen, and setting a border
title always repaints its widget. The panes are shown again after every write, the clocks
tick every second and the red flags are evaluated every few seconds, mostly with what is
already there; skipping those keeps each frame cheap on a busy incident (and the idle war
room from drawing the red-flags pane every few seconds for nothing).
"""

from __future__ import annotations

from textual.visual import VisualType
from textual.widget import Widget
from textual.widgets import Static


def update_if_changed(static: Static, content: VisualType, layout: bool = True) -> None:
    """`layout=False` when the content keeps its size (its number of lines in a fixed width)."""
    if static.content != content:
        static.update(content, layout=layout)


def set_borders(widget: Widget, title: str, subtitle: str | None = None) -> None:
    """The border title (and subtitle, when given), set only if different."""
    if widget.border_title != title:
        widget.border_title = title
    if subtitle is not None and widget.border_subtitle != subtitle:
        widget.border_subtitle = subtitle
