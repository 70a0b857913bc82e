"""The one SQL write path, on a plain sqlite3 connection (stdlib only).

`warroom log` calls `append` directly; the async store runs these same functions on its own
thread. Every event gets a writer-made id, this file's host id, and a hybrid logical clock
(`hlc`: wall milliseconds x 1000 + a counter, never below the highest hlc the file holds,
so an event written after another always sorts after it, whatever the wall clock did).
`pos` places it on the timeline: its hlc, or, when it was backdated, the time it happened.

What `warroom log` does not use is imported where it is used: json (with the re it imports,
~5 ms of every call), registers, and no contextlib, typing or pathlib at all.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from datetime import datetime

from warroom.core import db, schema
from warroom.core.ids import uuid7
from warroom.core.timeutil import to_db

# typing costs `warroom log` ~3 ms to import, pathlib ~9 ms; the annotations are strings (see
# the future import)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

EVENT_COLUMNS = "seq, id, incident_id, ts, recorded_at, kind, text, author, ref, data, hlc, host"
BACKDATED_AFTER_MS = schema.BACKDATED_AFTER_MS
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"

INSERT_PULLED = """
INSERT OR IGNORE INTO events (id, incident_id, ts, recorded_at, kind, text, author, ref, data, hlc, host, origin, pos)
VALUES (:id, :incident_id, :ts, :recorded_at, :kind, :text, :author, :ref, :data, :hlc, :host, :origin, :pos)
"""
SELECT_BY_ID = f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ?"


def millis(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def position(ts: str | datetime, recorded_at: str | datetime, hlc: int) -> int:
    """Where an event sits on the timeline: its hlc, or its own time when it was backdated."""
    t = ts if isinstance(ts, datetime) else datetime.fromisoformat(ts)
    r = recorded_at if isinstance(recorded_at, datetime) else datetime.fromisoformat(recorded_at)
    ms = millis(t)
    return ms * 1000 if millis(r) - ms > BACKDATED_AFTER_MS else hlc


class transaction:  # lower case: used as the function it was, `with sql.transaction(conn):`
    """BEGIN IMMEDIATE ... COMMIT; rolled back on any failure (the connection is in autocommit).
    A class, not contextlib.contextmanager: contextlib costs `warroom log` ~1.5 ms to import."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if kind is not None:  # the failure goes on up (None: not swallowed)
            db.rollback(self.conn)
            return
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            db.rollback(self.conn)
            raise


# ----- the file's identity ----------------------------------------------------------------


def meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def host_id(conn: sqlite3.Connection) -> str:
    """This file's stable host id: the machine's name and four random characters."""
    found = meta(conn, "host")
    if found:
        return found
    import socket  # here: once per file, and `warroom log` should not pay its import every time

    name = "".join(c for c in socket.gethostname() if c.isalnum() or c in "-.")[:32] or "host"
    suffix = "".join(_CROCKFORD[b % 32] for b in os.urandom(4))
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('host', ?)", (f"{name}~{suffix}",))
    return meta(conn, "host") or f"{name}~{suffix}"


# ----- writing ----------------------------------------------------------------------------


def append(
    conn: sqlite3.Connection,
    host: str,
    incident_id: str,
    kind: str,
    text: str,
    author: str,
    *,
    now: datetime,
    at: datetime | None = None,
    ref: str | None = None,
    data: Mapping[str, Any] | None = None,
    event_id: str | None = None,
) -> tuple:
    """Insert one event (a no-op when its id is already there) and return its stored row.

    Outside a transaction the INSERT is its own: committed when this returns."""
    params = schema.event_params(
        id=event_id or uuid7(),
        incident_id=incident_id,
        ts=to_db(at or now),
        recorded_at=to_db(now),
        kind=kind,
        text=text,
        author=author,
        ref=ref,
        data=dict(data or {}),
        host=host,
    )
    conn.execute(schema.INSERT_EVENT, params)
    row = conn.execute(SELECT_BY_ID, (params["id"],)).fetchone()
    if row is None:  # only when the insert was skipped and the row is not ours to see
        raise sqlite3.IntegrityError(f"event {params['id']} was not written")
    return tuple(row)


def heads(conn: sqlite3.Connection, incident_id: str, register: str) -> list[str]:
    """The ids a change to `register` replaces (its base), as this file sees them now."""
    import json

    from warroom.core import registers

    where, params = registers.register_filter(register)
    rows = conn.execute(
        f"SELECT id, data FROM events WHERE incident_id = ? AND {where} ORDER BY hlc, id", (incident_id, *params)
    ).fetchall()
    return registers.heads((event_id, json.loads(data)) for event_id, data in rows)


def append_change(
    conn: sqlite3.Connection,
    host: str,
    incident_id: str,
    kind: str,
    text: str,
    author: str,
    *,
    now: datetime,
    data: Mapping[str, Any],
    at: datetime | None = None,
) -> tuple:
    """Append a change to a single-valued thing, naming the heads it replaces (call inside a
    transaction, so no other writer's change slips between reading the heads and writing)."""
    from warroom.core import registers

    register = registers.register_of(kind, data)
    assert register is not None, kind
    payload = {**data, "base": heads(conn, incident_id, register)}
    return append(conn, host, incident_id, kind, text, author, now=now, at=at, data=payload)


