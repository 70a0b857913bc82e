"""`?` help: every binding of the screen underneath, the app's own, and the entry prefixes."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from warroom.core.entry import KIND_KEYS
from warroom.tui.widgets.keybar import KeyBar

# (key display, description, where) rows, gathered by the caller from the live bindings.
HelpRow = tuple[str, str, str]


def help_rows(app: App, screen: Screen) -> list[HelpRow]:
    """Every binding warroom defines on the screen, its panes and the app (not Textual's own)."""
    rows: list[HelpRow] = []
    seen: set[tuple[str, str]] = set()
    nodes = [screen, *(w for w in screen.walk_children() if type(w).__module__.startswith("warroom.")), app]
    for node in nodes:
        if node is app:
            where = "everywhere"
        elif node is screen:
            where = getattr(screen, "HELP_NAME", type(screen).__name__)
        else:
            where = node.id or type(node).__name__
        for cls in reversed(type(node).__mro__):
            if not cls.__module__.startswith("warroom."):
                continue
            for binding in cls.__dict__.get("BINDINGS", []):
                if not isinstance(binding, Binding) or (binding.key, binding.action) in seen:
                    continue
                seen.add((binding.key, binding.action))
                rows.append((binding.key_display or app.get_key_display(binding), binding.description, where))
    rows.append((app.get_key_display(Binding("ctrl+p", "")), "Command palette: every action by name", "everywhere"))
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", key_display="?", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    HELP_NAME = "help"

    def __init__(self, rows: list[HelpRow], title: str) -> None:
        super().__init__()
        self._rows = rows
        self._title = title

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = f"Help — {self._title}"
            box.border_subtitle = "escape closes"
            yield Static(self._bindings_table(), id="help-bindings")
            yield Static(self._prefix_table(), id="help-prefixes")
        yield KeyBar()

    def _bindings_table(self) -> Table:
        table = Table(box=None, expand=True, padding=(0, 2), title="Keys", title_justify="left", title_style="bold")
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("Does")
        table.add_column("Where", style="dim")
        for key, description, where in self._rows:
            table.add_row(key, description, where)
        return table

    def _prefix_table(self) -> Table:
        table = Table(
            box=None,
            expand=True,
            padding=(0, 2),
            title="Log entry: kind prefix and time",
            title_justify="left",
            title_style="bold",
        )
        table.add_column("Type", style="bold", no_wrap=True)
        table.add_column("Means")
        for prefix, kind in KIND_KEYS.items():
            table.add_row(f"{prefix}: …", Text(f"{kind} (or “{kind}: …”)"))
        table.add_row("14:30 …", "it happened at 14:30 (backdated; shown with ↶)")
        table.add_row("-12m …", "it happened 12 minutes ago")
        table.add_row("no prefix", "a note")
        return table
