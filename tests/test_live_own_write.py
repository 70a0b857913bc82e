"""The live feed takes the event this window just appended without reading it back, but only
when nothing anyone wrote came between (LiveFeed._own_write); and the store marks an event
logged into a resolved incident in the same call as its insert (Store.append(mark_resolved))."""

from __future__ import annotations

import pytest
from fixed_clock import FIXED_NOW
from pilot import app_for, open_war_room, query, settle, type_text

from warroom.core import db, schema
from warroom.core.ids import uuid7
from warroom.core.store import Store
from warroom.core.timeutil import to_db
from warroom.tui.widgets.timeline import Timeline

SIZE = (140, 45)


def write_note(path, incident_id: str, text: str) -> int:
    """A note as another process writes it (its own connection); returns its seq."""
    conn = db.open_db(path, create=False)
    try:
        params = schema.event_params(
            id=uuid7(), incident_id=incident_id, ts=to_db(FIXED_NOW), recorded_at=to_db(FIXED_NOW),
            kind="note", text=text, author="cli",
        )  # fmt: skip
        conn.execute(schema.INSERT_EVENT, params)
        conn.commit()
        return conn.execute("SELECT seq FROM events WHERE id = ?", (params["id"],)).fetchone()[0]
    finally:
        conn.close()


def counting(monkeypatch, store, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(store, name)

    async def counted(*args, **kwargs):
        calls.append(1)
        return await real(*args, **kwargs)

    monkeypatch.setattr(store, name, counted)
    return calls


async def log_entry(pilot, text: str) -> None:
    await pilot.press("l")
    await type_text(pilot, text)
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.tui
async def test_an_entry_is_shown_without_reading_it_back(demo_db, playbook, monkeypatch):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await settle(pilot)
        reads = counting(monkeypatch, app.store, "events_after")
        await log_entry(pilot, "taken as written")
        seq = query(demo_db, "SELECT seq FROM events WHERE text = 'taken as written'")[0][0]
        timeline = screen.query_one(Timeline)
        assert timeline.keys[-1] == seq and timeline.cursor == len(timeline.keys) - 1
        assert reads == []


@pytest.mark.tui
async def test_a_row_another_process_wrote_just_before_is_read_with_the_entry(demo_db, playbook, monkeypatch):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await settle(pilot)
        version = await app.store.data_version()

        async def unchanged() -> int:  # the poll never sees the other process: only the entry's catch-up can
            return version

        monkeypatch.setattr(app.store, "data_version", unchanged)
        other = write_note(demo_db, screen.incident_id, "written by another process")
        await log_entry(pilot, "logged right after it")
        mine = query(demo_db, "SELECT seq FROM events WHERE text = 'logged right after it'")[0][0]
        assert screen.query_one(Timeline).keys[-2:] == [other, mine]


async def test_append_marks_an_event_logged_into_a_resolved_incident(tmp_path):
    store = await Store.open(tmp_path / "w.db", clock=lambda: FIXED_NOW)
    try:
        incident = await store.declare("Checkout down", 2, "ana", first_phase="detect")
        before = await store.append(incident.id, "note", "while open", "ana", data={"x": 1}, mark_resolved=True)
        assert before.data == {"x": 1} and store.written == before
        await store.resolve(incident.id, "ana")
        after = await store.append(incident.id, "note", "after", "ana", data={"x": 1}, mark_resolved=True)
        assert after.data == {"x": 1, "after_resolution": True} and store.written == after
        plain = await store.append(incident.id, "note", "not asked", "ana")
        assert plain.data == {}
    finally:
        await store.close()
