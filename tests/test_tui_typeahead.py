"""Keys typed ahead into the entry line keep their order: none is lost, none joins another entry.

A terminal hands over fast typing (and whatever was typed while the war room started) all at
once, so every key is queued before the first is handled: these tests post them that way, as
the terminal's driver does (sent by the app). A slow disk holds the first write while the keys
behind its Enter arrive. Real keys, then the database read back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import pytest
from pilot import app_for, open_war_room, query, settle, wait_until
from textual import events

from warroom.tui.controllers.live import LiveFeed
from warroom.tui.widgets.entry import EntryLine
from warroom.tui.widgets.timeline import Timeline

pytestmark = pytest.mark.tui

SIZE = (140, 45)
# Enter as the terminal delivers it when typed before the app takes the keyboard (ICRNL: \r -> \n).
EARLY_ENTER = "ctrl+j"
NAMES = {" ": "space", ",": "comma", ":": "colon", ">": "greater_than_sign"}
CHARACTERS = {"enter": "\r", EARLY_ENTER: "\n"}


def key(name: str) -> events.Key:
    """A key as the terminal's driver posts it: a letter by its name, sent by the app."""
    if len(name) == 1:
        return events.Key(NAMES.get(name, name), name)
    return events.Key(name, CHARACTERS.get(name))


def type_ahead(app, keys: Iterable[str]) -> None:
    """Every key queued at once, before the first is handled."""
    for name in keys:
        app.post_message(key(name).set_sender(app))


def typed(text: str) -> list[str]:
    return list(text)


def notes(path) -> list[str]:
    return [row["text"] for row in query(path, "SELECT text FROM events WHERE kind = 'note' ORDER BY seq")]


class SlowDisk:
    """The store's writes wait until `release`: the keys typed behind an Enter arrive meanwhile.
    (No Pilot pause while they wait: Pilot waits for every widget's queue, and the entry
    line's holds the keys typed behind the Enter until the write is done.)"""

    def __init__(self, store) -> None:
        self.store, self.gate, self.writing = store, asyncio.Event(), asyncio.Event()
        self.real = store.append

        async def append(*args, **kwargs):
            self.writing.set()
            await self.gate.wait()
            return await self.real(*args, **kwargs)

        store.append = append

    async def release_when_writing(self) -> None:
        async with asyncio.timeout(20):  # ends only a wait that would never end
            await self.writing.wait()
        self.gate.set()
        self.store.append = self.real


async def logged(pilot, path, before: list[str], count: int) -> list[str]:
    await wait_until(pilot, lambda: len(notes(path)) >= len(before) + count, f"{count} new notes")
    await settle(pilot)
    return notes(path)[len(before) :]


async def test_keys_typed_behind_enter_start_the_next_entry_not_join_the_last(demo_db, playbook):
    """`l rolled back ⏎ l errors dropping ⏎` typed at once: two entries. Textual ran the
    input's Enter binding only when the key came back up to the app, after the keys queued
    behind it were typed in: `rolled backlerrors dropping`, once."""
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        before, disk = notes(demo_db), SlowDisk(app.store)
        type_ahead(app, ["l", *typed("rolled back"), "enter", "l", *typed("errors dropping"), "enter"])
        await disk.release_when_writing()
        assert await logged(pilot, demo_db, before, 2) == ["rolled back", "errors dropping"]
        entry = screen.query_one(EntryLine)
        assert not entry.is_open and entry.input.value == "" and isinstance(app.focused, Timeline)


