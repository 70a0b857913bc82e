"""Updating a Static only when its content really changed.

`Static.update` always asks for a new layout of the whole screen. The panes are shown
again after every write and the clocks tick every second, mostly with what is already
there; skipping those keeps each frame cheap on a busy incident.
"""

from __future__ import annotations

from textual.visual import VisualType
from textual.widgets import Static


def update_if_changed(static: Static, content: VisualType) -> None:
    if static.content != content:
        static.update(content)