def insert_incident(conn: sqlite3.Connection, fields: Mapping[str, Any]) -> None:
    """The incident's row: written once at declaration (and on a pull), never changed."""
    conn.execute(schema.INSERT_INCIDENT, dict(fields))


def insert_pulled(conn: sqlite3.Connection, row: Mapping[str, Any], origin: int = 1, index: bool = True) -> bool:
    """One event from another file, with its own id, hlc and host; False when already here.
    `origin` 0: written on this side after all (a bulk import), so the team sync sends it.
    A pulled row (origin 1) is indexed for search here, or with `index=False` by the caller's
    index_pulled once for the whole batch (the insert trigger skips origin 1: migration 5)."""
    import json

    params = {
        "id": row["id"],
        "incident_id": row["incident_id"],
        "ts": row["ts"],
        "recorded_at": row["recorded_at"],
        "kind": row["kind"],
        "text": row["text"],
        "author": row["author"],
        "ref": row.get("ref"),
        "data": json.dumps(row.get("data") or {}, ensure_ascii=False, sort_keys=True),
        "hlc": int(row["hlc"]),
        "host": row.get("host") or "",
        "pos": position(row["ts"], row["recorded_at"], int(row["hlc"])),
        "origin": origin,
    }
    before = conn.total_changes
    cur = conn.execute(INSERT_PULLED, params)
    if conn.total_changes == before:
        return False
    if index and origin == 1 and params["kind"] != "draft":
        conn.execute("INSERT INTO events_fts(rowid, text) VALUES (?, ?)", (cur.lastrowid, params["text"]))
    return True


def index_pulled(conn: sqlite3.Connection, after_seq: int) -> None:
    """Index for search the pulled rows written after `after_seq` (insert_pulled with index=False),
    in one statement: far cheaper than the insert trigger's run per row."""
    conn.execute(
        "INSERT INTO events_fts(rowid, text) SELECT seq, text FROM events WHERE seq > ? AND origin = 1 AND kind <> 'draft'",
        (after_seq,),
    )


def wire_row(row: tuple) -> dict[str, Any]:
    """A stored event as the JSON-able dict that travels between files."""
    import json

    seq, id_, incident_id, ts, recorded_at, kind, text, author, ref, data, hlc, host = row
    return {
        "id": id_,
        "incident_id": incident_id,
        "ts": ts,
        "recorded_at": recorded_at,
        "kind": kind,
        "text": text,
        "author": author,
        "ref": ref,
        "data": json.loads(data) if data else {},
        "hlc": hlc,
        "host": host,
    }


# ----- reading ----------------------------------------------------------------------------

OPEN_INCIDENTS = """
SELECT i.id FROM incidents i
WHERE coalesce((SELECT e.kind FROM events e WHERE e.incident_id = i.id AND e.kind IN ('resolved', 'reopened')
                ORDER BY e.hlc DESC, e.id DESC LIMIT 1), 'reopened') = 'reopened'
ORDER BY i.declared_at DESC, i.rowid DESC
"""
LATEST_OPEN_INCIDENT = OPEN_INCIDENTS + " LIMIT 1"


def latest_open(conn: sqlite3.Connection) -> str | None:
    row = conn.execute(LATEST_OPEN_INCIDENT).fetchone()
    return row[0] if row else None


def open_incidents(conn: sqlite3.Connection) -> list[str]:
    """Every open incident's id, the latest declared first."""
    return [row[0] for row in conn.execute(OPEN_INCIDENTS)]


def find_incident(conn: sqlite3.Connection, wanted: str | None, path: Path | str) -> str:
    """The incident a command acts on: the id given (or a unique end of it), else the latest open one."""
    if wanted is None:
        found = latest_open(conn)
        if found is None:
            raise db.no_open_incident(path)
        return found
    rows = conn.execute(db.FIND_INCIDENT, db.find_params(wanted)).fetchall()
    return db.pick_incident([r[0] for r in rows], wanted, path)


def is_open(conn: sqlite3.Connection, incident_id: str) -> bool:
    row = conn.execute(
        "SELECT kind FROM events WHERE incident_id = ? AND kind IN ('resolved', 'reopened')"
        " ORDER BY hlc DESC, id DESC LIMIT 1",
        (incident_id,),
    ).fetchone()
    return row is None or row[0] == "reopened"


def find_incident_or_last(conn: sqlite3.Connection, wanted: str | None, path: Path | str) -> tuple[str, bool]:
    """As find_incident; with none open and none named, the most recently declared one. With
    whether it is open: the usual case (none named, one open) is one query."""
    if wanted is None:
        found = latest_open(conn)
        if found is not None:
            return found, True
        row = conn.execute("SELECT id FROM incidents ORDER BY declared_at DESC, rowid DESC LIMIT 1").fetchone()
        if row is None:
            raise db.no_open_incident(path)
        return row[0], False  # none is open (latest_open and is_open ask the same of each)
    incident_id = find_incident(conn, wanted, path)
    return incident_id, is_open(conn, incident_id)
