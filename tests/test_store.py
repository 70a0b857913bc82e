"""The store: round trips, reopening, migrations, append-only corrections."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from warroom.core import db, schema
from warroom.core.errors import DatabaseError
from warroom.core.models import Event
from warroom.core.store import Store


async def _declare(store, playbook, title="Checkout down", sev=2):
    return await store.declare(title, sev, "dana", first_phase=playbook.phases[0].key)


async def test_declare_writes_incident_and_events(db_path, playbook, clock):
    store = await Store.open(db_path, clock=clock)
    incident = await store.declare(
        "Checkout down", 1, "dana", first_phase="assess", triage={"broken": "payments", "affected": " "}
    )
    state = await store.load_state(incident.id)
    await store.close()
    kinds = [e.kind for e in state.events]
    assert kinds == ["declared", "severity", "phase", "triage"]  # the blank answer is not logged
    assert state.incident.severity == 1 and state.incident.phase == "assess"
    assert state.phases[0].phase == "assess" and state.phases[0].exited_at is None


async def test_reopen_keeps_everything(db_path, playbook, clock):
    store = await Store.open(db_path, clock=clock)
    incident = await _declare(store, playbook)
    event = await store.append(incident.id, "action", "[red]rollback[/red] \x1b[31m", "dana")
    await store.close()
    store = await Store.open(db_path, create=False, clock=clock)
    (again,) = await store.events_by_seq([event.seq])
    await store.close()
    assert again.text == "[red]rollback[/red] \x1b[31m"
    assert again.model_dump() == event.model_dump()


async def test_retried_id_does_not_duplicate(db_path, playbook, clock):
    store = await Store.open(db_path, clock=clock)
    incident = await _declare(store, playbook)
    first = await store.append(incident.id, "note", "once", "dana", event_id="fixed-id")
    second = await store.append(incident.id, "note", "once", "dana", event_id="fixed-id")
    count = await store.count_events(incident.id)
    await store.close()
    assert first.seq == second.seq
    assert count == 4  # declared, severity, phase, and the note once


async def test_amend_strike_pin_keep_the_original(db_path, playbook, clock):
    store = await Store.open(db_path, clock=clock)
    incident = await _declare(store, playbook)
    event = await store.append(incident.id, "note", "erorr rate 20%", "dana")
    await store.amend(event, "error rate 20%", "dana")
    await store.pin(event, "dana")
    await store.strike(event, "dana", "wrong service")
    (folded,) = await store.events_by_seq([event.seq])
    await store.close()
    assert folded.text == "erorr rate 20%"
    assert folded.shown_text == "error rate 20%"
    assert folded.pinned and folded.struck
    conn = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM events")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE events SET text = 'x'")


async def test_timeline_in_time_order_with_backdated(db_path, playbook, clock, fixed_now):
    store = await Store.open(db_path, clock=clock)
    incident = await _declare(store, playbook)
    late = await store.append(incident.id, "note", "now", "dana")
    early = await store.append(incident.id, "change", "deploy", "dana", at=fixed_now - timedelta(minutes=12))
    keys = await store.timeline_keys(incident.id)
    events = await store.events_by_seq(keys)
    await store.close()
    assert keys.index(early.seq) < keys.index(late.seq)
    assert events[0].backdated and events[0].text == "deploy"


async def test_severity_phase_and_checklist_history(db_path, playbook, clock):
    store = await Store.open(db_path, clock=clock)
    incident = await _declare(store, playbook)
    await store.set_severity(incident.id, 1, "dana", "all regions")
    await store.set_phase(incident.id, "contain", "dana")
    await store.tick(incident.id, "assess", "broken", "What's broken?", True, "dana", "payments")
    state = await store.load_state(incident.id)
    await store.close()
    assert [(s.old, s.new) for s in state.severity_history] == [(None, 2), (2, 1)]
    assert [p.phase for p in state.phases] == ["assess", "contain"]
    assert state.phases[0].exited_at == state.phases[1].entered_at
    assert state.checklist["assess:broken"].done and state.checklist["assess:broken"].answer == "payments"


async def test_migrates_a_first_schema_file(db_path):
    conn = sqlite3.connect(db_path, isolation_level=None)
    for statement in schema.split_sql(schema.MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO incidents (id, title, severity, phase, commander, declared_at)"
        " VALUES ('INC-1', 'old', 2, 'assess', 'dana', '2026-01-01T00:00:00.000Z')"
    )
    conn.execute(
        "INSERT INTO events (id, incident_id, ts, recorded_at, kind, text, author)"
        " VALUES ('e1', 'INC-1', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'note', 'findme', 'dana')"
    )
    conn.close()
    store = await Store.open(db_path, create=False)
    found = await store.search("INC-1", "findme")
    await store.close()
    assert [e.id for e in found] == ["e1"]
    assert sqlite3.connect(db_path).execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION


async def test_newer_schema_is_refused_untouched(db_path):
    db.prepare(db_path)
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(DatabaseError, match="newer warroom"):
        await Store.open(db_path)
    assert db_path.read_bytes() == before


def test_a_newer_warroom_migrating_meanwhile_is_not_stamped_older(db_path):
    """`warroom log` checked the file (an old schema), then waited for the write lock while a
    newer warroom migrated it: under the lock it finds the newer schema and refuses."""
    db.prepare(db_path)
    raw = sqlite3.connect(db_path, isolation_level=None)
    raw.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")  # what the newer one left
    with pytest.raises(DatabaseError, match="newer warroom"):
        db.migrate(raw, db_path, version=1)  # the version read before the lock
    assert raw.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION + 1
    assert not raw.in_transaction
    raw.close()


def test_file_modes(tmp_path):
    path = tmp_path / "new" / "deeper" / "w.db"
    db.prepare(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700


async def test_a_write_that_fails_halfway_leaves_nothing(db_path, playbook, clock, monkeypatch):
    """A multi-event write is one transaction: when its third insert fails, the first two are
    rolled back too, and no read (they all run on the store's one thread, between whole
    writes) ever sees them."""
    from warroom.core import sql

    store = await Store.open(db_path, clock=clock)
    real_append = sql.append
    calls = []

    def failing_append(*args, **kwargs):
        calls.append(args[3])
        if len(calls) == 3:
            raise sqlite3.OperationalError("disk I/O error")
        return real_append(*args, **kwargs)

    monkeypatch.setattr(sql, "append", failing_append)
    with pytest.raises(Exception, match="disk I/O"):
        await _declare(store, playbook)
    monkeypatch.setattr(sql, "append", real_append)
    assert _max_seq(db_path) == 0 and await store.incidents(include_resolved=True) == []
    incident = await _declare(store, playbook)  # the connection is usable again
    await store.close()
    assert incident.title and calls[:3] == ["declared", "severity", "phase"]


def _max_seq(path) -> int:
    """The newest row's seq, as another connection reads the file."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
    finally:
        conn.close()


