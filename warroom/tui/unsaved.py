"""Text on screen that is not in the database yet: when to save it, saving it all before the
app ends (quit, SIGTERM, SIGHUP), and asking before quitting throws away what would not save.

The editors (the handoff pane, the postmortem sections) save themselves while typed into:
at most `after` seconds after the last key, and at least every `at_least_every` seconds
while typing goes on (`next_save_in`). What is still unsaved when the app is asked to end
is written first (`save_everything`); text that cannot be written (a full disk) is never
dropped without a question (`quit_after_saving`). A terminal that closes or an SSH session
that drops sends SIGHUP, a service manager SIGTERM: both save, then exit (`save_on_signals`).

A line typed into the entry line and not yet sent (Enter) is asked about before quitting:
stay, log it then quit, or quit without it (warroom/tui/screens/quit_questions.py, imported
when a quit asks: not part of the war room's start-up). A signal has nobody to ask:
the line is sent as Enter would send it, then everything is saved.
"""

from __future__ import annotations

import asyncio
import signal
from typing import TYPE_CHECKING

from warroom.core.errorlog import report

if TYPE_CHECKING:
    from textual.app import App

    from warroom.tui.widgets.entry import EntryLine

# What the entry line holds in these modes is the commander's words for the record (a search
# is not: quitting drops it without a question).
RECORD_MODES = ("log", "amend", "strike", "answer")

# A signal's save gets this long; a store that hangs must not keep a closed terminal's process alive.
SIGNAL_SAVE_SECONDS = 10.0


# The shortest wait a save timer is given (Textual's timers divide by their interval: not 0).
MIN_SAVE_DELAY = 0.01


def next_save_in(unsaved_since: float, now: float, after: float, at_least_every: float) -> float:
    """Seconds until the next save of text that changed at `now` and has been unsaved since
    `unsaved_since`: the debounce `after`, cut short so no text waits past `at_least_every`."""
    return max(MIN_SAVE_DELAY, min(after, unsaved_since + at_least_every - now))


def _entry_line(app: App) -> EntryLine | None:
    """The war room's entry line, if a war room is on the screen stack."""
    from warroom.tui.widgets.entry import EntryLine

    room = getattr(app, "war_room", None)
    lines = room.query(EntryLine) if room is not None and room.is_mounted else None
    return lines.first() if lines else None


def unsent_entry(app: App) -> EntryLine | None:
    """The war room's entry line, when it holds words for the record not sent yet."""
    line = _entry_line(app)
    if line is None or not line.is_open or line.mode not in RECORD_MODES or not line.input.value.strip():
        return None
    return line


async def settle_entry(app: App) -> None:
    """Wait until the entry line has handled every key typed before now."""
    line = _entry_line(app)
    if line is not None:
        await line.keys_handled()


async def send_unsent(app: App) -> None:
    """Send what the entry line holds, as Enter would (a signal's save: nobody to ask)."""
    line = unsent_entry(app)
    if line is not None:
        await line.submit(line.input.value)


async def save_everything(app: App) -> list[str]:
    """Write every editor's unsaved text, on every screen; what still is not saved, in words."""
    from warroom.tui.screens.postmortem import PostmortemScreen
    from warroom.tui.screens.warroom import WarRoomScreen
    from warroom.tui.widgets.handoff import HandoffEditor

    missing: list[str] = []
    for screen in list(app.screen_stack):
        if isinstance(screen, PostmortemScreen):
            await screen.flush()
            missing += [f"postmortem: {heading}" for heading in screen.unsaved_sections()]
        elif isinstance(screen, WarRoomScreen) and screen.is_mounted:
            await screen.handoff.save_now()
            editors = screen.query(HandoffEditor)
            if editors and editors.first().unsaved:
                missing.append("the handoff draft")
    return missing


async def quit_after_saving(app: App, entry_settled: bool = False, caught_up: bool = False) -> None:
    """Save everything, then exit; if something would not save, ask first. A line typed and
    not sent is asked about first (`entry_settled`: it has been).

    Ctrl+Q runs as the app takes it, ahead of the keys typed before it: those are handled
    first (an Enter among them writes its line), and the quit goes on behind whatever they
    handed back to the app meanwhile (`caught_up`): `l abc ⏎ l def ^Q` typed during a slow
    write logs abc, then asks about def."""
    from warroom.tui.screens.quit_questions import LoseUnsavedScreen, UnsentEntryScreen

    if isinstance(app.screen, LoseUnsavedScreen | UnsentEntryScreen):
        return  # already asking: the question's answer decides
    if not entry_settled:
        await settle_entry(app)
        if not caught_up:
            app.call_later(quit_after_saving, app, False, True)
            return
    line = None if entry_settled else unsent_entry(app)
    if line is not None:

        async def decided(choice: str | None) -> None:
            if choice == "send":
                await line.submit(line.input.value)
                if unsent_entry(app) is not None:  # refused (its error is on screen): stay
                    return
            if choice in ("send", "discard"):
                await quit_after_saving(app, entry_settled=True)

        app.push_screen(UnsentEntryScreen(line.mode, line.input.value), decided)
        return
    missing = await save_everything(app)
    if not missing:
        app.exit()
        return

    def answered(lose: bool | None) -> None:
        if lose:
            app.exit()

    app.notify("Not saved: " + ", ".join(missing), severity="error", timeout=10)
    app.push_screen(LoseUnsavedScreen(missing), answered)


def save_on_signals(app: App) -> None:
    """SIGTERM and SIGHUP save every editor's text, then end the app (code 128 + signal).

    Without this, either ended the process at once: text typed since the last autosave was
    lost when a terminal closed or an SSH session dropped."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    tasks: set[asyncio.Task] = set()

    async def save_then_exit(signum: int) -> None:
        for step in (send_unsent, save_everything):  # the line typed, then the editors: each on its own
            try:
                await asyncio.wait_for(step(app), SIGNAL_SAVE_SECONDS)
            except Exception as exc:  # exiting is what was asked: nothing to show it on, so the log file
                report(exc, "saving before exiting on a signal")
        app.exit(return_code=128 + signum)

    def received(signum: int) -> None:
        # A second signal while saving: the default action (the process ends at once).
        for sig in (signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)
        if not app.is_running:  # the app is over (its loop ran on): the signal does what it always does
            signal.raise_signal(signum)
            return
        task = loop.create_task(save_then_exit(signum))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            loop.add_signal_handler(sig, received, sig)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
            return
