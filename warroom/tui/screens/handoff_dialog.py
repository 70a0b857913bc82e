"""Hand off: name the new commander, review the handoff text, then it is logged.

An edited handoff text stops following the incident: the lines it still holds from the
template that the incident no longer says (a status, a severity) are listed above it, so
the new commander is not handed what stopped being true; and two versions put side by side
to merge (edited apart) and not merged yet are said too."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea

from warroom.core.safetext import one_line
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.keys import OrderedInput
from warroom.tui.widgets.text_area import OrderedTextArea

UNMERGED = Text.assemble(
    ("⚑ Two versions still side by side: ", "bold yellow"),
    ("keep what stands of each and delete the '--- who at hh:mm ---' lines before handing off", "yellow"),
)


class HandoffDialog(ModalScreen[tuple[str, str] | None]):
    """Dismisses with (new commander, handoff text), or None when cancelled."""

    HELP_NAME = "hand off"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "hand_off", "Hand off", priority=True),
    ]

    # Out-of-date lines listed in full; past this many, counted.
    STALE_SHOWN = 4

    def __init__(self, current: str, text: str, stale: list[str] | None = None, unmerged: bool = False) -> None:
        super().__init__()
        self.current = current
        self.text = text
        self.stale = stale or []
        self.unmerged = unmerged  # versions edited apart still side by side (b in their chooser)

    def compose(self) -> ComposeResult:
        with Vertical(id="handoff-box") as box:
            box.border_title = Text(f"Hand off command (now: {one_line(self.current, 40)})")  # a name is not markup
            box.border_subtitle = "enter in the name or ctrl+s hands off · escape cancels"
            yield Label("New incident commander", classes="field-label")
            yield OrderedInput(placeholder="Name", id="handoff-new")
            yield Label("Handoff text (logged with the handoff, then offered for copying)", classes="field-label")
            if self.unmerged:
                yield Static(UNMERGED, id="handoff-unmerged")
            if self.stale:
                yield Static(self._stale_warning(), id="handoff-stale")
            yield OrderedTextArea(self.text, soft_wrap=True, tab_behavior="focus", id="handoff-text")
        yield KeyBar()

    def _stale_warning(self) -> Text:
        warning = Text()
        warning.append("⚑ No longer true, still in the text: ", style="bold yellow")
        warning.append("fix it below, or Esc and ctrl+t in the handoff pane for a fresh text", style="yellow")
        for line in self.stale[: self.STALE_SHOWN]:
            warning.append("\n ✗ ", style="yellow")
            warning.append(one_line(line, 110))
        if len(self.stale) > self.STALE_SHOWN:
            warning.append(f"\n  and {len(self.stale) - self.STALE_SHOWN} more lines", style="dim")
        return warning

    def on_mount(self) -> None:
        self.query_one("#handoff-new", Input).focus()

    @on(Input.Submitted, "#handoff-new")
    def _submitted(self) -> None:
        self.action_hand_off()

    def action_hand_off(self) -> None:
        new = " ".join(self.query_one("#handoff-new", Input).value.split())
        text = self.query_one("#handoff-text", TextArea).text.strip()
        if not new:
            self.notify("Name the new commander.", severity="warning")
            self.query_one("#handoff-new", Input).focus()
            return
        if new == self.current:
            self.notify(f"{new} is already the commander.", severity="warning", markup=False)
            return
        if not text:
            self.notify("The handoff needs its text.", severity="warning")
            return
        self.dismiss((new, text))

    def action_cancel(self) -> None:
        self.dismiss(None)
