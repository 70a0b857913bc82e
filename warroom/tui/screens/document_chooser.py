"""Which document to copy: `y` opens this list, one letter picks (the playbook's copy keys)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets.option_list import Option

from warroom.core.safetext import one_line
from warroom.tui.screens.modal import ChoiceScreen, modal_box
from warroom.tui.widgets.keybar import KeyBar


class DocumentChooser(ChoiceScreen[str | None, str]):
    """Dismisses with a document key, or None. `documents` is [(key, title, letter)]."""

    HELP_NAME = "copy a document"
    PICK_ON_KEY = True  # a letter copies at once

    def __init__(self, documents: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.documents = documents
        self.choices = [key for key, _title, _letter in documents]
        self._letters = {letter: index for index, (_key, _title, letter) in enumerate(documents) if letter}

    def compose(self) -> ComposeResult:
        with modal_box("chooser-box", "Copy which document?", "letter or ↑↓ enter · escape cancels"):
            yield self.choice_list("chooser-list")
        yield KeyBar()

    def option(self, n: int, choice: str) -> Option:
        _key, title, letter = self.documents[n - 1]
        label = Text()
        label.append(f" {letter or ' '} ", "bold reverse")
        label.append("  " + one_line(title, 60))
        return Option(label, id=choice)

    def choice_index(self, character: str) -> int | None:
        return self._letters.get(character)
