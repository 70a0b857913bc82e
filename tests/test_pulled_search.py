"""Pulled rows are indexed for search in bulk (migration 5, sql.index_pulled): whatever path
writes an event, search finds it exactly once, and drafts never."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from warroom.core import db, replica, sql


def _wire(incident: str, n: int, text: str, kind: str = "note") -> dict:
    return {
        "id": f"pulled-{n}",
        "incident_id": incident,
        "ts": "2026-11-29T10:00:00.000Z",
        "recorded_at": "2026-11-29T10:00:00.000Z",
        "kind": kind,
        "text": text,
        "author": "sam",
        "ref": None,
        "data": {"name": "handoff", "base": []} if kind == "draft" else {"n": n},
        "hlc": 1795900000000000 + n,
        "host": "laptop-b~abcd",
    }


def _hits(conn: sqlite3.Connection, word: str) -> list[int]:
    return sorted(r[0] for r in conn.execute("SELECT rowid FROM events_fts WHERE events_fts MATCH ?", (word,)))


def test_pulled_local_and_single_rows_are_each_indexed_once(tmp_path):
    conn = db.open_db(tmp_path / "w.db")
    declared = {**_wire("INC-1", 0, "Incident declared: zebra", "declared"), "data": {"title": "zebra", "severity": 2}}
    rows = [declared, *(_wire("INC-1", n, f"giraffe {n}") for n in range(1, 6)), _wire("INC-1", 6, "giraffe", "draft")]
    assert replica.apply_pulled(conn, "srv", rows, 7) == 7
    assert replica.apply_pulled(conn, "srv", rows, 7) == 0  # pulled again: nothing new, nothing indexed twice
    seqs = [r[0] for r in conn.execute("SELECT seq FROM events WHERE kind <> 'draft' AND text LIKE 'giraffe%'")]
    assert _hits(conn, "giraffe") == sorted(seqs) and len(seqs) == 5
    assert _hits(conn, "zebra") == [conn.execute("SELECT seq FROM events WHERE id = 'pulled-0'").fetchone()[0]]

    assert sql.insert_pulled(conn, _wire("INC-1", 7, "okapi"))  # one row on its own indexes itself
    host = sql.host_id(conn)
    local = sql.append(conn, host, "INC-1", "note", "okapi here too", "dana", now=datetime.now(UTC))
    assert sql.insert_pulled(conn, _wire("INC-1", 8, "okapi import"), origin=0)  # the trigger's
    assert len(_hits(conn, "okapi")) == 3 and local[0] in _hits(conn, "okapi")
    conn.execute("INSERT INTO events_fts(events_fts) VALUES ('integrity-check')")
    conn.close()
