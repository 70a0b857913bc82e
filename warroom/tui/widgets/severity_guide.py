"""The SEV-1..4 guide from the playbook as a picker: 1-4 or up/down choose, enter confirms."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from warroom.core.playbook import Playbook


class SeverityGuide(Widget, can_focus=True):
    BINDINGS = [
        Binding("1", "pick(1)", "SEV-1", show=False),
        Binding("2", "pick(2)", "SEV-2", show=False),
        Binding("3", "pick(3)", "SEV-3", show=False),
        Binding("4", "pick(4)", "SEV-4", show=False),
        Binding("up", "step(-1)", "More severe", show=False),
        Binding("down", "step(1)", "Less severe", show=False),
        Binding("enter", "choose", "Choose", show=False),
    ]
    DEFAULT_CSS = """
    SeverityGuide { height: auto; }
    """

    selected: reactive[int] = reactive(2)
    suggested: reactive[int | None] = reactive(None)
    current: reactive[int | None] = reactive(None)

    class Changed(Message):
        def __init__(self, level: int) -> None:
            super().__init__()
            self.level = level

    class Chosen(Message):
        def __init__(self, level: int) -> None:
            super().__init__()
            self.level = level

    def __init__(self, playbook: Playbook, selected: int = 2, **kwargs) -> None:
        super().__init__(**kwargs)
        self._playbook = playbook
        self.set_reactive(SeverityGuide.selected, selected)

    def render(self) -> Table:
        table = Table(box=None, expand=True, show_edge=False, padding=(0, 1), header_style="bold")
        table.add_column("Level", no_wrap=True, min_width=19)
        for column, ratio in (("Impact", 4), ("Response", 3), ("Within", 2), ("Who", 2)):
            table.add_column(column, ratio=ratio, no_wrap=True, overflow="ellipsis")
        for sev in sorted(self._playbook.severities, key=lambda s: s.level):
            marks = []
            if sev.level == self.current:
                marks.append("now")
            if sev.level == self.suggested:
                marks.append("suggested")
            label = Text(f"{'▶' if sev.level == self.selected else ' '} SEV-{sev.level}", style="bold")
            if marks:
                label.append(f" ({', '.join(marks)})", "italic")
            style = "reverse" if sev.level == self.selected else ""
            table.add_row(label, sev.impact, sev.response, sev.response_time, sev.who, style=style)
        return table

    def action_pick(self, level: int) -> None:
        self.selected = level

    def action_step(self, step: int) -> None:
        self.selected = max(1, min(4, self.selected + step))

    def action_choose(self) -> None:
        self.post_message(self.Chosen(self.selected))

    def watch_selected(self, level: int) -> None:
        self.post_message(self.Changed(level))
