"""Issue 12, the war room's part: a live view that keeps following, text saved while typing
goes on (and on SIGTERM/SIGHUP, and asked about when it cannot be saved), a pasted stack
trace kept whole, a title too long for the header cut instead of lost.

Pilot tests press the real keys and read the database; the signal tests run a real
`warroom` on a pseudo-terminal.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from datetime import timedelta
from time import monotonic

import pytest
from fixed_clock import FIXED_NOW
from pilot import app_for, open_war_room, settle

from warroom.core import db, schema
from warroom.core.ids import uuid7
from warroom.core.store import Store
from warroom.core.timeutil import to_db
from warroom.tui.widgets.timeline import Timeline

pytestmark = pytest.mark.tui

SIZE = (140, 45)


async def wait_until(pilot, condition, timeout: float = 10) -> bool:
    """Let the app run until `condition()` holds (False after `timeout` seconds)."""
    deadline = monotonic() + timeout
    while not condition():
        if monotonic() > deadline:
            return False
        await pilot.pause()
    return True


# ----- 1. the live view keeps following -----------------------------------------------------


def write_events(path, incident_id: str, *rows: tuple[str, timedelta]) -> list[int]:
    """Events as `warroom log` writes them, all in one commit (as a poll finds a burst from
    racing writers): (text, time relative to FIXED_NOW). Returns their seqs."""
    conn = db.open_db(path, create=False)
    try:
        ids = []
        for text, offset in rows:
            params = schema.event_params(
                id=uuid7(),
                incident_id=incident_id,
                ts=to_db(FIXED_NOW + offset),
                recorded_at=to_db(FIXED_NOW),
                kind="note",
                text=text,
                author="cli",
            )
            conn.execute(schema.INSERT_EVENT, params)
            ids.append(params["id"])
        conn.commit()
        return [conn.execute("SELECT seq FROM events WHERE id = ?", (i,)).fetchone()[0] for i in ids]
    finally:
        conn.close()


async def display_order(path, incident_id: str) -> list[int]:
    """The timeline's keys as a war room opened now would read them."""
    store = await Store.open(path, create=False)
    try:
        return await store.timeline_keys(incident_id)
    finally:
        await store.close()


def cursor_on_screen(timeline: Timeline) -> bool:
    top = int(timeline.scroll_y)
    return top <= timeline.cursor < top + timeline.scrollable_content_region.height


@pytest.mark.parametrize("back", [timedelta(seconds=-1), timedelta(hours=-1)], ids=["raced", "backdated-hour"])
async def test_a_war_room_at_the_tail_keeps_following_after_an_older_event(demo_db, playbook, back):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        timeline = screen.query_one(Timeline)
        await pilot.press("end")
        incident = screen.incident_id
        base = timedelta(minutes=1)
        (newest,) = write_events(demo_db, incident, ("the newest so far", base))
        assert await wait_until(pilot, lambda: timeline.selected_seq == newest)
        # A burst: an event older than the newest row, and newer ones after it.
        older, *newer = write_events(
            demo_db,
            incident,
            ("written late, timed earlier", base + back),
            ("after it 1", base + timedelta(seconds=1)),
            ("after it 2", base + timedelta(seconds=2)),
        )
        assert await wait_until(pilot, lambda: newer[-1] in timeline.keys)
        assert timeline.selected_seq == newer[-1]
        await settle(pilot)
        assert cursor_on_screen(timeline)
        assert timeline.keys == await display_order(demo_db, incident)  # the older one took its place
        assert older in timeline.keys
        # And the follow did not stop: the next events are followed too.
        for n in range(3):
            (seq,) = write_events(demo_db, incident, (f"later {n}", base + timedelta(seconds=10 + n)))
            assert await wait_until(pilot, lambda seq=seq: timeline.selected_seq == seq)
        (late,) = write_events(demo_db, incident, ("another late one", base + back))
        (last,) = write_events(demo_db, incident, ("the newest", base + timedelta(seconds=30)))
        assert await wait_until(pilot, lambda: timeline.selected_seq == last)
        await settle(pilot)
        assert cursor_on_screen(timeline)
        assert timeline.keys == await display_order(demo_db, incident)
        assert late in timeline.keys


