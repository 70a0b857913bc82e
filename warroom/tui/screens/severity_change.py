"""Change the severity: the guide in view, 1-4 or up/down to choose, enter to confirm."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from warroom.core.playbook import Playbook
from warroom.tui.screens.modal import CancelModal, modal_box
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.severity_guide import SeverityGuide


class SeverityChangeScreen(CancelModal[int | None]):
    HELP_NAME = "severity"
    BINDINGS = [Binding("enter", "confirm", "Confirm", priority=True)]  # escape: CancelModal

    def __init__(self, playbook: Playbook, current: int) -> None:
        super().__init__()
        self._playbook = playbook
        self._current = current

    def compose(self) -> ComposeResult:
        title = f"Change severity (now SEV-{self._current})"
        with modal_box("sevchange-box", title, "1-4 or ↑↓ choose · enter confirms · escape cancels"):
            guide = SeverityGuide(self._playbook, selected=self._current, id="sevchange-guide")
            guide.current = self._current
            yield guide
            yield Static("", id="sevchange-summary")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(SeverityGuide).focus()

    def on_severity_guide_changed(self, event: SeverityGuide.Changed) -> None:
        text = f"SEV-{self._current} → SEV-{event.level}" if event.level != self._current else "No change"
        self.query_one("#sevchange-summary", Static).update(text)

    def on_severity_guide_chosen(self, event: SeverityGuide.Chosen) -> None:
        self._confirm()

    def action_confirm(self) -> None:
        self.after_keys_ahead(self._confirm)  # a digit typed just before Enter counts

    def _confirm(self) -> None:
        level = self.query_one(SeverityGuide).selected
        self.dismiss(level if level != self._current else None)
