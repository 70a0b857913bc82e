"""The one-line prompt at the bottom of the war room: log, amend, strike, answer, search.

It stays open with its text until the screen says the write succeeded (`close`), so a
failed write never loses what was typed. Closed, it stays on screen (idle, unfocusable):
showing and hiding it re-laid out and redrew every pane on each entry.

A multi-line paste (a stack trace) is kept whole: each line break shows as ⏎ on the line
and is a line break again in what is submitted, so it becomes one event with its lines.
A long one (more than PASTE_CONFIRM_LINES lines or PASTE_CONFIRM_CHARS characters) is
confirmed first.

Keys typed ahead keep their order (a terminal hands over fast typing, or typing during the
start-up, all at once). Textual runs a focused Input's key bindings (Enter, Backspace, the
arrows) only when the key has bubbled back up to the app, by which time the keys queued
behind it are typed in: `abc⏎ldef⏎` logged `abcldef`. Here the input runs its own and the
line's bindings as it takes each key, and Enter waits until the screen is done with the text
(written, or refused), so the keys behind it go where the focus is then: after a write, to
the pane the line was opened from (`l` opens the line again), after a refusal, to the text.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.messages import Prune
from textual.widget import Widget
from textual.widgets import Input, Static

from warroom.core.ids import uuid7
from warroom.core.safetext import each_visible
from warroom.tui.widgets.keys import run_bindings_now

# What the closed line says (it must not mention backdating: tests wait for the open hint).
IDLE_PROMPT = "›"
IDLE_PLACEHOLDER = "l log · / search · ? every key"
# A line break inside the one-line input (typed text never holds one: Enter submits).
LINE_BREAK = "⏎"


def to_line(text: str) -> str:
    """Text with line breaks as the entry line shows it."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", LINE_BREAK)


def from_line(value: str) -> str:
    """What the entry line holds, with its line breaks back."""
    return value.replace(LINE_BREAK, "\n")


# Enter typed before the app takes the keyboard (while the war room starts) arrives as ctrl+j:
# the terminal's line discipline (ICRNL) has turned its \r into \n by then. Not a key of its
# own (the help screen does not list it): the key it was.
EARLY_KEYS = {"ctrl+j": "enter"}


class EntryInput(Input):
    """The entry line's input: keys in the order typed; a paste keeps every line (Input keeps
    only the first)."""

    SAFE_PASTE: ClassVar[bool] = True  # draws control characters as symbols (the app leaves its pastes exact)
    PASTE_CONFIRM_LINES: ClassVar[int] = 20
    PASTE_CONFIRM_CHARS: ClassVar[int] = 4_000

    @property
    def line(self) -> EntryLine:
        return self.query_ancestor(EntryLine)

    # Shown character for character as safetext.each_visible has it: a pasted escape sequence
    # would otherwise reach the terminal raw (Input draws its value as it is), and a control
    # character (no width) would put the cursor off by one. The value itself stays exact.
    @property
    def _value(self) -> Text:
        return Text(each_visible(self.value), no_wrap=True, overflow="ignore", end="")

    def _position_to_cell(self, position: int) -> int:
        return cell_len(each_visible(self.value[:position]))

    def _cell_offset_to_index(self, offset: int) -> int:
        wanted, reached = offset + self.scroll_offset.x, 0
        for index, char in enumerate(each_visible(self.value)):
            reached += cell_len(char)
            if reached > wanted:
                return index
        return len(self.value)

    async def _on_key(self, event: events.Key) -> None:
        line = self.line
        # Typed behind an Enter or Escape that closed the line, or behind a paste whose
        # confirmation (or another dialog) is now in front: the key is handed back to the app, for
        # whatever has the focus now (an Enter right behind a long paste was lost here).
        if not line.is_open or self.app.screen is not self.screen:
            event.stop()
            event.prevent_default()
            self.app.post_message(events.Key(event.key, event.character).set_sender(self.app))
            return
        if not event.is_printable:  # the input's and the line's bindings, now (tui/widgets/keys.py)
            await run_bindings_now(event, (self, line), EARLY_KEYS.get(event.key, event.key))
        # Else Input's own handler types a printable key (Textual calls it after this one).

    async def action_submit(self) -> None:
        await self.line.submit(self.value)

    def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # not Input's own handler: it drops every line but the first
        event.stop()
        if not self.line.is_open:  # pasted behind an Enter that closed the line
            self.app.post_message(events.Paste(event.text).set_sender(self.app))
            return
        text = event.text.replace("\r\n", "\n").replace("\r", "\n")
        if "\n" in text.strip("\n"):
            text = text.strip("\n")  # a copied block often ends with a line break: not a line
        if not text:
            return
        lines = text.count("\n") + 1
        if lines > self.PASTE_CONFIRM_LINES or len(text) > self.PASTE_CONFIRM_CHARS:

            def answered(take: bool | None) -> None:
                if take:
                    self._insert(text)

            from warroom.tui.screens.paste_confirm import PasteConfirm  # a dialog: not part of start-up

            self.app.push_screen(PasteConfirm(lines, len(text)), answered)
            return
        self._insert(text)

    def _insert(self, text: str) -> None:
        line = to_line(text)
        if self.selection.is_empty:
            self.insert_text_at_cursor(line)
        else:
            self.replace(line, *self.selection)
        if LINE_BREAK in line:
            lines = line.count(LINE_BREAK) + 1
            self.notify(f"Pasted {lines:,} lines: {LINE_BREAK} marks each line break; Enter keeps them as one entry.")


# The mode whose text Esc sets aside rather than drops: a log line (an amend, a strike or an
# answer opens on its own text again; a search is quickly typed again).
SET_ASIDE_MODE = "log"


