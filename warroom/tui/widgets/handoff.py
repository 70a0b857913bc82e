"""The handoff pane: a free-text editor that saves itself shortly after each change."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

# Short enough that a crash a second after typing loses nothing.
SAVE_AFTER_SECONDS = 0.4


class HandoffEditor(TextArea):
    # Shown on the key bar while typing here (the screen's Escape does the same, unshown).
    BINDINGS = [Binding("escape", "screen.pane('timeline')", "Done")]

    class Save(Message):
        """The draft changed and should be written; the screen awaits the store."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs) -> None:
        super().__init__(
            soft_wrap=True,
            tab_behavior="focus",
            placeholder="What the next commander needs: state, open threads, next steps (h to type; autosaved)",
            **kwargs,
        )
        self._timer = None
        self._loaded = False
        self.saved_text = ""

    def on_mount(self) -> None:
        self.border_title = "Handoff"
        self.border_subtitle = "autosaved"

    def show(self, draft: str) -> None:
        """Take the stored draft, unless the user is mid-edit here (their text wins)."""
        if self._loaded and (self.has_focus or self._timer is not None or draft == self.saved_text):
            return
        self._loaded = True
        self.saved_text = draft
        if draft != self.text:
            self.load_text(draft)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        if self.text == self.saved_text:
            return
        self.border_subtitle = "editing…"
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SAVE_AFTER_SECONDS, self.flush)

    def flush(self) -> None:
        """Ask for the current text to be saved now (also called when leaving the screen)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.text != self.saved_text:
            self.post_message(self.Save(self.text))

    def saved(self, text: str) -> None:
        self.saved_text = text
        self.border_subtitle = "saved" if text == self.text else "editing…"

    def save_failed(self) -> None:
        self.border_subtitle = "NOT SAVED"
