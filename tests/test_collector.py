"""No cyclic collection between Enter in the entry line and the frame that shows what it wrote
(collector.hold_collector): Textual's frames leave cyclic garbage, and a collection inside a
keystroke's frame cost it 2-20 ms (measured in benchmarks, not here). The collector must come
back on: after the frame, at a deadline, or when the next hold or poll finds it held too long."""

from __future__ import annotations

import asyncio
import gc

import pytest
from pilot import app_for, open_war_room, query, settle, type_text

from warroom.tui import collector

SIZE = (140, 45)


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


async def test_held_until_the_frame_then_on_again(collector_on):
    frames: list = []
    release = collector.hold_collector(frames.append)
    assert not gc.isenabled()
    release()  # the work is handed to the screen: still off until its frame
    assert not gc.isenabled() and len(frames) == 1
    frames[0]()
    assert gc.isenabled()
    frames[0]()  # a second call (the deadline) changes nothing
    assert gc.isenabled()


async def test_on_again_at_the_deadline_when_no_frame_comes(collector_on, monkeypatch):
    monkeypatch.setattr(collector, "HOLD_SECONDS", 0.01)
    release = collector.hold_collector(lambda callback: None)  # a screen torn down: never called
    release()
    assert not gc.isenabled()
    for _ in range(200):
        if gc.isenabled():
            break
        await asyncio.sleep(0.01)
    assert gc.isenabled()


def test_a_hold_never_released_is_undone_by_the_next(collector_on, monkeypatch):
    collector.hold_collector(lambda callback: None)  # its loop closed before release: never released
    assert not gc.isenabled()
    monkeypatch.setattr(collector, "HOLD_SECONDS", 0.0)
    collector.release_stale()
    assert gc.isenabled()


def test_a_collector_turned_off_elsewhere_stays_off(collector_on):
    gc.disable()
    frames: list = []
    release = collector.hold_collector(frames.append)
    release()
    for frame in frames:
        frame()
    assert not gc.isenabled()


@pytest.mark.tui
async def test_an_entry_is_written_with_the_collector_held_and_it_runs_again_after(
    demo_db, playbook, collector_on, monkeypatch
):
    seen: list[bool] = []
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        append = app.store.append

        async def watched(*args, **kwargs):
            seen.append(gc.isenabled())
            return await append(*args, **kwargs)

        monkeypatch.setattr(app.store, "append", watched)
        await pilot.press("l")
        await type_text(pilot, "held while written")
        await pilot.press("enter")
        await settle(pilot)
        assert seen == [False]
        assert gc.isenabled()
    assert query(demo_db, "SELECT count(*) FROM events WHERE text = 'held while written'")[0][0] == 1


def test_released_without_a_screen_to_wait_on_it_is_on_again_at_once(collector_on):
    def no_screen(callback) -> None:
        raise RuntimeError("no screen")

    release = collector.hold_collector(no_screen)
    release()
    assert gc.isenabled()


# ----- start-up: off from before the playbook's load to the first frame ------------------------


def test_off_while_starting_then_frozen_and_on_at_the_first_frame(collector_on, monkeypatch):
    frozen: list[int] = []
    monkeypatch.setattr(collector.gc, "freeze", lambda: frozen.append(1))
    with collector.starting():
        assert not gc.isenabled()
        collector.first_frame_shown()
        assert gc.isenabled() and frozen == [1]
        collector.first_frame_shown()  # a second screen's first frame: nothing again
        assert frozen == [1]
    assert gc.isenabled()


def test_on_again_when_no_frame_ever_came(collector_on, monkeypatch):
    frozen: list[int] = []
    monkeypatch.setattr(collector.gc, "freeze", lambda: frozen.append(1))
    with pytest.raises(RuntimeError), collector.starting():
        assert not gc.isenabled()
        raise RuntimeError("the database was refused before the screen")
    assert gc.isenabled() and frozen == []
    collector.first_frame_shown()  # a frame after the block (a test's app): changes nothing
    assert frozen == []


def test_starting_leaves_a_collector_turned_off_elsewhere_off(collector_on):
    gc.disable()
    with collector.starting():
        collector.first_frame_shown()
        assert not gc.isenabled()
    assert not gc.isenabled()


@pytest.mark.tui
async def test_the_war_rooms_first_frame_turns_the_collector_on(demo_db, playbook, collector_on):
    app = app_for(demo_db, playbook)
    with collector.starting():
        async with app.run_test(size=SIZE) as pilot:
            await open_war_room(pilot)
            await settle(pilot)
            assert gc.isenabled()
