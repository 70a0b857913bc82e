"""Text with a hanging indent: a mark (a flag, a tick box, an arrow), then lines that wrap under
their own first letter instead of back at the pane's edge. Rich's Text has no hanging indent;
a two-column grid gives one."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text


def hanging(mark: Text | str, first: RenderableType, *more: RenderableType, width: int = 2) -> Table:
    """`mark` in a column `width` wide, `first` beside it and each of `more` below `first`."""
    grid = Table.grid()
    grid.add_column(width=width, no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(mark, first)
    for row in more:
        grid.add_row("", row)
    return grid
