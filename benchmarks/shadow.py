"""A terminal in memory: rows of cells painted with each frame Textual writes, as a terminal
would show them. The benchmarks read it to see when a frame shows something (rendering the
screen again after every frame cost a whole screen's compositing); tests compare it with a
full render of the screen.

A partial update is painted from the segments Textual itself writes for it (its
`__rich_console__`), so what lands outside the changed spans is what a terminal gets: nothing."""

from __future__ import annotations

from typing import Any


class Shadow:
    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.rows: list[list[str]] = [[" "] * width for _ in range(height)]
        self._console: Any = None  # made at the first frame: the start-up figures time the imports

    def paint(self, update) -> None:
        from rich.cells import cell_len
        from rich.console import Console
        from rich.segment import ControlType
        from textual._compositor import ChopsUpdate, LayoutUpdate

        if isinstance(update, LayoutUpdate):
            for y, line in enumerate(update.strips, update.region.y):
                self._write(y, update.region.x, "".join(strip.text for strip in line))
        elif isinstance(update, ChopsUpdate):
            if self._console is None:
                self._console = Console(width=self.width, height=len(self.rows), color_system=None)
            x = y = 0
            for segment in update.__rich_console__(self._console, self._console.options):
                if segment.control:
                    for control in segment.control:
                        if control[0] == ControlType.CURSOR_MOVE_TO:
                            x, y = control[1], control[2]  # type: ignore[misc]
                elif segment.text != "\n":
                    self._write(y, x, segment.text)
                    x += cell_len(segment.text)

    def _write(self, y: int, x: int, text: str) -> None:
        if not 0 <= y < len(self.rows):
            return
        row = self.rows[y]
        if text.isascii():
            row[x : x + len(text)] = text
        else:
            from rich.cells import get_character_cell_size

            cells: list[str] = []
            for char in text:
                cells.append(char)
                cells.extend([""] * (get_character_cell_size(char) - 1))
            row[x : x + len(cells)] = cells
        del row[self.width :]

    def lines(self) -> list[str]:
        return ["".join(row) for row in self.rows]

    def crop(self, y: int, x1: int, x2: int) -> str:
        return "".join(self.rows[y][x1:x2])