class EntryLine(Vertical):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=True),
        Binding("up", "recall", "Bring back what Esc closed", show=False),
    ]

    class Submitted(Message):
        def __init__(self, mode: str, value: str, payload: Any) -> None:
            super().__init__()
            self.mode = mode
            self.value = value
            self.payload = payload

    class Cancelled(Message):
        pass

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.mode = ""
        self.payload: Any = None
        self.return_focus: Widget | None = None
        self.event_id = uuid7()
        self._open = False
        self._idle = asyncio.Event()  # no submit is being handled
        self._idle.set()
        self._waiting: set[asyncio.Event] = set()  # keys_handled calls
        self._set_aside = ""  # a log line Esc closed: ↑ in the next empty log line brings it back

    def compose(self) -> ComposeResult:
        with Horizontal(id="entry-row"):
            # Static, not Label: no other widget of the war room's first frame is a Label, and its
            # style sheet was parsed for these two alone (widths: warroom.tcss).
            yield Static(IDLE_PROMPT, id="entry-prompt")
            # Not select_on_focus: an amended text would be wiped by the first Backspace.
            yield EntryInput(id="entry-input", placeholder=IDLE_PLACEHOLDER, disabled=True, select_on_focus=False)
        yield Static("", id="entry-hint")

    @property
    def is_open(self) -> bool:
        return self._open

    @property
    def busy(self) -> bool:
        """A submit is being handled; the screen clears it when done (written, or refused)."""
        return not self._idle.is_set()

    @busy.setter
    def busy(self, busy: bool) -> None:
        if busy:
            self._idle.clear()
        else:
            self._idle.set()

    @property
    def input(self) -> Input:
        return self.query_one("#entry-input", Input)

    def open(self, mode: str, prompt: str, value: str = "", hint: str = "", payload: Any = None) -> None:
        focused = self.screen.focused
        if focused is not self.input:  # where the commander was: focus goes back there after
            self.return_focus = focused
        if mode == SET_ASIDE_MODE and not value and self._set_aside:  # Esc is not a delete
            hint = "↑ brings back what Esc closed · " + hint
        self.mode = mode
        self.payload = payload
        # One id per thing typed: a second Enter, or a retry after an error whose write did
        # land, finds the row already there instead of logging it twice.
        self.event_id = uuid7()
        # Text objects: a hint may quote the event being struck, which is never markup.
        self.query_one("#entry-prompt", Static).update(Text(prompt))
        # The hint's size is fixed (a whole line): new words need no layout of the screen.
        self.query_one("#entry-hint", Static).update(Text(hint), layout=False)
        self._open = True
        self.add_class("-open")
        self.input.disabled = False
        self.input.placeholder = ""
        line = to_line(value)  # an amended multi-line event keeps its line breaks
        self.input.value = line
        self.input.cursor_position = len(line)
        # At once, not Widget.focus (the loop's next turn): keys typed right behind l are
        # handed on to whatever has the focus when the app takes them.
        self.screen.set_focus(self.input)

    def close(self) -> None:
        """Focus goes back at once (the next key is the pane's); the line's idle look follows
        the next frame, so the frame that shows the focus moved has no layout of its own."""
        self._open = False
        target = self.return_focus
        if self.input.has_focus and target is not None and target.is_attached:
            # Back where the line was opened from, before disabling the input: disabling a
            # focused input first makes Textual pick some other widget (a second restyle).
            self.screen.set_focus(target)
        self.mode = ""
        self.payload = None
        self.call_after_refresh(self._idle_look)

    def _idle_look(self) -> None:
        if self._open:  # opened again before the frame: it keeps its new look
            return
        self.remove_class("-open")
        self.query_one("#entry-prompt", Static).update(IDLE_PROMPT)
        self.query_one("#entry-hint", Static).update("", layout=False)
        self.input.disabled = True
        self.input.placeholder = IDLE_PLACEHOLDER
        self.input.value = ""

    async def submit(self, value: str) -> None:
        """Enter: hands the text to the screen and returns when the screen is done with it.
        The keys typed behind the Enter wait meanwhile in the input's queue, in their order."""
        self._submit(value)
        await self._idle.wait()

    async def keys_handled(self) -> None:
        """Returns once the input has handled every key handed to it before now (an Enter among
        them written or refused). For a priority key such as Ctrl+Q: the app runs it as it
        takes it, ahead of the keys typed before it that the input has not handled yet."""
        handled = asyncio.Event()
        self._waiting.add(handled)
        try:
            if self.input.call_later(handled.set):  # runs after the keys queued before it
                await handled.wait()
        finally:
            self._waiting.discard(handled)

    async def on_prune(self, event: Prune) -> None:
        """Removed (the app quits, another incident opens): no screen will answer an Enter that
        is waiting (its Submitted dropped on the way up), and the input may never get to a
        `keys_handled` call: nothing waits on them any more."""
        self.busy = False
        for waiting in self._waiting:
            waiting.set()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit(event.value)

    def _submit(self, value: str) -> None:
        if self.busy:  # Enter again while the first one is still being written
            return
        self.busy = True
        if not self.post_message(self.Submitted(self.mode, from_line(value), self.payload)):
            self.busy = False  # the line is closing (the app quits): no screen will answer

    def action_recall(self) -> None:
        """↑ in an empty log line: the text Esc closed, back (typing goes on from its end). Not
        put back by itself: a new entry typed right behind l must not land after old words."""
        if self.mode == SET_ASIDE_MODE and not self.input.value and self._set_aside:
            self.input.value, self._set_aside = self._set_aside, ""
            self.input.cursor_position = len(self.input.value)

    def action_cancel(self) -> None:
        if self.mode == SET_ASIDE_MODE and self.input.value.strip():  # a stray Esc under pressure
            self._set_aside = self.input.value
        self.close()
        self.post_message(self.Cancelled())
