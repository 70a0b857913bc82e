"""The event detail modal: a timeline event in full, literally, with what was done to it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fixed_clock import FIXED_NOW
from pilot import app_for, notifications, settle
from snapshot_helpers import NARROW, press, with_store
from textual.app import App

from warroom.core.store import Store
from warroom.tui.app import WarroomApp
from warroom.tui.screens.event_detail import EventDetail, event_marks, open_event_detail
from warroom.tui.screens.warroom import WarRoomScreen

pytestmark = pytest.mark.tui

SIZE = (140, 45)
LONG = "Gateway logs show TLS handshake timeouts from the new payment client only; " * 12 + "END-OF-TEXT"


@pytest.fixture
def seeded(demo_db):
    """The demo plus events the timeline cannot show whole: long, struck, amended, markup."""

    async def seed(store: Store) -> dict:
        [incident] = await store.incidents()
        iid = incident.id
        long = await store.append(iid, "note", LONG, "alex", at=FIXED_NOW - timedelta(minutes=30))
        await store.strike(long, "dana", "wrong incident: this was the staging gateway")
        await store.pin(long, "sam")
        amended = await store.append(iid, "hypothesis", "DNS is flapping", "sam")
        await store.amend(amended, "DNS is fine: the resolver cache was cold", "sam")
        markup = await store.append(iid, "note", "[/x] [bold red]not bold[/bold red] esc:\x1b[31m", "alex")
        bare = await store.append(iid, "note", "strike me without a reason", "alex")
        await store.strike(bare, "dana")
        return {"long": long, "amended": amended, "markup": markup, "bare": bare}

    return demo_db, with_store(demo_db, seed)


def shown(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def open_detail(pilot, event) -> EventDetail:
    await settle(pilot)
    await open_event_detail(pilot.app, pilot.app.store, event)
    await settle(pilot)
    assert isinstance(pilot.app.screen, EventDetail)
    return pilot.app.screen


async def test_a_long_struck_event_in_full_with_its_reason(seeded, playbook):
    path, events = seeded
    app = app_for(path, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, events["long"])
        text = shown(screen, "#event-detail-text")
        assert "END-OF-TEXT" in text and text.count("handshake") == 12  # all of it, not one line
        facts = shown(screen, "#event-detail-facts")
        assert "note" in facts and "alex" in facts
        assert "Tue 2026-03-10 14:25:00 UTC" in facts  # the time, with its date
        assert "14:55:00" in facts and "backdated 30m00s" in facts  # when it was written
        assert "pinned" in facts and "struck" in facts
        assert "wrong incident: this was the staging gateway" in facts  # the reason nobody saw
        assert "by dana" in facts
        history = shown(screen, "#event-detail-marks")
        assert "strike" in history and "pin" in history and "sam" in history


async def test_an_amended_event_shows_the_original(seeded, playbook):
    path, events = seeded
    app = app_for(path, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, events["amended"])
        assert shown(screen, "#event-detail-text") == "DNS is fine: the resolver cache was cold"
        assert shown(screen, "#event-detail-original") == "DNS is flapping"
        facts = shown(screen, "#event-detail-facts")
        assert "amended" in facts and "struck" not in facts and "Recorded" not in facts  # not backdated


async def test_markup_and_control_characters_are_shown_literally(seeded, playbook):
    path, events = seeded
    app = app_for(path, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, events["markup"])
        text = shown(screen, "#event-detail-text")
        assert text == "[/x] [bold red]not bold[/bold red] esc:␛[31m"
        assert "as written" in shown(screen, "#event-detail-facts")
        assert not screen.query("#event-detail-original") and not screen.query("#event-detail-marks")


async def test_a_strike_without_a_reason_says_so(seeded, playbook):
    path, events = seeded
    app = app_for(path, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, events["bare"])
        assert "no reason given" in shown(screen, "#event-detail-facts")


async def test_the_screen_reads_the_event_again(seeded, playbook):
    """The timeline's copy may predate a strike: the detail shows the database's state."""
    path, events = seeded
    stale = events["long"].model_copy(update={"struck": False, "pinned": False})
    app = app_for(path, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, stale)
        assert "pinned · struck" in shown(screen, "#event-detail-facts")
        marks = await event_marks(app.store, events["long"])
        assert [m.kind for m in marks] == ["strike", "pin"]


@pytest.mark.parametrize("key", ["escape", "enter"])
async def test_escape_or_enter_closes_and_nothing_is_written(seeded, playbook, key):
    path, events = seeded
    app = app_for(path, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(pilot, events["long"])
        before = await app.store.count_events(events["long"].incident_id)
        await pilot.press("down", "down", key)
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        assert await app.store.count_events(events["long"].incident_id) == before


class Host(App[None]):
    """An empty app with warroom's styles (the app's own list: event_detail.tcss must be in it)
    showing one EventDetail, so the shot does not change with the war room behind it."""

    CSS_PATH = WarroomApp.CSS_PATH

    def __init__(self, screen: EventDetail) -> None:
        super().__init__()
        self._screen = screen

    def on_mount(self) -> None:
        self.push_screen(self._screen)


def test_snapshot_long_struck_event(snap_compare, seeded):
    path, events = seeded

    async def read(store: Store) -> EventDetail:
        [event] = await store.events_by_seq([events["long"].seq])
        return EventDetail(event, await event_marks(store, event))

    assert snap_compare(Host(with_store(path, read)), terminal_size=NARROW, run_before=press())


async def test_arrows_scroll_a_text_longer_than_the_box(seeded, playbook):
    path, events = seeded
    app = app_for(path, playbook)
    async with app.run_test(size=NARROW) as pilot:
        screen = await open_detail(pilot, events["long"])
        box = screen.query_one("#event-detail-box")
        assert box.has_focus and box.max_scroll_y > 0
        await pilot.press("down", "down", "down")
        await settle(pilot)
        assert box.scroll_y > 0


async def test_a_failed_read_is_a_message_not_a_traceback(seeded, playbook):
    from warroom.core.errors import DatabaseError

    path, events = seeded
    app = app_for(path, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        async def locked(*args):
            raise DatabaseError("database is locked")

        app.store.events_by_seq = locked
        await open_event_detail(app, app.store, events["long"])
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        assert any("Cannot read the event: database is locked" in n.message for n in notifications(app))
