"""A long paste into the entry line: take it whole, or not at all (the entry line asks)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets.option_list import Option

from warroom.tui.screens.modal import ChoiceScreen, modal_box


class PasteConfirm(ChoiceScreen[bool | None, bool]):
    """A long paste: take it whole into the entry line, or not at all (styled in dialogs.tcss)."""

    def __init__(self, lines: int, chars: int) -> None:
        super().__init__()
        self.lines, self.chars = lines, chars
        self.choices = [True, False]

    def compose(self) -> ComposeResult:
        title = f"Paste {self.lines:,} lines ({self.chars:,} characters)?"
        with modal_box("paste-box", title, "enter choose · escape cancels", classes="question-box"):
            yield self.choice_list("paste-list")

    def option(self, n: int, choice: bool) -> Option:
        if choice:
            return Option(Text(f"Paste all {self.lines:,} lines: Enter then logs them as one entry"))
        return Option(Text("Cancel: paste nothing"))
