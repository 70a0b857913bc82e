"""The war room moves what is alive once its first incident is on screen out of the cyclic
collector's sight, once a process (gc.freeze): its full passes walked every Textual and pydantic
object on a keystroke (50-110 ms at 100,000 events; measured in benchmarks, not here)."""

from __future__ import annotations

import pytest
from pilot import app_for, open_war_room, settle

from warroom.tui import collector

pytestmark = pytest.mark.tui
SIZE = (140, 45)


async def test_the_first_state_shown_freezes_once(demo_db, playbook, monkeypatch):
    frozen: list[int] = []
    monkeypatch.setattr(collector, "_frozen", False)
    monkeypatch.setattr(collector.gc, "freeze", lambda: frozen.append(1))
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await settle(pilot)
        assert frozen == [1]
        await screen.live.reload()  # the state read again: nothing frozen again
        await settle(pilot)
        assert frozen == [1]