async def test_a_war_room_reading_back_stays_on_its_row_until_end(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        timeline = screen.query_one(Timeline)
        await pilot.press("end", "up", "up")
        reading = timeline.selected_seq
        incident = screen.incident_id
        older, newer = write_events(
            demo_db, incident, ("timed earlier", timedelta(minutes=-1)), ("newest", timedelta(seconds=1))
        )
        assert await wait_until(pilot, lambda: newer in timeline.keys)
        await settle(pilot)
        assert timeline.selected_seq == reading  # not pulled away from what is being read
        await pilot.press("end")
        assert timeline.selected_seq == newer
        (racing, after) = write_events(
            demo_db, incident, ("lost the race", timedelta(seconds=-5)), ("after", timedelta(seconds=5))
        )
        assert await wait_until(pilot, lambda: after in timeline.keys)
        await settle(pilot)
        assert timeline.selected_seq == after and cursor_on_screen(timeline)
        assert timeline.keys == await display_order(demo_db, incident)


async def test_a_long_timeline_follows_after_a_backdated_event_beyond_the_rows_read(tmp_path, playbook):
    """An event older than every row read so far: the keys are read again, the follow holds."""
    path = tmp_path / "long.db"
    store = await Store.open(path, clock=lambda: FIXED_NOW)
    try:
        incident = await store.declare("Checkout failing", 2, "dana", first_phase=playbook.phases[0].key)
        for n in range(700):
            await store.append(incident.id, "note", f"note {n}", "dana", at=FIXED_NOW - timedelta(seconds=700 - n))
    finally:
        await store.close()
    app = app_for(path, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        timeline = screen.query_one(Timeline)
        first, last = write_events(
            path, incident.id, ("before everything", timedelta(days=-1)), ("the newest", timedelta(seconds=1))
        )
        assert await wait_until(pilot, lambda: last in timeline.keys)
        await settle(pilot)
        assert timeline.keys[0] == first
        assert timeline.selected_seq == last and cursor_on_screen(timeline)


# ----- 3. text on screen is saved while typing goes on -----------------------------------------


async def stored(path, incident_id: str) -> tuple[str, dict[str, str]]:
    """(the handoff draft, the postmortem sections) as the store reads them back."""
    store = await Store.open(path, create=False)
    try:
        state = await store.load_state(incident_id)
        return state.handoff_draft, dict(state.postmortem)
    finally:
        await store.close()


def typed_in(saved: str, before: str, at: int, typed: str) -> bool:
    """Is `saved` the text `before` with the start of `typed` inserted at index `at`?"""
    tail = len(before) - at
    middle = saved[at : len(saved) - tail]
    return saved[:at] == before[:at] and saved[len(saved) - tail :] == before[at:] and typed.startswith(middle)


def cursor_index(editor) -> int:
    return editor.document.get_index_from_location(editor.cursor_location)


async def type_until(pilot, keys: str, saved) -> str:
    """Press `keys` one after another, round and round, until `await saved()` is true:
    typing that never pauses. Returns what was typed."""
    typed = ""
    deadline = monotonic() + 15
    while monotonic() < deadline:
        for key in keys:
            await pilot.press(key)
            typed += key
            if await saved():
                return typed
    raise AssertionError(f"nothing saved while typing {typed[-40:]!r}")


def never_pausing(monkeypatch, cls, at_least_every: float = 0.3) -> None:
    """The debounce never fires (as for a commander who never pauses for it)."""
    monkeypatch.setattr(cls, "SAVE_AFTER_SECONDS", 3600.0)
    monkeypatch.setattr(cls, "SAVE_AT_LEAST_EVERY_SECONDS", at_least_every)


async def open_handoff(pilot):
    from warroom.tui.widgets.handoff import HandoffEditor

    screen = await open_war_room(pilot)
    await pilot.press("h")
    editor = screen.query_one(HandoffEditor)
    assert screen.focused is editor
    return screen, editor


async def test_handoff_typed_without_a_pause_is_saved_while_typing(demo_db, playbook, monkeypatch):
    from warroom.tui.widgets.handoff import HandoffEditor

    never_pausing(monkeypatch, HandoffEditor)
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen, editor = await open_handoff(pilot)
        before, at = editor.text, cursor_index(editor)
        typed = await type_until(
            pilot, "watch the 5xx rate ", lambda: _longer(demo_db, screen.incident_id, len(before), handoff=True)
        )
        draft, _ = await stored(demo_db, screen.incident_id)
        assert typed_in(draft, before, at, typed)
        # And again a while later: not once only.
        more = await type_until(
            pilot, "owner alex ", lambda: _longer(demo_db, screen.incident_id, len(before) + len(typed), handoff=True)
        )
        draft, _ = await stored(demo_db, screen.incident_id)
        assert typed_in(draft, before, at, typed + more)


async def _longer(path, incident_id: str, length: int, handoff: bool = False, section: str = "") -> bool:
    draft, sections = await stored(path, incident_id)
    return len(draft if handoff else sections.get(section, "")) > length


async def test_handoff_is_saved_shortly_after_the_last_key(demo_db, playbook, monkeypatch):
    """The other half: the debounce alone (the every-second save never comes due)."""
    from warroom.tui.widgets.handoff import HandoffEditor

    assert HandoffEditor.SAVE_AFTER_SECONDS <= 0.5 and HandoffEditor.SAVE_AT_LEAST_EVERY_SECONDS <= 1.0
    monkeypatch.setattr(HandoffEditor, "SAVE_AT_LEAST_EVERY_SECONDS", 3600.0)
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen, editor = await open_handoff(pilot)
        await pilot.press(*"rollback done")
        assert await wait_until(pilot, lambda: editor.border_subtitle == "saved")
        draft, _ = await stored(demo_db, screen.incident_id)
        assert draft == editor.text and draft.endswith("rollback done")


async def open_postmortem(pilot):
    from warroom.tui.screens.postmortem import PostmortemScreen

    await open_war_room(pilot)
    await pilot.press("P")
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, PostmortemScreen))
    await settle(pilot)
    return pilot.app.screen