async def test_live_feed_increment_reads_only_new_rows(db_path, playbook, clock):
    """events_after returns what came after a seq, for this incident only, and reaches it by
    the rowid range rather than by reading the whole incident through its index."""
    from warroom.core.reads import EVENTS_AFTER_SQL

    store = await Store.open(db_path, clock=clock)
    one = await store.declare("One", 2, "dana", first_phase="assess")
    other = await store.declare("Other", 3, "dana", first_phase="assess")
    before = _max_seq(db_path)
    mine = await store.append(one.id, "note", "mine", "dana")
    await store.append(other.id, "note", "theirs", "dana")
    after = await store.events_after(one.id, before)
    await store.close()
    assert [e.text for e in after] == ["mine"] and after[0].seq == mine.seq

    conn = sqlite3.connect(db_path)
    try:
        plan = " ".join(row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + EVENTS_AFTER_SQL, (before, one.id)))
    finally:
        conn.close()
    assert "INTEGER PRIMARY KEY" in plan, plan


async def test_long_incident_state_keeps_every_kind_but_unpinned_bulk(db_path, playbook, clock, monkeypatch):
    """Past STATE_ALL_EVENTS the state leaves out notes and alerts (the timeline pages them)
    unless they are pinned now; everything else is there, in time order, markers folded."""
    from warroom.core import store as store_module

    store = await Store.open(db_path, clock=clock)
    incident = await store.declare("Long", 2, "dana", first_phase="assess")
    start = clock()
    note = await store.append(incident.id, "note", "routine note", "dana")
    kept = await store.append(incident.id, "note", "pinned note", "dana")
    await store.pin(kept, "dana")
    flapped = await store.append(incident.id, "alert", "pinned then unpinned", "hook")
    await store.pin(flapped, "dana")
    await store.pin(flapped, "dana", pinned=False)
    action = await store.append(incident.id, "action", "restart pods", "alex")
    await store.strike(action, "alex", "wrong pod")
    await store.append(incident.id, "change", "config push", "alex", at=start - timedelta(minutes=30))
    for i in range(12):
        await store.append(incident.id, "alert", f"alert {i}", "hook")

    full = await store.load_state(incident.id)
    monkeypatch.setattr(store_module, "STATE_ALL_EVENTS", 10)
    short = await store.load_state(incident.id)
    await store.close()

    assert short.events_truncated and not full.events_truncated
    expected = [(e.id, e.pinned, e.struck) for e in full.events if e.kind not in ("note", "alert") or e.pinned]
    assert [(e.id, e.pinned, e.struck) for e in short.events] == expected
    texts = [e.text for e in short.events]
    assert "pinned note" in texts and note.text not in texts and "pinned then unpinned" not in texts
    assert texts[0] == "config push"  # backdated: first in time order


