"""Which document to copy: `y` opens this list, one letter picks (the playbook's copy keys)."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from warroom.safetext import one_line
from warroom.widgets.keybar import KeyBar


class DocumentChooser(ModalScreen[str | None]):
    """Dismisses with a document key, or None. `documents` is [(key, title, letter)]."""

    HELP_NAME = "copy a document"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, documents: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.documents = documents
        self.letters = {letter: key for key, _title, letter in documents if letter}

    def compose(self) -> ComposeResult:
        options = []
        for key, title, letter in self.documents:
            label = Text()
            label.append(f" {letter or ' '} ", "bold reverse")
            label.append("  " + one_line(title, 60))
            options.append(Option(label, id=key))
        with Vertical(id="chooser-box") as box:
            box.border_title = "Copy which document?"
            box.border_subtitle = "letter or ↑↓ enter · escape cancels"
            yield OptionList(*options, id="chooser-list")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character in self.letters:
            event.stop()
            event.prevent_default()
            self.dismiss(self.letters[event.character])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