async def test_postmortem_typed_without_a_pause_is_saved_while_typing(demo_db, playbook, monkeypatch):
    from warroom.tui.screens.postmortem import PostmortemScreen

    never_pausing(monkeypatch, PostmortemScreen)
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_postmortem(pilot)
        section = playbook.postmortem_sections[0].key
        editor = screen.query_one(f"#pm-{section}")
        assert screen.focused is editor
        before, at = editor.text, cursor_index(editor)
        typed = await type_until(
            pilot, "checkout failed ", lambda: _longer(demo_db, screen.incident_id, len(before), section=section)
        )
        _, sections = await stored(demo_db, screen.incident_id)
        assert typed_in(sections[section], before, at, typed)


async def test_postmortem_typed_back_to_the_saved_text_saves_nothing_older(demo_db, playbook, monkeypatch):
    from warroom.tui.screens.postmortem import PostmortemScreen

    never_pausing(monkeypatch, PostmortemScreen, at_least_every=3600.0)  # only leaving saves
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_postmortem(pilot)
        section = playbook.postmortem_sections[0].key
        before = screen.query_one(f"#pm-{section}").text
        await pilot.press("x", "backspace")  # back to what is stored
        await settle(pilot)
        await pilot.press("escape")  # leaving saves what is pending
        await settle(pilot)
        _, sections = await stored(demo_db, screen.incident_id)
        assert sections.get(section, "") == before


# ----- 3. quitting with text that could not be saved asks first ---------------------------------