async def test_search_takes_words_as_prefixes_and_never_as_syntax(db_path, playbook, clock):
    store = await Store.open(db_path, clock=clock)
    incident = await store.declare("Search", 2, "dana", first_phase="assess")
    await store.append(incident.id, "action", "rolling back checkout-api to v2.3.3", "alex")
    await store.append(incident.id, "note", "gateway timeouts NEAR the edge", "alex")

    async def texts(query: str) -> list[str]:
        return [e.text for e in await store.search(incident.id, query)]

    assert await texts("roll") == ["rolling back checkout-api to v2.3.3"]
    assert await texts("roll chec") == ["rolling back checkout-api to v2.3.3"]
    assert await texts("gate NEAR") == ["gateway timeouts NEAR the edge"]  # NEAR is a word here
    assert await texts('roll" OR "gate') == []  # quotes dropped: three words, no OR
    assert await texts("rolled") == []
    assert await texts("roll\x00back") == ["rolling back checkout-api to v2.3.3"]  # a pasted NUL
    assert await texts("\x1b[31m") == []  # an escape sequence: only "[31m" is left, no match
    await store.close()


async def test_a_clock_that_steps_back_keeps_the_recorded_order(db_path, playbook, fixed_now):
    """An NTP correction sets the clock back ten minutes mid-incident: what is written next
    still comes after what was written before (not above 'Incident declared'), keeps its own
    time, and the store says how far behind the clock is, once per write."""
    now = [fixed_now]
    store = await Store.open(db_path, clock=lambda: now[0])
    incident = await _declare(store, playbook)
    before = await store.append(incident.id, "note", "before the step", "dana")
    assert store.clock_behind is None
    now[0] = fixed_now - timedelta(minutes=10)
    after = await store.append(incident.id, "note", "after the step", "dana")
    behind = store.clock_behind
    keys = await store.timeline_keys(incident.id)
    state = await store.load_state(incident.id)
    await store.close()
    assert keys[-2:] == [before.seq, after.seq]
    assert [e.text for e in state.events][-2:] == ["before the step", "after the step"]
    assert after.ts == now[0] and behind is not None and behind >= timedelta(minutes=9)


