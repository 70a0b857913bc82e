"""A bracketed paste is one paste, whole, and Escape typed fast is Escape: workarounds for
Textual 8.2.8's input parser.

Textual's XTermParser (textual/_xterm_parser.py, 8.2.8) reads a bracketed paste one character
at a time, and an ESC inside the paste starts its escape-sequence loop: the characters read in
that loop are not added to the paste but issued as key presses (at the next ESC, at 32
characters, or after a pause), and the paste, cut at the ESC, arrives after them. Pasting
`ERROR first ESC[31mred ESC[0m last` logged `^[31mred^[0m lastERROR first`; a line break after
an ESC became a key that submitted the line, and the text after it ran as war-room keys.

`PasteParser` takes everything between ESC[200~ and ESC[201~ itself, as one `events.Paste`
with the text as pasted (ESC and all; NUL dropped, as Textual drops it), and hands Textual's
parser only what lies outside, unchanged. A marker may be split across reads, and a paste
may span any number of reads. The beginning of a start marker at the end of a read is held
back until the next read, or for Textual's escape delay (then it is what Textual would have
made of it: a lone ESC is the Escape key). A paste whose end never comes is given up after
`end_timeout` seconds with nothing read: what was read is delivered as the paste, and input
is parsed as keys again (a stuck terminal swallows keys for seconds, not for ever).

Outside a paste, an ESC followed by a printable character that begins no escape sequence is
Escape, then that character (`escape_then`): Escape then `l` typed quickly reached Textual's
parser as Alt+L, or as `^l` with an arrow key behind it.

`install()` makes the Linux driver build this parser (`LinuxDriver.run_input_thread` looks
up `XTermParser` in its module when the app starts); `warroom.tui.app.run` calls it. Remove
all of this when Textual's own parser keeps an ESC inside a paste as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from time import monotonic

from textual import constants, events
from textual._xterm_parser import BRACKETED_PASTE_END, BRACKETED_PASTE_START, XTermParser
from textual.message import Message


def partial_marker(text: str, marker: str) -> int:
    """How many characters at the end of `text` begin `marker` (the whole marker excluded)."""
    for size in range(min(len(marker) - 1, len(text)), 0, -1):
        if text.endswith(marker[:size]):
            return size
    return 0


ESC = "\x1b"
# After an ESC these begin a sequence Textual reads (CSI, SS3) or are an ESC of their own.
SEQUENCE_STARTS = frozenset("[O" + ESC)


def escape_then(text: str) -> int:
    """Where in `text` an ESC is followed by a printable character that begins no escape
    sequence, else -1. A terminal sends Escape then `l` typed quickly, and Alt+L, alike
    (`ESC l`); Textual 8.2.8 reads it as Alt+L (the `l` typed into the entry line, the Escape
    lost) or, with another ESC right behind it (an arrow key), as a literal `^` and `l`
    (`^l` logged). warroom binds no Alt key: it is Escape, then the key."""
    at = text.find(ESC)
    while 0 <= at < len(text) - 1:
        after = text[at + 1]
        if after.isprintable() and after not in SEQUENCE_STARTS:
            return at
        at = text.find(ESC, at + 1)
    return -1


class PasteParser(XTermParser):
    """Textual's parser, with bracketed pastes taken whole before it sees them."""

    end_timeout: float = 3.0
    """Seconds with no input, inside a paste, after which its end is no longer waited for."""

    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        self._pasting = False
        self._pasted: list[str] = []
        self._held = ""  # the start of a marker at the end of the last read
        self._deadline: float | None = None  # when the held text, or an open paste, is given up

    def feed(self, data: str) -> Iterator[Message]:
        if not data:  # the end of the input: nothing read is dropped
            yield from self._give_up()
            yield from super().feed("")
            return
        data, self._held, self._deadline = self._held + data, "", None
        while data:
            if self._pasting:
                end = data.find(BRACKETED_PASTE_END)
                if end < 0:
                    cut = len(data) - partial_marker(data, BRACKETED_PASTE_END)
                    self._pasted.append(data[:cut])
                    self._hold(data[cut:], self.end_timeout)
                    return
                self._pasted.append(data[:end])
                data = data[end + len(BRACKETED_PASTE_END) :]
                yield self._paste()
            else:
                start = data.find(BRACKETED_PASTE_START)
                if start < 0:
                    cut = len(data) - partial_marker(data, BRACKETED_PASTE_START)
                    yield from self._keys(data[:cut])
                    if cut < len(data):
                        self._hold(data[cut:], constants.ESCAPE_DELAY)
                    return
                yield from self._keys(data[:start])
                yield from self._end_sequence()  # an ESC typed just before the paste is Escape
                self._pasting = True
                data = data[start + len(BRACKETED_PASTE_START) :]

    def tick(self) -> Iterator[Message]:
        yield from super().tick()
        if self._deadline is not None and monotonic() >= self._deadline:
            if self._pasting:
                self.debug_log("PASTE END NEVER CAME")
            yield from self._give_up()

    def _hold(self, text: str, seconds: float) -> None:
        self._held = text
        self._deadline = monotonic() + seconds

    def _give_up(self) -> Iterator[Message]:
        """Stop waiting for the rest of a marker: an open paste ends here, a held start is keys."""
        held, self._held, self._deadline = self._held, "", None
        if self._pasting:
            self._pasted.append(held)
            yield self._paste()
        elif held:
            yield from self._keys(held)
            yield from self._end_sequence()  # Textual's own escape delay has passed already

    def _paste(self) -> events.Paste:
        text = "".join(self._pasted).replace("\x00", "")
        self._pasted.clear()
        self._pasting = False
        return events.Paste(text)

    def _keys(self, text: str) -> Iterator[Message]:
        """Keys, an ESC before a printable character taken as Escape then that character (see
        `escape_then`); the rest to Textual's parser."""
        while text:  # Textual's parser takes an empty read as the end of the input
            at = escape_then(text)
            if at < 0:
                yield from super().feed(text)
                return
            if at:
                yield from super().feed(text[:at])
            yield from self._end_sequence()
            yield events.Key("escape", ESC)
            text = text[at + 1 :]

    def _end_sequence(self) -> Iterator[Message]:
        """Textual's timeout now, if its parser is inside an escape sequence (it waits for the
        next character with a deadline, `_timeout_time`, only then)."""
        if self._timeout_time is not None:
            self._timeout_time = float("-inf")
            yield from super().tick()


def install() -> None:
    """The Linux driver builds a PasteParser from now on (Textual's parser is imported by name
    in textual.drivers.linux_driver, and looked up there when the input thread starts)."""
    from textual.drivers import linux_driver

    linux_driver.XTermParser = PasteParser  # type: ignore[misc]