def full_disk(app, monkeypatch) -> None:
    """The store's writes fail as they do on a full disk (the DatabaseError the store raises)."""
    from warroom.core.db import describe_sqlite_error

    async def save_text(*args, **kwargs):
        raise describe_sqlite_error(app.store.path, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(app.store, "save_text", save_text)


async def test_quitting_with_an_unsaved_handoff_asks_before_losing_it(demo_db, playbook, monkeypatch):
    from warroom.tui.screens.quit_questions import LoseUnsavedScreen

    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen, editor = await open_handoff(pilot)
        full_disk(app, monkeypatch)
        await pilot.press(*"the pool is at 80%")
        await pilot.press("ctrl+q")
        assert await wait_until(pilot, lambda: isinstance(app.screen, LoseUnsavedScreen))
        assert app.return_code is None  # still running
        assert "handoff" in str(app.screen.query_one("#lose-unsaved-list").get_option_at_index(1).prompt)
        await pilot.press("enter")  # the first choice is to stay
        assert await wait_until(pilot, lambda: app.screen is screen)
        assert app.return_code is None and editor.text.endswith("the pool is at 80%")
        # Space freed: quitting saves it and exits.
        monkeypatch.undo()
        await pilot.press("ctrl+q")
        assert await wait_until(pilot, lambda: app.return_code is not None)
    draft, _ = await stored(demo_db, screen.incident_id)
    assert draft.endswith("the pool is at 80%")


async def test_quitting_anyway_after_the_question(demo_db, playbook, monkeypatch):
    from warroom.tui.screens.quit_questions import LoseUnsavedScreen

    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_postmortem(pilot)
        full_disk(app, monkeypatch)
        await pilot.press(*"root cause: TTL")
        await pilot.press("ctrl+q")
        assert await wait_until(pilot, lambda: isinstance(app.screen, LoseUnsavedScreen))
        heading = playbook.postmortem_sections[0].heading
        assert f"postmortem: {heading}" in str(app.screen.query_one("#lose-unsaved-list").get_option_at_index(1).prompt)
        await pilot.press("ctrl+q")  # again: the question still stands
        await pilot.pause()
        assert app.return_code is None
        await pilot.press("q")
        assert await wait_until(pilot, lambda: app.return_code is not None)
    _, sections = await stored(demo_db, screen.incident_id)
    assert "root cause: TTL" not in sections.get(playbook.postmortem_sections[0].key, "")


async def test_quitting_with_everything_saved_asks_nothing(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen, _editor = await open_handoff(pilot)
        await pilot.press(*"all good", "ctrl+q")
        assert await wait_until(pilot, lambda: app.return_code is not None)
    draft, _ = await stored(demo_db, screen.incident_id)
    assert draft.endswith("all good")


async def _typed_not_sent(pilot, text: str, opener: str = "l"):
    """The war room with `text` typed into the entry line (opened by `opener`), Enter not pressed."""
    from warroom.tui.widgets.entry import EntryLine

    screen = await open_war_room(pilot)
    await pilot.press(opener, *text)
    line = screen.query_one(EntryLine)
    assert await wait_until(pilot, lambda: line.input.value == text)
    return screen


async def test_quitting_with_a_line_typed_and_not_sent_asks_and_staying_keeps_it(demo_db, playbook):
    from warroom.tui.screens.quit_questions import UnsentEntryScreen
    from warroom.tui.widgets.entry import EntryLine

    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _typed_not_sent(pilot, "a: failing over the primary")
        await pilot.press("ctrl+q")
        assert await wait_until(pilot, lambda: isinstance(app.screen, UnsentEntryScreen))
        assert "failing over the primary" in str(app.screen.query_one("#unsent-box").border_title)
        await pilot.press("enter")  # the first choice is to stay
        assert await wait_until(pilot, lambda: app.screen is screen)
        assert app.return_code is None
        assert screen.query_one(EntryLine).input.value == "a: failing over the primary"
    assert await logged(demo_db, screen.incident_id, "failing over the primary") == []


async def test_quitting_can_send_the_line_first(demo_db, playbook):
    from warroom.tui.screens.quit_questions import UnsentEntryScreen

    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _typed_not_sent(pilot, "a: failing over the primary")
        await pilot.press("ctrl+q")
        assert await wait_until(pilot, lambda: isinstance(app.screen, UnsentEntryScreen))
        await pilot.press("2", "enter")  # send it, then quit
        assert await wait_until(pilot, lambda: app.return_code is not None)
    [event] = await logged(demo_db, screen.incident_id, "failing over the primary")
    assert event.kind == "action"  # sent as Enter sends it: the a: prefix read


async def test_quitting_without_the_line_when_asked_to(demo_db, playbook):
    from warroom.tui.screens.quit_questions import UnsentEntryScreen

    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _typed_not_sent(pilot, "half a thought")
        await pilot.press("ctrl+q")
        assert await wait_until(pilot, lambda: isinstance(app.screen, UnsentEntryScreen))
        await pilot.press("q")
        assert await wait_until(pilot, lambda: app.return_code is not None)
    assert await logged(demo_db, screen.incident_id, "half a thought") == []


async def test_an_enter_typed_just_before_ctrl_q_logs_the_line_and_asks_nothing(demo_db, playbook):
    from test_tui_typeahead import type_ahead

    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        type_ahead(app, ["l", *"sent before quitting", "enter", "ctrl+q"])  # one burst, as typed fast
        assert await wait_until(pilot, lambda: app.return_code is not None)
    assert await logged(demo_db, screen.incident_id, "sent before quitting")


async def test_a_search_typed_is_not_asked_about(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await _typed_not_sent(pilot, "latency", opener="/")
        await pilot.press("ctrl+q")
        assert await wait_until(pilot, lambda: app.return_code is not None)


# ----- 3. SIGTERM and SIGHUP save before exiting (a real warroom on a pseudo-terminal) -----------

SITECUSTOMIZE = """
# The autosave never comes due in this child: only the signal's save can put text on disk.
import sys

sys.path.insert(0, {root!r})  # the tree under test (sys.path gets the working folder only after this)

from warroom.tui.screens.postmortem import PostmortemScreen
from warroom.tui.widgets.handoff import HandoffEditor

for cls in (HandoffEditor, PostmortemScreen):
    cls.SAVE_AFTER_SECONDS = 3600.0
    cls.SAVE_AT_LEAST_EVERY_SECONDS = 3600.0
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    "signum, where, close_terminal",
    [
        (signal.SIGTERM, "handoff", False),
        (signal.SIGHUP, "handoff", True),
        (signal.SIGHUP, "postmortem", True),
        (signal.SIGHUP, "entry", True),
    ],
    ids=["sigterm-handoff", "sighup-handoff-terminal-gone", "sighup-postmortem-terminal-gone", "sighup-entry-line"],
)
def test_a_signal_saves_the_text_on_screen_before_exiting(tmp_path, db_path, signum, where, close_terminal):
    from helpers_proc import ROOT, PtyApp, declare_checkout_down, isolated_env

    incident = asyncio.run(declare_checkout_down(db_path))
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE.format(root=str(ROOT)))
    env = isolated_env(tmp_path / "home", db_path, PYTHONPATH=str(site))
    app = PtyApp("--db", str(db_path), env=env)
    closed = False
    try:
        assert app.wait_for("since start")
        if where == "handoff":
            app.press_until("h", "esc Done", at=(app.lines, 1))  # the editor has the keys
        elif where == "postmortem":
            app.press_until("P", "Generated from the timeline")
        else:  # the entry line: typed, Enter never pressed
            app.type("l")
        since = app.mark()
        app.type("typed-before-the-signal")
        assert app.wait_for("typed-before-the-signal", since)
        if close_terminal:  # the terminal window is gone: nothing can be drawn any more
            os.close(app.master)
            closed = True
        app.proc.send_signal(signum)
        code = app.proc.wait(timeout=30)
    finally:
        if closed:
            if app.proc.poll() is None:
                os.killpg(app.proc.pid, signal.SIGKILL)
                app.proc.wait(timeout=30)
        else:
            app.kill()
    assert code == 128 + signum  # it ran its own exit, not the signal's default
    draft, sections = asyncio.run(stored(db_path, incident))
    if where == "entry":  # sent as Enter would have sent it: nobody was there to ask
        assert asyncio.run(logged(db_path, incident, "typed-before-the-signal"))
    elif where == "handoff":
        assert "typed-before-the-signal" in draft
    else:
        assert any("typed-before-the-signal" in text for text in sections.values())


# ----- 5. a multi-line paste into the entry line is kept whole ---------------------------------

TRACE = """Traceback (most recent call last):
  File "/srv/checkout/pay.py", line 88, in charge
    resp = client.post(url, json=body, timeout=2)
  File "/srv/checkout/client.py", line 41, in post
\traise TLSHandshakeError(host)
client.TLSHandshakeError: gateway.example:443"""


async def paste(pilot, text: str) -> None:
    """What the terminal sends for a bracketed paste, to the focused widget."""
    from textual import events

    pilot.app.focused.post_message(events.Paste(text))
    await settle(pilot)


async def logged(path, incident_id: str, text: str) -> list:
    store = await Store.open(path, create=False)
    try:
        state = await store.load_state(incident_id)
        return [e for e in state.events if e.text == text]
    finally:
        await store.close()


async def test_a_pasted_stack_trace_is_logged_whole_as_one_event(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await pilot.press("l", *"!: ")
        await paste(pilot, TRACE.replace("\n", "\r\n") + "\r\n")  # as a terminal sends it
        await pilot.press("enter")
        await settle(pilot)
        (event,) = await logged(demo_db, screen.incident_id, TRACE)
        assert event.kind == "alert"
        timeline = screen.query_one(Timeline)
        assert timeline.selected_seq == event.seq


async def test_a_long_paste_is_confirmed_first(demo_db, playbook):
    from warroom.tui.screens.paste_confirm import PasteConfirm
    from warroom.tui.widgets.entry import EntryInput

    long_trace = "\n".join(f"  at frame {n} (Checkout.java:{n})" for n in range(EntryInput.PASTE_CONFIRM_LINES + 5))
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await pilot.press("l")
        entry = screen.query_one("#entry-input", EntryInput)
        await paste(pilot, long_trace)
        assert isinstance(app.screen, PasteConfirm)
        await pilot.press("escape")  # not this one
        await settle(pilot)
        assert app.screen is screen and entry.value == "" and entry.has_focus
        await paste(pilot, long_trace)
        assert isinstance(app.screen, PasteConfirm)
        await pilot.press("enter")  # the first choice: paste it all
        await settle(pilot)
        assert app.screen is screen and entry.has_focus
        await pilot.press("enter")
        await settle(pilot)
        assert len(await logged(demo_db, screen.incident_id, long_trace.strip())) == 1


async def test_amending_a_multi_line_event_keeps_its_lines(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await pilot.press("l")
        await paste(pilot, TRACE)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("e", "end", *" (seen twice)", "enter")
        await settle(pilot)
        state_events = await logged(demo_db, screen.incident_id, TRACE)
        assert len(state_events) == 1 and state_events[0].amended_text == TRACE + " (seen twice)"


# ----- 12. a title too long for the header is cut, never lost -----------------------------------


def drawn(widget) -> str:
    """The first line of a widget as it is drawn."""
    from textual.geometry import Region

    return widget.render_lines(Region(0, 0, widget.outer_size.width, 1))[0].text


@pytest.mark.parametrize("size", [SIZE, (80, 24)], ids=["wide", "narrow"])
@pytest.mark.parametrize("word", ["x" * 100_000, "word " * 20_000], ids=["one-word", "many-words"])
async def test_a_huge_title_is_cut_and_the_header_keeps_severity_title_and_clocks(tmp_path, playbook, size, word):
    path = tmp_path / "long-title.db"
    store = await Store.open(path, clock=lambda: FIXED_NOW)
    try:
        await store.declare("Checkout " + word, 1, "dana", first_phase=playbook.phases[0].key)
    finally:
        await store.close()
    app = app_for(path, playbook)
    async with app.run_test(size=size) as pilot:
        screen = await open_war_room(pilot)
        header = screen.query_one("#header")
        line = header.render_line(0).text
        sev, title, phase, clocks = (header.part(name).plain for name in ("sev", "title", "phase", "clocks"))
        assert "SEV-1" in sev and "Assess" in phase and "0s" in clocks
        # All of it inside the screen, side by side on the first row: the title cut with "…".
        assert header.region.y == 0 and len(line) == size[0]
        assert line.index(sev) < line.index("Checkout " + word[:10]) < line.index("…") < line.index(phase)
        assert line.rstrip().endswith(clocks)


AFTER_THE_APP = """
import asyncio, os, signal, sys

sys.path.insert(0, {root!r})
sys.path.insert(0, {tests!r})
from pilot import app_for
from warroom.core import playbook


async def main():
    app = app_for({db!r}, playbook.load())
    async with app.run_test() as pilot:
        await pilot.pause()
    # The app is over, the loop runs on (as in a test process): SIGTERM must end the process.
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.sleep(30)
    print("still running", flush=True)


asyncio.run(main())
"""


def test_a_signal_after_the_app_ended_does_what_it_always_does(tmp_path, db_path):
    import subprocess
    import sys

    from helpers_proc import ROOT, declare_checkout_down, isolated_env

    asyncio.run(declare_checkout_down(db_path))
    script = AFTER_THE_APP.format(root=str(ROOT), tests=str(ROOT / "tests"), db=str(db_path))
    env = isolated_env(tmp_path / "home", db_path)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=60)
    assert done.returncode == -signal.SIGTERM, done.stdout + done.stderr


PASTED_SEQUENCE = "before \x1b]2;PWNED\x07 \x1b[31mred\x1b[0m after"


async def test_a_paste_into_an_editor_shows_its_control_characters_as_symbols(demo_db, playbook):
    """A paste keeps its escape sequences (tui/paste.py) and Textual's editors draw what they
    hold raw: the app gives them visible symbols (the entry line takes the paste exact)."""
    from textual import events

    from warroom.tui.widgets.entry import EntryLine

    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen, editor = await open_handoff(pilot)
        app.post_message(events.Paste(PASTED_SEQUENCE))  # as the driver posts it
        assert await wait_until(pilot, lambda: "PWNED" in editor.text)
        assert "before ␛]2;PWNED␇ ␛[31mred␛[0m after" in editor.text and "\x1b" not in editor.text
        drawn = "".join(segment.text for y in range(editor.size.height) for segment in editor.render_line(y))
        assert "\x1b" not in drawn and "\x07" not in drawn

        await pilot.press("escape", "l")
        entry = screen.query_one(EntryLine)
        assert await wait_until(pilot, lambda: entry.is_open)
        app.post_message(events.Paste(PASTED_SEQUENCE))
        assert await wait_until(pilot, lambda: "PWNED" in entry.input.value)
        assert entry.input.value == PASTED_SEQUENCE  # exact: what Enter logs
