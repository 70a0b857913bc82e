"""This file's side of the team sync: what to send, what was sent, what came in (stdlib only).

Events are immutable and carry writer-made ids, so merging files is a union. Each function
takes an open connection (`warroom.core.db.open_db`) and keeps its transaction short: sync
never holds the file while a key press waits. The cursors live in the `meta` table:
`pushed:<server>` is the highest local seq that server acknowledged (local seqs are commit
order: SQLite has one writer at a time), `pulled:<server>` the last server sequence applied;
<server> is a digest of the server's own id, so a team that moves to a new database gets
everything again, and no address or password is ever kept in the file.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from warroom.core import sql

_UNPUSHED = f"SELECT {sql.EVENT_COLUMNS} FROM events WHERE seq > ? AND origin = 0 ORDER BY seq LIMIT ?"


def host_id(conn: sqlite3.Connection) -> str:
    return sql.host_id(conn)


def _pushed_key(conn: sqlite3.Connection, server: str) -> str:
    """The ack's key for `server` ("": the server this file last synced with)."""
    server = server or sql.meta(conn, "team_server") or ""
    return "pushed:" + hashlib.sha256(server.encode()).hexdigest()[:16]


def _pushed(conn: sqlite3.Connection, server: str = "") -> int:
    return int(sql.meta(conn, _pushed_key(conn, server)) or 0)


def unpushed(conn: sqlite3.Connection, limit: int = 500, server: str = "") -> list[dict[str, Any]]:
    """Wire rows written on this file and not yet acknowledged by `server`, oldest first."""
    return [sql.wire_row(tuple(r)) for r in conn.execute(_UNPUSHED, (_pushed(conn, server), limit))]


def pending_count(conn: sqlite3.Connection, server: str = "") -> int:
    since = _pushed(conn, server)
    row = conn.execute("SELECT count(*) FROM events WHERE seq > ? AND origin = 0", (since,)).fetchone()
    return int(row[0])


def mark_pushed(conn: sqlite3.Connection, rows: Iterable[Mapping[str, Any]], server: str = "") -> None:
    """Record the server's acknowledgement of `rows` (call only after its COMMIT returned).

    A lost acknowledgement only means the rows are sent again, which the server ignores."""
    ids = [r["id"] for r in rows]
    if not ids:
        return
    with sql.transaction(conn):
        top = 0
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            found = conn.execute(f"SELECT max(seq) FROM events WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            top = max(top, found.fetchone()[0] or 0)
        if server:
            sql.set_meta(conn, "team_server", server)
        if top > _pushed(conn, server):
            sql.set_meta(conn, _pushed_key(conn, server), str(top))


def _cursor_key(server: str) -> str:
    """The pull cursor's key: a digest of the server's address, so no password is ever stored."""
    return "pulled:" + hashlib.sha256(server.encode()).hexdigest()[:16]


def pull_cursor(conn: sqlite3.Connection, server: str) -> int:
    return int(sql.meta(conn, _cursor_key(server)) or 0)


def _incident_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """The incidents row for a pulled incident: from its declaration, else a stand-in that the
    declaration, when it comes, tells the fold about (the row itself is never updated)."""
    data = row.get("data") or {}
    commander = data.get("commander") or row.get("author") or ""
    return {
        "id": row["incident_id"],
        "title": data.get("title") or "(declared on another laptop)",
        "severity": data.get("severity") or 4,
        "phase": data.get("phase") or "",
        "commander": commander,
        "roles": '{"commander": ' + _json_string(commander) + "}",
        "service": data.get("service"),
        "impact": data.get("impact"),
        "impact_pct": data.get("impact_pct"),
        "declared_at": row["ts"],
        "started_at": data.get("started_at"),
        "detected_at": data.get("detected_at"),
        "next_update_at": data.get("next_update_at"),
    }


def _json_string(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def apply_pulled(conn: sqlite3.Connection, server: str, rows: list[Mapping[str, Any]], cursor: int) -> int:
    """Insert pulled rows (ids already here are skipped) and advance the cursor, in one
    transaction: a crash leaves both as they were, and the next pull repeats harmlessly.
    Returns how many rows were new here."""
    new = 0
    ordered = sorted(rows, key=lambda r: r["kind"] != "declared")  # an incident's row before its events
    with sql.transaction(conn):
        after = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
        known: set[str] = set()
        for row in ordered:
            incident = row["incident_id"]
            if incident not in known:
                if (
                    row["kind"] == "declared"
                    or not conn.execute("SELECT 1 FROM incidents WHERE id = ?", (incident,)).fetchone()
                ):
                    sql.insert_incident(conn, _incident_fields(row))
                known.add(incident)
            new += sql.insert_pulled(conn, row, index=False)
        if new:
            sql.index_pulled(conn, after)  # the whole batch at once (the trigger skips pulled rows)
        if cursor > pull_cursor(conn, server):
            sql.set_meta(conn, _cursor_key(server), str(cursor))
    return new
