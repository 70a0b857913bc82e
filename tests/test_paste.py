"""A bracketed paste holding escape sequences is one paste, whole, never keys (warroom/tui/paste.py).

Textual 8.2.8's parser re-issued the text after an ESC inside a paste as key presses and cut
the paste there: pasted coloured log lines were scrambled, and a line break in them submitted
the entry line and ran the rest as war-room keys.
"""

from __future__ import annotations

import asyncio
import inspect
import sqlite3

import pytest
from textual._xterm_parser import XTermParser

from warroom.tui import paste
from warroom.tui.paste import PasteParser

START, END = "\x1b[200~", "\x1b[201~"

PASTES = [
    "ERROR first \x1b[31mred\x1b[0m last",  # the user's first paste
    "AAA\nB\x1b[31mBB\nCCC",  # the second: a line break after an ESC, then war-room keys
    "AAA\rB\x1b[31mBB\rCCC",  # the same as a terminal sends it (line breaks as \r)
    "\x1b[1;31m" + "x" * 40 + "\x1b[0m",  # more than Textual's 32-character sequence search
    "ends in a lone ESC\x1b",
    "\x1b",
    "looks like an end \x1b[201 but is not, nor \x1b[20 nor \x1b[",
    "a start inside \x1b[200~ is text",
    "an OSC \x1b]52;c;aGk=\x07 and a CSI \x1b[2J and \x1bOP",
    "tab\there, ünïcødé ✓, 中文",
]

# Keys, mouse and focus reports: what Textual's own parser makes of them is what we must make.
KEYS = [
    "abc",
    "\x1b[A",  # up
    "\x1bOP",  # F1
    "\x1b[1;5C",  # ctrl+right
    "\x1b\r",  # alt+enter
    "\r",
    "\x1b[<0;10;5M\x1b[<0;10;5m",  # SGR mouse down and up
    "\x1b[I\x1b[O",  # focus in, focus out
    "\x1b[20~",  # F9: starts like the paste start marker
    "\x1b[201~",  # a paste end with no start: nothing
]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(paste, "monotonic", clock)
    return clock


def feed(parser: XTermParser, *chunks: str) -> list[str]:
    """What the parser makes of these reads, as comparable strings."""
    return [repr(event) for chunk in chunks for event in parser.feed(chunk)]


def settle(parser: XTermParser) -> list[str]:
    """What Textual's parser makes of an escape sequence it is inside, once its escape delay
    has passed (without waiting for it)."""
    if parser._timeout_time is None:
        return []
    parser._timeout_time = float("-inf")
    return [repr(event) for event in parser.tick()]


def parse(parser: XTermParser, *chunks: str) -> list[str]:
    return feed(parser, *chunks) + settle(parser)


def pasted(text: str) -> list[str]:
    return [f"Paste(text={text!r})"]


def textual(*chunks: str) -> list[str]:
    """What Textual's own parser makes of these reads."""
    return parse(XTermParser(), *chunks)


def test_textual_still_breaks_a_paste_up():
    """The reason for the workaround: when Textual's parser keeps a paste whole, remove it."""
    assert textual(START + PASTES[0] + END) != pasted(PASTES[0])


@pytest.mark.parametrize("text", PASTES)
def test_a_paste_read_at_once_is_one_paste_whole(text):
    assert feed(PasteParser(), START + text + END) == pasted(text)


@pytest.mark.parametrize("text", PASTES)
def test_a_paste_split_anywhere_is_one_paste_whole(text):
    whole = START + text + END
    for at in range(1, len(whole)):
        assert feed(PasteParser(), whole[:at], whole[at:]) == pasted(text), at
    assert feed(PasteParser(), *whole) == pasted(text)  # one character a read


def test_a_paste_over_many_reads_is_one_paste():
    text = "".join(f"line {n} \x1b[3{n % 8}mcoloured\x1b[0m\r" for n in range(2000))
    whole = START + text + END
    reads = [whole[at : at + 4096] for at in range(0, len(whole), 4096)]
    assert len(reads) > 10
    assert feed(PasteParser(), *reads) == pasted(text)


def test_nul_is_dropped_as_textual_drops_it():
    assert feed(PasteParser(), START + "a\x00b" + END) == pasted("ab")


@pytest.mark.parametrize("keys", KEYS)
def test_keys_parse_as_textual_parses_them(keys):
    assert parse(PasteParser(), keys) == textual(keys)


@pytest.mark.parametrize("keys", KEYS)
def test_keys_around_a_paste_parse_as_textual_parses_them(keys):
    text = PASTES[1]
    got = parse(PasteParser(), keys + START + text + END + keys)
    parser = XTermParser()  # one parser: a mouse event's delta is from the one before
    assert got == parse(parser, keys) + pasted(text) + parse(parser, keys)


def key_names(*chunks: str) -> list[str]:
    """The keys PasteParser makes of these reads, by name, once Textual's escape delay is over."""
    parser = PasteParser()
    made = [event for chunk in chunks for event in parser.feed(chunk)]
    if parser._timeout_time is not None:
        parser._timeout_time = float("-inf")
        made += parser.tick()
    return [getattr(event, "key", type(event).__name__) for event in made]