async def test_keys_pressed_by_pilot_without_pauses_too(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        before = notes(demo_db)
        await pilot.press("l", *"one", "enter", "l", *"two", "enter", "l", *"three", "enter")
        assert await logged(pilot, demo_db, before, 3) == ["one", "two", "three"]


@pytest.mark.parametrize("enter", [EARLY_ENTER, "enter"])
async def test_entries_typed_while_the_war_room_starts_are_logged(demo_db, playbook, monkeypatch, enter):
    """Typed before the first frame: the text waited in the entry line but its Enter was lost,
    because the terminal had turned it into ctrl+j before the app took the keyboard."""
    load = LiveFeed.load

    async def typed_while_loading(feed, *args, **kwargs):
        type_ahead(feed.timeline.app, ["l", *typed("paged db team"), enter, "l", *typed("db on call"), enter])
        return await load(feed, *args, **kwargs)

    monkeypatch.setattr(LiveFeed, "load", typed_while_loading)
    before = notes(demo_db)
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        assert await logged(pilot, demo_db, before, 2) == ["paged db team", "db on call"]
        entry = app.screen.query_one(EntryLine)
        assert not entry.is_open and isinstance(app.focused, Timeline)


async def test_editing_keys_typed_ahead_edit_in_the_order_typed(demo_db, playbook):
    """Backspace and Home are the input's bindings too: run late, Backspace ate the `d` typed
    after it and the `>` typed after Home went to the end."""
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        before = notes(demo_db)
        type_ahead(app, ["l", *typed("abcx"), "backspace", "d", "home", ">", "enter"])
        assert await logged(pilot, demo_db, before, 1) == [">abcd"]


async def test_escape_typed_ahead_cancels_before_the_keys_behind_it(demo_db, playbook):
    """Run late, Escape closed the line after `l def ⏎` were typed into it: nothing logged."""
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        before = notes(demo_db)
        type_ahead(app, ["l", *typed("never mind"), "escape", "l", *typed("def"), "enter"])
        assert await logged(pilot, demo_db, before, 1) == ["def"]


async def test_a_paste_behind_enter_is_the_next_entry(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        before, disk = notes(demo_db), SlowDisk(app.store)
        type_ahead(app, ["l", *typed("abc"), "enter", "l"])
        app.post_message(events.Paste("Traceback:\n  at Checkout.pay").set_sender(app))
        type_ahead(app, ["enter"])
        await disk.release_when_writing()
        assert await logged(pilot, demo_db, before, 2) == ["abc", "Traceback:\n  at Checkout.pay"]


async def test_keys_behind_a_refused_enter_stay_with_its_text(demo_db, playbook):
    """A refused entry stays open with its text; what was typed behind the Enter is added to
    it (nothing lost), and nothing is logged."""
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        before = notes(demo_db)
        type_ahead(app, ["l", *typed("25:99 c: x"), "enter", *typed("yz")])
        entry = screen.query_one(EntryLine)
        await wait_until(pilot, lambda: entry.input.value == "25:99 c: xyz", "the keys typed in")
        await settle(pilot)
        assert entry.is_open and not entry.busy and notes(demo_db) == before


async def test_quitting_behind_an_enter_still_being_written_ends_the_app(demo_db, playbook):
    """Ctrl+Q (run as the app takes it) typed behind an Enter: the war room closes before it
    answers the Enter, and the entry line stops waiting for that answer (it hung the quit)."""
    from warroom.tui.screens.quit_questions import UnsentEntryScreen

    app = app_for(demo_db, playbook)
    async with asyncio.timeout(30):  # fails a quit that would never end
        async with app.run_test(size=SIZE) as pilot:
            await open_war_room(pilot)
            before, disk = notes(demo_db), SlowDisk(app.store)
            type_ahead(app, ["l", *typed("abc"), "enter", "l", *typed("def"), "ctrl+q"])
            await disk.release_when_writing()
            # abc is written; def, typed behind it and never sent, is asked about (not lost).
            await wait_until(pilot, lambda: isinstance(app.screen, UnsentEntryScreen), "the unsent-line question")
            assert app.screen.text == "def"
            await pilot.press("2", "enter")  # send it, then quit
    assert not app.is_running
    assert notes(demo_db)[len(before) :] == ["abc", "def"]


async def test_keys_handled_returns_once_the_keys_typed_before_are(demo_db, playbook):
    """What a priority key (Ctrl+Q: run as the app takes it, ahead of the keys typed before it
    that the input has not handled yet) awaits before asking whether a line is still unsent."""
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        entry, before, seen = screen.query_one(EntryLine), notes(demo_db), []

        async def priority_key() -> None:  # in the app, after the keys before it were handed on
            await entry.keys_handled()
            seen.append((notes(demo_db)[len(before) :], entry.is_open))

        type_ahead(app, ["l", *typed("abc"), "enter"])
        app.call_later(priority_key)
        await wait_until(pilot, lambda: seen, "the keys typed before handled")
        assert seen == [(["abc"], False)]


@pytest.mark.parametrize(
    "keys, kind, text",
    [
        (["M", "2", "enter"], "mitigation", "Mitigation: Partial restore"),
        (["C", "2", "enter"], "decision", None),
        (["s", "1", "enter"], "severity", "Severity SEV-2 → SEV-1"),
    ],
    ids=["mitigation", "containment", "severity"],
)
async def test_a_choice_typed_with_the_key_that_opens_its_dialog(demo_db, playbook, keys, kind, text):
    """`M 2 ⏎` in one burst (over SSH, or typed fast): the 2 and the Enter reached the war room's
    timeline before the dialog existed, and the Enter confirmed the dialog's first choice."""
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        before = query(demo_db, "SELECT count(*) AS n FROM events")[0]["n"]
        type_ahead(app, keys)

        def written():
            return query(demo_db, "SELECT kind, text FROM events WHERE seq > ? ORDER BY seq", (before,))

        await wait_until(pilot, lambda: any(r["kind"] == kind for r in written()), f"the {kind} written")
        row = next(r for r in written() if r["kind"] == kind)
        expected = text or f"{playbook.containment[1].situation}:"
        assert row["text"].startswith(expected), row["text"]


async def test_a_title_typed_with_ctrl_s_declares_with_that_title(db_path, playbook):
    """`Search down ^S` in one burst: ctrl+s (a priority key) ran before the title was typed in
    and refused an empty title; the title then landed in the form."""
    from pilot import settle

    from warroom.tui.screens.declare import DeclareScreen
    from warroom.tui.screens.warroom import WarRoomScreen

    app = app_for(db_path, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DeclareScreen)
        type_ahead(app, [*typed("Search down"), "ctrl+s"])
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the war room")
    assert [r["title"] for r in query(db_path, "SELECT title FROM incidents")] == ["Search down"]


async def test_a_temporary_fix_typed_in_one_burst_fills_each_field(demo_db, playbook):
    """`T what2 ⏎ where2 ⏎ TICK-2 ⏎` typed fast: each Enter moved on only once the field's Input
    handled it, after the keys behind it had reached that Input (all in What, found in a walk)."""
    import json

    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        type_ahead(app, ["T", *typed("what2"), "enter", *typed("where2"), "enter", *typed("TICK-2"), "enter"])

        def added():
            rows = query(demo_db, "SELECT data FROM events WHERE kind = 'tempfix' ORDER BY seq")
            return [json.loads(r["data"]) for r in rows if json.loads(r["data"]).get("what") == "what2"]

        await wait_until(pilot, lambda: bool(added()), "the temporary fix written")
        assert {k: added()[0][k] for k in ("what", "where", "ticket")} == {
            "what": "what2",
            "where": "where2",
            "ticket": "TICK-2",
        }


async def test_an_action_item_typed_in_one_burst_fills_each_field(demo_db, playbook):
    """ctrl+n, `abc` Tab `def` ctrl+s typed fast: the Tab reached the Action field behind the keys
    and was lost (`abcdef` in Action); ctrl+s saved before the last keys were typed in."""
    from test_tui_postmortem import action_items, open_postmortem

    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_postmortem(pilot)
        table = screen.query_one("#pm-actions")
        before = table.row_count
        type_ahead(app, ["ctrl+n", *typed("abc"), "tab", *typed("def"), "ctrl+s"])
        await wait_until(pilot, lambda: table.row_count > before, "the action item saved")
        assert app.screen is screen
    typed_in = [(r["action"], r["owner"]) for r in await action_items(demo_db) if r["action"].startswith("abc")]
    assert typed_in == [("abc", "def")]


async def test_postmortem_sections_typed_in_one_burst_each_get_their_own_words(demo_db, playbook):
    """`summary words` Tab `cause words` typed fast: the Tab moved the focus behind the keys
    queued for the first section, and the second section's words landed in the first (a walker:
    ~40 characters late, the sections glued together)."""
    from test_tui_postmortem import open_postmortem

    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_postmortem(pilot)
        first, second = (screen.query_one(f"#pm-{s.key}") for s in playbook.postmortem_sections[:2])
        first.text = second.text = ""
        first.focus()
        await settle(pilot)
        type_ahead(app, [*typed("one two"), "tab", *typed("three four")])
        await wait_until(pilot, lambda: "four" in second.text or "four" in first.text, "the keys handled")
        assert (first.text, second.text) == ("one two", "three four")


async def test_an_enter_right_behind_a_long_paste_answers_its_confirmation(demo_db, playbook):
    """`l`, a 2,000-line paste, Enter, all at once: the Enter reached the line's input behind the
    paste, after the input had put the confirmation in front, and was lost there (the dialog stayed
    open; found in a new-user walk). It is the dialog's: Paste all, then Enter logs it whole."""
    from warroom.tui.widgets.entry import EntryInput

    big = "\n".join(f"line {i} of the stack trace" for i in range(2000))
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        type_ahead(app, ["l"])
        app.post_message(events.Paste(big).set_sender(app))
        type_ahead(app, ["enter"])
        entry = screen.query_one(EntryInput)
        await wait_until(pilot, lambda: app.screen is screen and entry.value.startswith("line 0"), "the paste taken")
        await pilot.press("enter")
        await wait_until(pilot, lambda: big in notes(demo_db), "the paste logged whole")