async def test_rows_after_places_a_row_without_reading_every_key(db_path, playbook, clock, fixed_now):
    """rows_after counts the timeline rows after one in display order (backdated rows in their
    place, markers and drafts not rows), through the order index's range, never a scan."""
    from warroom.core.reads import _TIMELINE

    store = await Store.open(db_path, clock=clock)
    incident = await _declare(store, playbook)
    late = await store.append(incident.id, "note", "logged first", "dana")
    early = await store.append(incident.id, "note", "backdated", "dana", at=fixed_now - timedelta(minutes=30))
    await store.strike(late, "dana")
    await store.save_text(incident.id, "handoff", "a draft is no timeline row", "dana")
    newest = await store.append(incident.id, "action", "rolled back", "dana")
    keys = await store.timeline_keys(incident.id)
    for event in (late, early, newest):
        after = await store.rows_after(incident.id, event.seq)
        assert after is not None and keys[len(keys) - 1 - after] == event.seq
    assert await store.rows_after(incident.id, newest.seq) == 0
    assert await store.rows_after(incident.id, 10**9) is None  # no such row
    conn = sqlite3.connect(db_path)
    plan = " ".join(
        str(r)
        for r in conn.execute(
            f"EXPLAIN QUERY PLAN SELECT count(*) FROM events WHERE {_TIMELINE} AND (pos, id) > (?, ?)",
            (incident.id, 0, ""),
        )
    )
    conn.close()
    await store.close()
    assert "(pos,id)>(?,?)" in plan.replace(" ", "")


async def test_open_incident_ids_agree_with_the_fold_without_folding(db_path, playbook, clock, monkeypatch):
    """What picks the first screen: the open incidents' ids, latest declared first, up to a
    limit, as the fold has them (resolved, reopened, resolved again), and no incident folded."""
    store = await Store.open(db_path, clock=clock)
    first, second, third = [(await _declare(store, playbook, title=t)).id for t in ("a", "b", "c")]
    await store.resolve(second, "dana")
    await store.resolve(first, "dana")
    await store.resolve(first, "dana", reopen=True)
    folded = [i.id for i in await store.incidents()]

    def no_fold(*args, **kwargs):
        raise AssertionError("folded an incident")

    monkeypatch.setattr(store, "_state_of", no_fold)
    every, one = await store.open_incident_ids(), await store.open_incident_ids(limit=1)
    await store.close()
    assert every == folded == [third, first]
    assert one == [third]


