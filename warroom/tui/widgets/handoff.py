"""The handoff pane: a free-text editor that saves itself while it is typed into.

Saved at most SAVE_AFTER_SECONDS after the last key, and at least every
SAVE_AT_LEAST_EVERY_SECONDS while typing goes on: a commander who never pauses for half
a second still has their text on disk (a debounce alone restarted on every key and saved
nothing until the typing stopped).
"""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic
from typing import ClassVar

from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer
from textual.widgets import TextArea

from warroom.tui.unsaved import next_save_in
from warroom.tui.widgets.handoff_first import PLACEHOLDER
from warroom.tui.widgets.text_area import OrderedTextArea


class HandoffEditor(OrderedTextArea):
    # Shown on the key bar while typing here (the screen's Escape does the same, unshown).
    BINDINGS = [
        Binding("escape", "screen.pane('timeline')", "Done"),
        Binding("ctrl+o", "versions", "Versions", show=False),
    ]

    # Class attributes so tests (and a slower machine) can set them.
    SAVE_AFTER_SECONDS: ClassVar[float] = 0.4  # after the last key
    SAVE_AT_LEAST_EVERY_SECONDS: ClassVar[float] = 1.0  # while typing goes on

    class Save(Message):
        """The draft changed and should be written; the screen awaits the store."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs) -> None:
        super().__init__(
            soft_wrap=True,
            tab_behavior="focus",
            placeholder=PLACEHOLDER,
            **kwargs,
        )
        self._timer: Timer | None = None
        self._unsaved_since: float | None = None  # when the text first differed from the saved text
        self._loaded = False
        self._failed = False
        self._held: str | None = None  # a draft stored while the pane had the focus
        self.saved_text = ""
        self.versions = 1  # more than one: the handoff was edited apart (ctrl+o shows them)
        self.versions_requested: Callable[[], None] | None = None  # the comms controller's

    def on_mount(self) -> None:
        self.border_title = "Handoff"
        self.border_subtitle = "autosaved"

    def on_blur(self) -> None:
        held, self._held = self._held, None
        if held is not None and not self.unsaved and self._timer is None and held != self.saved_text:
            self.saved_text = held
            self.load_text(held)

    @property
    def unsaved(self) -> bool:
        """Text on screen that is not in the database (typed, or a save that failed)."""
        return self.text != self.saved_text

    def show(self, draft: str) -> None:
        """Take the stored draft, unless the user is mid-edit here (their text wins). One that
        came while the pane had the focus but nothing was typed is taken when it loses it: a
        teammate's pick between two versions stayed unseen behind the pane opened meanwhile,
        and the next key here brought the two versions back."""
        if self._loaded and (self.has_focus or self._timer is not None or self.unsaved or draft == self.saved_text):
            self._held = draft if draft != self.saved_text else None
            return
        self._held = None
        self._loaded = True
        self.saved_text = draft
        if draft != self.text:
            self.load_text(draft)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        if not self.unsaved:
            return
        self.border_subtitle = "NOT SAVED" if self._failed else "editing…"
        now = monotonic()
        if self._unsaved_since is None:
            self._unsaved_since = now
        # The debounce restarts on every key, but never past the deadline the first
        # unsaved key set: typing without a pause is saved as it goes.
        delay = next_save_in(self._unsaved_since, now, self.SAVE_AFTER_SECONDS, self.SAVE_AT_LEAST_EVERY_SECONDS)
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(delay, self.flush)

    def flush(self) -> None:
        """Ask for the current text to be saved now (also called when leaving the screen)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.unsaved:
            self._unsaved_since = monotonic()  # the next save is due a full interval from now
            self.post_message(self.Save(self.text))
        else:
            self._unsaved_since = None

    def saved(self, text: str) -> None:
        self.saved_text = text
        self._failed = False
        if text == self.text:
            self._unsaved_since = None
            self.border_subtitle = "saved"
        else:
            self.border_subtitle = "editing…"

    def show_versions(self, count: int) -> None:
        """Edited apart: the pane says so until one version is kept."""
        count = max(1, count)
        if count == self.versions:
            return
        self.versions = count
        self.border_title = f"Handoff · {count} versions (h, ctrl+o)" if count > 1 else "Handoff"
        self.set_class(count > 1, "-apart")

    def action_versions(self) -> None:
        if self.versions_requested is not None:
            self.versions_requested()

    def take(self, text: str) -> None:
        """The text now stored (a version kept): shown and counted as saved, typing or not."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._loaded = True
        self.saved_text = text
        self._unsaved_since = None
        if text != self.text:
            self.load_text(text)
        self.border_subtitle = "saved"

    def save_failed(self) -> None:
        self._failed = True
        self.border_subtitle = "NOT SAVED"