def test_escape_then_a_letter_typed_quickly_is_escape_then_the_letter():
    """A terminal sends both Escape-then-l and Alt+L as ESC l. Textual took it for Alt+L (the
    l typed into the entry line, the Escape lost) or, with an arrow key's ESC right behind,
    for a literal ^ then l (a walker logged 'esc test^l'). warroom binds no Alt key."""
    assert textual("\x1bl\x1b[A\r") != parse(PasteParser(), "\x1bl\x1b[A\r")  # Textual still does
    assert key_names("\x1bl\x1b[A\r") == ["escape", "l", "up", "enter"]
    assert key_names("\x1bl") == ["escape", "l"]
    assert key_names("\x1b", "l") == ["escape", "l"]  # across two reads
    assert key_names("ab\x1bcd\x1b[D\x1b\x1bq") == ["a", "b", "escape", "c", "d", "left", "escape", "escape", "q"]


def test_an_escape_typed_just_before_the_paste_is_escape():
    assert feed(PasteParser(), "\x1b" + START + "x" + END) == textual("\x1b") + pasted("x")
    (escape,) = textual("\x1b")
    assert escape.startswith("Key(key='escape', character='\\x1b'")


def test_a_lone_escape_is_escape_after_textuals_delay(clock):
    parser = PasteParser()
    assert feed(parser, "\x1b") == []  # it may begin a paste's start marker
    assert [repr(e) for e in parser.tick()] == []
    clock.now += paste.constants.ESCAPE_DELAY
    assert [repr(e) for e in parser.tick()] == textual("\x1b")
    assert feed(parser, "q") == textual("q")


@pytest.mark.parametrize("held", ["\x1b[", "\x1b[2", "\x1b[20", "\x1b[200"])
def test_a_start_marker_that_never_finishes_is_what_textual_makes_of_it(clock, held):
    parser = PasteParser()
    assert feed(parser, held) == []
    clock.now += paste.constants.ESCAPE_DELAY
    assert [repr(e) for e in parser.tick()] == textual(held)


def test_a_paste_whose_end_never_comes_is_given_up_whole(clock):
    parser = PasteParser()
    assert feed(parser, START + "first\x1b[31m", "second\x1b[20") == []
    clock.now += parser.end_timeout - 0.01
    assert [repr(e) for e in parser.tick()] == []  # still waiting (a slow link)
    assert feed(parser, "1") == []  # input came: the wait starts again
    clock.now += parser.end_timeout - 0.01
    assert [repr(e) for e in parser.tick()] == []
    clock.now += 0.01
    assert [repr(e) for e in parser.tick()] == pasted("first\x1b[31msecond\x1b[201")
    assert feed(parser, "ab") == textual("ab")  # keys again


def test_the_end_of_input_delivers_an_open_paste():
    parser = PasteParser()
    assert feed(parser, START + "unfinished \x1b[0") == []
    assert feed(parser, "") == pasted("unfinished \x1b[0")


def test_install_makes_the_linux_driver_build_this_parser(monkeypatch):
    from textual.drivers import linux_driver

    monkeypatch.setattr(linux_driver, "XTermParser", linux_driver.XTermParser)  # put back after
    # The driver looks the parser up by this name when its input thread starts (Textual 8.2.8).
    assert "parser = XTermParser(self._debug)" in inspect.getsource(linux_driver.LinuxDriver.run_input_thread)
    paste.install()
    assert linux_driver.XTermParser is PasteParser


# ----- the war room in a real terminal ---------------------------------------------------------


@pytest.mark.slow
def test_a_paste_with_escape_sequences_is_logged_whole_in_a_terminal(tmp_path, db_path):
    from helpers_proc import PtyApp, declare_checkout_down, isolated_env, wait_for_row

    asyncio.run(declare_checkout_down(db_path))
    app = PtyApp("--db", str(db_path), env=isolated_env(tmp_path / "home", db_path))
    try:
        assert app.wait_for("since start")
        app.press_until("l", "backdates")  # the entry line is open
        # As a terminal sends a paste: line breaks as \r, the colour codes as copied.
        app.type(START + "AAA\rB\x1b[31mBB\rCCC \x1b[0mok" + END)
        app.type("\r")
        wait_for_row(db_path, "AAA\nB\x1b[31mBB\nCCC \x1b[0mok")
        app.type("\x11")  # ctrl+q
        assert app.proc.wait(timeout=30) == 0
    finally:
        app.kill()
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute(
            "SELECT kind, text FROM events WHERE kind NOT IN ('declared', 'severity', 'phase', 'draft')"
        )
        # One note, whole; nothing typed as keys (C would have opened Containment, Enter logged).
        assert rows.fetchall() == [("note", "AAA\nB\x1b[31mBB\nCCC \x1b[0mok")]
    finally:
        conn.close()


@pytest.mark.slow
def test_a_pasted_escape_sequence_never_reaches_the_terminal(tmp_path, db_path):
    """The open entry line draws it as visible symbols (safetext.each_visible), not raw."""
    from helpers_proc import PtyApp, declare_checkout_down, isolated_env

    asyncio.run(declare_checkout_down(db_path))
    app = PtyApp("--db", str(db_path), env=isolated_env(tmp_path / "home", db_path))
    try:
        assert app.wait_for("since start")
        app.press_until("l", "backdates")
        since = app.mark()
        app.type(START + "title \x1b]2;PWNED\x07 set-zq" + END)  # OSC 2 sets the terminal's title
        # Waits for the paste drawn whole ("set" alone matched "Severity set to" on the timeline).
        assert app.wait_for("␛]2;PWNED␇ set-zq", since)
        with app._lock:
            drawn = bytes(app.output[since:])
        assert b"\x1b]2;PWNED" not in drawn
    finally:
        app.kill()
