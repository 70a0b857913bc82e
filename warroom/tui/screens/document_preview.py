"""Preview of a generated document: the exact text, scrollable, editable; Enter copies it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

from warroom.core.safetext import one_line
from warroom.tui.widgets.keybar import KeyBar


class DocumentPreview(ModalScreen[str | None]):
    """Dismisses with the (possibly edited) text to copy, or None when cancelled."""

    BINDINGS = [
        Binding("enter", "copy", "Copy", priority=True),
        Binding("e", "edit", "Edit"),
        Binding("escape", "leave", "Back / done editing", priority=True),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.doc_title = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="preview-box"):
            yield Label(one_line(self.doc_title, 200), id="preview-title", markup=False)
            yield Label("Enter copies · e edits · Esc goes back", id="preview-hint")
            yield TextArea(self.text, read_only=True, soft_wrap=True, id="preview-text")
        yield KeyBar()

    @property
    def editor(self) -> TextArea:
        return self.query_one("#preview-text", TextArea)

    def on_mount(self) -> None:
        self.editor.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While editing, Enter is a newline; Esc ends editing first.
        if action == "copy" and not self.editor.read_only:
            return False
        return True

    def action_edit(self) -> None:
        self.editor.read_only = False
        self.editor.add_class("-editing")  # a warning-coloured border: this text will be sent
        self.editor.focus()
        self.query_one("#preview-hint", Label).update("Editing · Esc when done, then Enter copies")
        self.refresh_bindings()

    def action_leave(self) -> None:
        if not self.editor.read_only:
            self.editor.read_only = True
            self.editor.remove_class("-editing")
            self.query_one("#preview-hint", Label).update("Enter copies · e edits · Esc goes back")
            self.refresh_bindings()
            return
        self.dismiss(None)

    def action_copy(self) -> None:
        self.dismiss(self.editor.text)