async def test_the_incident_alone_is_the_whole_folds_incident(db_path, playbook, clock, fixed_now, monkeypatch):
    """Store.incident folds only the kinds that set the incident's fields (the header's read):
    it must give what the whole state's fold gives, struck changes and every other kind among
    them; and the timeline's count (every row less the hidden ones) is its number of keys."""
    monkeypatch.setattr("warroom.core.store.STATE_ALL_EVENTS", 3)  # the long incident's fold too
    store = await Store.open(db_path, clock=clock)
    incident = await _declare(store, playbook)
    iid, phases = incident.id, [p.key for p in playbook.phases]
    await store.set_severity(iid, 1, "dana", "worse", next_update_at=fixed_now + timedelta(minutes=20))
    struck = await store.set_phase(iid, phases[1], "dana")
    await store.strike(struck, "dana", "too early")
    await store.set_role(iid, "comms", "lee", "dana")
    await store.handoff(iid, "sam", "over to sam", "dana")
    await store.set_details(iid, "sam", service="checkout", impact="slow", impact_pct=12.5)
    await store.set_times(iid, "sam", started_at=fixed_now - timedelta(hours=1))
    await store.set_mitigation(iid, "partial", "Partly mitigated", True, "sam")
    await store.record_update_sent(iid, "internal", "Update #1", "sam", fixed_now + timedelta(minutes=30))
    await store.tick(iid, phases[0], "page", "Paged", True, "sam")
    note = await store.append(iid, "note", "a note", "sam")
    await store.pin(note, "sam")
    await store.save_text(iid, "handoff", "draft", "sam")
    await store.resolve(iid, "sam")
    await store.resolve(iid, "sam", reopen=True)
    alone, whole = await store.incident(iid), (await store.load_state(iid)).incident
    first_frame = await store.incident(iid, trusted=True)
    keys = await store.timeline_keys(iid)
    count, tail = len(keys), keys[-5:]  # the timeline's rows, its newest five in display order
    rows = await store.events_by_seq(keys)
    validated = [Event.model_validate(e.model_dump()) for e in rows]  # what pydantic gives for the same rows
    first = await store.first_screen(iid, 5)  # the same reads in one trip
    separately = (await store.data_version(), _max_seq(db_path), count, tail, await store.events_by_seq(tail))
    await store.close()
    assert (*first[:4], first.newest) == separately and first.incident == whole
    assert alone == whole == first_frame and first_frame.model_dump() == whole.model_dump()
    assert validated == rows and [e.model_dump() for e in validated] == [e.model_dump() for e in rows]
    assert alone.severity == 1 and alone.phase == phases[0] and alone.commander == "sam"
    assert alone.roles["comms"] == "lee" and alone.updates_sent == 1 and alone.status == "open"
    assert first.rows == len(keys) and first.tail == keys[-5:]


async def test_rows_read_for_the_first_frame_are_validated_when_odd(db_path, playbook, clock):
    """The first frame's reads skip pydantic's validator only for values of the types it gives:
    an odd row (data not an object, a blob for text, a severity out of range) is validated and
    refused as ever, never handed on as it lies in the file."""
    from pydantic import ValidationError

    store = await Store.open(db_path, clock=clock)
    incident = await _declare(store, playbook)
    good = await store.append(incident.id, "note", "fine", "dana")
    await store.close()
    conn = sqlite3.connect(db_path)
    insert = "INSERT INTO events (id, incident_id, ts, recorded_at, kind, text, author, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    ts = conn.execute("SELECT ts FROM events WHERE id = ?", (good.id,)).fetchone()[0]
    odd = [
        ("odd-data", incident.id, ts, ts, "note", "x", "dana", "[1, 2]"),
        ("odd-text", incident.id, ts, ts, "note", b"\xff", "dana", "{}"),
    ]
    seqs = [conn.execute(insert, row).lastrowid for row in odd]
    conn.execute(  # the last change in fold order
        "INSERT INTO events (id, incident_id, ts, recorded_at, kind, text, author, data, hlc)"
        " VALUES ('odd-sev', ?, ?, ?, 'severity', 'SEV-7', 'dana', '{\"old\": 2, \"new\": 7}',"
        " 1 + (SELECT max(hlc) FROM events))",
        (incident.id, ts, ts),
    )
    conn.commit()
    conn.close()
    store = await Store.open(db_path, create=False, clock=clock)
    try:
        (fine,) = await store.events_by_seq([good.seq])
        assert fine == good
        for seq in seqs:
            with pytest.raises(ValidationError):
                await store.events_by_seq([seq])
        with pytest.raises(ValidationError):
            await store.incident(incident.id, trusted=True)
        with pytest.raises(ValidationError):
            await store.incident(incident.id)
    finally:
        await store.close()


async def test_the_store_adopts_the_connection_prepare_opened(db_path, clock):
    """The CLI checks the file before the war room takes over the terminal (db.prepare); the store
    works on that connection, from its own thread, and closes it."""
    prepared = db.prepare(db_path)
    store = await Store.open(db_path, clock=clock, prepared=prepared)
    assert store._conn is prepared
    incident = await store.declare("Adopted", 2, "ann", first_phase="assess")
    assert (await store.incident(incident.id)).title == "Adopted"
    await store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        prepared.execute("SELECT 1")
