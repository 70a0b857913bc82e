"""This file's side of the team sync, file to file (the server's side: tests/test_team_*.py)."""

from __future__ import annotations

import asyncio
import json
import sqlite3

from warroom.core import db, replica
from warroom.core.operations import Operations
from warroom.core.store import Store

SERVER = "postgresql://dana:secret@db.example/warroom"


async def _incident(path, playbook, clock):
    store = await Store.open(path, clock=clock)
    ops = Operations(store, playbook, "dana")
    incident = await ops.declare("Checkout down", 2)
    await ops.log(incident.id, "note", "first note")
    await ops.set_severity(incident.id, 1, None)
    await ops.save_draft(incident.id, "handoff", "hand it over")
    await store.close()
    return incident.id


def _copy(src, dst, server=SERVER, batch=3) -> int:
    """What a push from `src` and a pull into `dst` through a server would do, batch by batch."""
    a, b = db.open_db(src), db.open_db(dst)
    moved = 0
    try:
        seq = replica.pull_cursor(b, server)
        while rows := replica.unpushed(a, limit=batch):
            replica.mark_pushed(a, rows)
            seq += len(rows)
            moved += replica.apply_pulled(b, server, rows, seq)
    finally:
        a.close()
        b.close()
    return moved


async def _state(path, incident_id):
    store = await Store.open(path)
    try:
        return await store.load_state(incident_id)
    finally:
        await store.close()


def test_a_new_file_pulls_the_whole_incident(tmp_path, playbook, clock):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    incident = asyncio.run(_incident(a, playbook, clock))
    moved = _copy(a, b)
    mine, theirs = asyncio.run(_state(a, incident)), asyncio.run(_state(b, incident))
    assert moved == 6  # declared, severity, phase, the note, the new severity, the draft
    assert theirs.incident == mine.incident and theirs.incident.severity == 1
    assert [e.id for e in theirs.events] == [e.id for e in mine.events]
    assert theirs.handoff_draft == "hand it over"
    conn = sqlite3.connect(b)
    try:
        hosts = {h for (h,) in conn.execute("SELECT DISTINCT host FROM events")}
        origins = {o for (o,) in conn.execute("SELECT DISTINCT origin FROM events")}
        keys = [k for (k,) in conn.execute("SELECT key FROM meta")]
    finally:
        conn.close()
    assert len(hosts) == 1 and origins == {1}  # the writer's host travels; pulled rows are marked
    assert not any("secret" in k for k in keys)  # the cursor is keyed by a digest of the server


def test_pending_and_acknowledged(tmp_path, playbook, clock):
    a = tmp_path / "a.db"
    asyncio.run(_incident(a, playbook, clock))
    conn = db.open_db(a)
    try:
        assert replica.pending_count(conn) == 6
        first = replica.unpushed(conn, limit=4)
        replica.mark_pushed(conn, first)
        assert replica.pending_count(conn) == 2
        replica.mark_pushed(conn, first)  # a repeated acknowledgement changes nothing
        rest = replica.unpushed(conn)
        assert not {r["id"] for r in rest} & {r["id"] for r in first} and len(rest) == 2
        json.dumps(rest)  # wire rows are JSON as they are
    finally:
        conn.close()


def test_the_same_batch_twice_and_a_pulled_row_is_never_sent_back(tmp_path, playbook, clock):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    asyncio.run(_incident(a, playbook, clock))
    conn_a = db.open_db(a)
    rows = replica.unpushed(conn_a, limit=100)
    conn_a.close()
    conn_b = db.open_db(b)
    try:
        assert replica.apply_pulled(conn_b, SERVER, rows, 6) == 6
        assert replica.apply_pulled(conn_b, SERVER, rows, 6) == 0  # nothing doubled
        assert conn_b.execute("SELECT count(*) FROM events").fetchone()[0] == 6
        assert replica.pending_count(conn_b) == 0 and replica.pull_cursor(conn_b, SERVER) == 6
    finally:
        conn_b.close()


def test_an_event_written_after_a_pull_sorts_after_it_whatever_the_clock(tmp_path, playbook, fixed_now):
    """B's clock is an hour behind A's: what B writes after seeing A's events still comes after
    them, on the timeline and in the fold (the hybrid logical clock), and shows B's own time."""
    from datetime import timedelta

    a, b = tmp_path / "a.db", tmp_path / "b.db"
    incident = asyncio.run(_incident(a, playbook, lambda: fixed_now))
    _copy(a, b)
    behind = fixed_now - timedelta(hours=1)

    async def write_on_b():
        store = await Store.open(b, clock=lambda: behind)
        ops = Operations(store, playbook, "sam")
        await ops.log(incident, "note", "seen after A's")
        await ops.set_severity(incident, 3, None)
        state = await store.load_state(incident)
        await store.close()
        return state

    state = asyncio.run(write_on_b())
    assert [e.text for e in state.events[-2:]] == ["seen after A's", "Severity SEV-1 → SEV-3"]
    assert state.incident.severity == 3 and not state.conflicts  # B saw A's change: no conflict
    assert state.events[-1].ts == behind  # each event keeps the time its writer's clock gave


def test_internal_update_numbers_never_repeat_across_laptops(tmp_path, playbook, fixed_now):
    """Apart, both laptops send 'the next' internal update: the one that did not declare the
    incident tags its number with its host, in the text it copies and on the timeline."""
    from warroom.core import documents

    a, b = tmp_path / "a.db", tmp_path / "b.db"
    incident = asyncio.run(_incident(a, playbook, lambda: fixed_now))
    _copy(a, b)

    async def send(path):
        store = await Store.open(path, clock=lambda: fixed_now)
        state = await store.load_state(incident)
        text = documents.render("internal", state, playbook, fixed_now)
        await Operations(store, playbook, "dana").record_copy(incident, "internal", text, 1)
        state = await store.load_state(incident)
        await store.close()
        return text, state.events[-1]

    text_a, event_a = asyncio.run(send(a))
    text_b, event_b = asyncio.run(send(b))
    conn = db.open_db(b)
    tag = replica.host_id(conn).rsplit("~", 1)[-1]
    conn.close()
    assert "#1" in text_a and f"#1-{tag}" in text_b
    assert event_a.data["number"] == event_b.data["number"] == 1
    assert "label" not in event_a.data and event_b.data["label"] == f"1-{tag}"
