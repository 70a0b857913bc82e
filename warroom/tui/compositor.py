"""Textual's compositor, asking only the widgets an update touches to render.

A partial update (a new timeline row, a clock's tick) is cropped to one box around what
changed, and Textual (8.2) then asks every widget whose *clip* overlaps that box for its
lines. A pane's clip is the screen, so every widget on the war room was rendered for every
frame: 16 of them for the frame that shows a logged row, where 4 are in its box (the others'
lines were rendered, divided at the cuts and dropped). Here a widget is rendered only when
what is visible of it (its region within its clip) overlaps the box: the same frame, a
quarter fewer Python calls.

Safe for what is drawn: a widget left out shows nothing inside the box, and Textual writes
out only the changed spans, which lie inside it. Textual is pinned to 8.2 (pyproject.toml):
`_get_renders` is its private method, and tests/test_compositor.py checks that frames drawn
this way match a full render of the same screen.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget


class CroppedCompositor(Compositor):
    def _get_renders(self, crop: Region | None = None) -> Iterable[tuple[Region, Region, list[Strip]]]:
        if crop is None:
            return super()._get_renders(crop)
        return self._renders_in(crop)

    def _renders_in(self, crop: Region) -> Iterable[tuple[Region, Region, list[Strip]]]:
        for widget, region, shown in self.widgets_in(crop):
            x, y, width, height = shown
            yield region, shown, widget.render_lines(Region(x - region.x, y - region.y, width, height))

    def widgets_in(self, crop: Region) -> list[tuple[Widget, Region, Region]]:
        """The visible widgets with something inside `crop`, front first: each with its region
        and what is visible of it (the region within its clip)."""
        found = []
        for widget, (region, clip) in self.visible_widgets.items():
            if crop.overlaps(shown := region.intersection(clip)):
                found.append((widget, region, shown))
        return found
