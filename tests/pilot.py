"""Helpers the Pilot tests share: wait for the app to settle, build it on a fixed clock,
and read the database behind it."""

from __future__ import annotations

import io
import sqlite3
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from fixed_clock import FIXED_NOW
from rich.console import Console
from textual.app import App
from textual.widgets import Input, TextArea

from warroom.tui.app import build_app
from warroom.tui.screens.warroom import WarRoomScreen


async def settle(pilot, rounds: int = 3) -> None:
    """Let queued messages, refreshes and workers finish (no fixed sleeps)."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()


async def wait_until(pilot, done, what: str, timeout: float = 20.0) -> None:
    """Let the app run until `done()` holds (a debounced save, a reload): no fixed pause, and
    the timeout only ends a wait that would never end (a busy machine is slow, not wrong)."""
    from time import monotonic

    deadline = monotonic() + timeout
    while not done():
        assert monotonic() < deadline, f"never happened: {what}"
        await pilot.pause(0.02)
        await settle(pilot, rounds=1)


async def type_text(pilot, text: str) -> None:
    """Put `text` into the focused Input or TextArea as typing would (at the cursor, over a
    selection) but in one edit, as a paste does: for words a test needs in a field, not for
    keys it tests. A key costs a screen update (~50-120 ms on a 2-core machine), so press
    keys one by one only where the keys themselves are what is tested."""
    await pilot.pause()  # a focus() just called, or a key that opened a screen, lands first
    for _ in range(200):
        widget = pilot.app.focused
        if isinstance(widget, Input | TextArea):
            break
        await pilot.pause(0.01)
    if isinstance(widget, Input):
        if widget.selection.is_empty:
            widget.insert_text_at_cursor(text)
        else:
            widget.replace(text, *widget.selection)
    elif isinstance(widget, TextArea):
        if widget.selection.is_empty:
            widget.insert(text)
        else:
            widget.replace(text, *widget.selection)
    else:
        raise AssertionError(f"nothing to type {text!r} into: {widget!r} has focus")
    await pilot.pause()


@dataclass(frozen=True)
class Note:
    message: str
    title: str
    severity: str


# What each app notified, kept: toasts (and Textual's own list of them) expire after 5 s of
# wall-clock time, which a busy machine can spend between the notify and the assert.
NOTIFIED: WeakKeyDictionary[App, list[Note]] = WeakKeyDictionary()


def record_notifications(monkeypatch) -> None:
    """Keep every `App.notify` (Textual's public call) for `notifications(app)` (conftest does
    this for every test marked tui)."""
    original = App.notify

    def notify(self, message, *, title="", severity="information", **kwargs):
        NOTIFIED.setdefault(self, []).append(Note(str(message), str(title), str(severity)))
        return original(self, message, title=title, severity=severity, **kwargs)

    monkeypatch.setattr(App, "notify", notify)


def notifications(app) -> list[Note]:
    """Every notification `app` showed, oldest first, expired or not."""
    return list(NOTIFIED.get(app, []))


def app_for(path, playbook):
    return build_app(path, playbook, clock=lambda: FIXED_NOW)


async def open_war_room(pilot) -> WarRoomScreen:
    await settle(pilot)
    assert isinstance(pilot.app.screen, WarRoomScreen)
    return pilot.app.screen


def query(path, sql: str, params=()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def drawn(prompt) -> str:
    """An option's prompt as drawn (a Text, or a grid with a hanging indent), wide enough not to
    wrap, each line's trailing blanks cut."""
    console = Console(width=400, record=True, file=io.StringIO(), color_system=None)
    console.print(prompt)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())
