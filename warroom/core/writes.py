"""The store's writes of more than one row, each in one transaction on the store's thread.

Each function takes the store's sqlite3 connection and this file's host id and is run whole
by `Store._write`; the single-row write path (`append`, `append_change`) is `warroom.core.sql`.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from functools import partial
from typing import Any

from warroom.core import sql
from warroom.core.kinds import Kind
from warroom.core.timeutil import to_db


def declare(
    conn: sqlite3.Connection,
    host: str,
    incident_id: str,
    fields: dict[str, Any],
    *,
    author: str,
    declared: datetime,
    triage: dict[str, str] | None,
) -> None:
    """An incident's row, its declaration, severity, first phase and each triage answer."""
    title, severity, first_phase = fields["title"], fields["severity"], fields["phase"]
    with sql.transaction(conn):
        row = {**fields, "id": incident_id, "roles": json.dumps({"commander": author}), "declared_at": to_db(declared)}
        sql.insert_incident(conn, row)
        add = partial(sql.append, conn, host, incident_id, author=author, now=declared)
        add(Kind.DECLARED, f"Incident declared: {title} (SEV-{severity})", data=fields)
        add(Kind.SEVERITY, f"Severity set to SEV-{severity}", data={"old": None, "new": severity, "base": []})
        add(Kind.PHASE, f"Phase: {first_phase.title()}", data={"old": None, "new": first_phase, "base": []})
        for key, answer in (triage or {}).items():
            if answer and answer.strip():
                add(Kind.TRIAGE, answer.strip(), data={"question": key})


def restored_once(
    conn: sqlite3.Connection, host: str, incident_id: str, author: str, at: datetime, now: datetime
) -> None:
    """The 'Service restored' row, unless the incident already has one (inside the caller's transaction)."""
    found = conn.execute("SELECT 1 FROM events WHERE incident_id = ? AND kind = 'restored'", (incident_id,))
    if not found.fetchone():
        sql.append(conn, host, incident_id, Kind.RESTORED, "Service restored", author, now=now, at=at)


def next_update_number(conn: sqlite3.Connection, incident_id: str) -> int:
    row = conn.execute(
        "SELECT max(CAST(json_extract(data, '$.number') AS INTEGER)) FROM events"
        " WHERE incident_id = ? AND kind = 'comms' AND json_extract(data, '$.document') = 'internal'",
        (incident_id,),
    ).fetchone()
    return (row[0] or 0) + 1


def update_sent(
    conn: sqlite3.Connection,
    host: str,
    incident_id: str,
    document: str,
    text: str,
    author: str,
    *,
    now: datetime,
    next_update_at: datetime | None,
) -> tuple:
    """A copied update as a comms row; an internal one is numbered (and labelled with this
    host when another host declared the incident, as state.next_update_label)."""
    data: dict[str, Any] = {"document": document, "next_update_at": to_db(next_update_at) if next_update_at else None}
    with sql.transaction(conn):
        if document == "internal":
            data["number"] = next_update_number(conn, incident_id)
            declared_on = conn.execute(
                "SELECT host FROM events WHERE incident_id = ? AND kind = 'declared'", (incident_id,)
            ).fetchone()
            if declared_on and declared_on[0] and declared_on[0] != host:
                data["label"] = f"{data['number']}-{host.rsplit('~', 1)[-1]}"
        return sql.append(conn, host, incident_id, Kind.COMMS, text, author, now=now, data=data)


def save_draft(
    conn: sqlite3.Connection,
    host: str,
    incident_id: str,
    name: str,
    text: str,
    author: str,
    *,
    now: datetime,
    base: list[str] | None,
    generated: bool = False,
) -> list[str]:
    """A draft's new revision made from `base` (None: what stands); the revisions now standing.
    The same text on the one standing revision writes nothing. `generated`: the template wrote
    it (the handoff pane following the incident), nobody typed it."""
    with sql.transaction(conn):
        standing = sql.heads(conn, incident_id, f"draft:{name}")
        made_from = standing if base is None else base
        if made_from == standing and len(standing) == 1:
            row = conn.execute("SELECT text FROM events WHERE id = ?", (standing[0],)).fetchone()
            if row is not None and row[0] == text:
                return standing
        data: dict[str, object] = {"name": name, "base": list(made_from)}
        if generated:
            data["generated"] = True
        written = sql.append(conn, host, incident_id, Kind.DRAFT, text, author, now=now, data=data)
    return [written[1]]
