"""The async store: every write is committed before it returns; reads return pydantic models.

The timeline is append-only. State that changes (severity, phase, roles) is kept on the
incident row *and* logged as an event in the same transaction, so the timeline tells the
whole story and the current state is one cheap read.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from warroom.core import db
from warroom.core.errors import DatabaseError, InputError
from warroom.core.ids import incident_id as new_incident_id
from warroom.core.ids import uuid7
from warroom.core.models import (
    BULK_KINDS,
    MARKER_KINDS,
    ActionItem,
    ChecklistMark,
    Event,
    FlagDecision,
    Incident,
    IncidentState,
    PhaseSpan,
    SeverityChange,
    TempFix,
)
from warroom.core.timeutil import from_db, to_db
from warroom.core.timeutil import now as system_now

# Above this many events, load_state keeps routine bulk events out of memory.
STATE_ALL_EVENTS = 5_000
HANDOFF_DRAFT = "handoff"
POSTMORTEM_PREFIX = "postmortem."

_EVENT_COLUMNS = "seq, id, incident_id, ts, recorded_at, kind, text, author, ref, data"
_EVENT_COLUMNS_OF_E = ", ".join(f"e.{c.strip()}" for c in _EVENT_COLUMNS.split(","))
_MARKER_LIST = ",".join(f"'{k}'" for k in MARKER_KINDS)
# INSERT ... RETURNING needs SQLite 3.35; older libraries take the four-step path.
_RETURNING = sqlite3.sqlite_version_info >= (3, 35, 0)
_INSERT_RETURNING = db.INSERT_EVENT.rstrip() + f" RETURNING {_EVENT_COLUMNS}"
_BULK_LIST = ",".join(f"'{k}'" for k in BULK_KINDS)


def _dt(value: str | None) -> datetime | None:
    return from_db(value) if value else None


def _event_from_row(row: sqlite3.Row | tuple) -> Event:
    seq, id_, incident_id, ts, recorded_at, kind, text, author, ref, data = row
    return Event(
        seq=seq,
        id=id_,
        incident_id=incident_id,
        ts=from_db(ts),
        recorded_at=from_db(recorded_at),
        kind=kind,
        text=text,
        author=author,
        ref=ref,
        data=json.loads(data) if data else {},
    )


def _incident_from_row(row: sqlite3.Row) -> Incident:
    d = dict(row)
    d["roles"] = json.loads(d["roles"] or "{}")
    for key in ("declared_at", "started_at", "detected_at", "restored_at", "resolved_at", "next_update_at"):
        d[key] = _dt(d[key])
    return Incident(**d)


# The live feed's increment. `+incident_id` keeps the planner on the rowid range: through
# the incident's index it read every event of a 100,000-event incident (8 ms, not 0.02 ms).
EVENTS_AFTER_SQL = f"SELECT {_EVENT_COLUMNS} FROM events WHERE seq > ? AND +incident_id = ? ORDER BY seq"


class Store:
    def __init__(self, conn: aiosqlite.Connection, path: Path, clock: Callable[[], datetime]):
        self._conn = conn
        self.path = path
        self.clock = clock
        # One write at a time from this process: a statement sent while another coroutine's
        # transaction is open would silently join it (and commit or roll back with it).
        self._write_lock = asyncio.Lock()

    # ----- opening -------------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path | str, create: bool = True, clock: Callable[[], datetime] = system_now) -> Store:
        path = Path(path)
        db.prepare(path, create)  # checks and migrations are quick; before any UI exists
        try:
            conn = await aiosqlite.connect(path, timeout=db.BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            conn.row_factory = sqlite3.Row
            for pragma in db.PRAGMAS:
                await conn.execute(pragma)
        except sqlite3.Error as exc:
            raise db.describe_sqlite_error(path, exc) from None
        return cls(conn, path, clock)

    async def close(self) -> None:
        await self._conn.close()

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction; any SQLite failure becomes a DatabaseError for the user."""
        async with self._write_lock, self._tx_unlocked() as conn:
            yield conn

    @asynccontextmanager
    async def _tx_unlocked(self) -> AsyncIterator[aiosqlite.Connection]:
        try:
            await self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise db.describe_sqlite_error(self.path, exc) from None
        try:
            yield self._conn
            await self._conn.execute("COMMIT")
        except BaseException as exc:
            try:
                await self._conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            if isinstance(exc, sqlite3.Error):
                raise db.describe_sqlite_error(self.path, exc) from None
            raise

    async def _fetchall(self, sql: str, params: Iterable[Any] | dict = ()) -> list[sqlite3.Row]:
        """A read. It waits for our own open write transaction to end: reads share the one
        connection, and must never see (and show) rows a failing COMMIT is about to drop."""
        async with self._write_lock:
            return await self._fetchall_unlocked(sql, params)

    async def _fetchall_unlocked(self, sql: str, params: Iterable[Any] | dict = ()) -> list[sqlite3.Row]:
        try:
            return list(await self._conn.execute_fetchall(sql, params))
        except sqlite3.Error as exc:
            raise db.describe_sqlite_error(self.path, exc) from None

    async def _fetchone(self, sql: str, params: Iterable[Any] | dict = ()) -> sqlite3.Row | None:
        rows = await self._fetchall(sql, params)
        return rows[0] if rows else None

    # ----- writing events ------------------------------------------------------------

    async def _insert_event(
        self,
        conn: aiosqlite.Connection,
        incident_id: str,
        kind: str,
        text: str,
        author: str,
        *,
        at: datetime | None = None,
        ref: str | None = None,
        data: dict | None = None,
        event_id: str | None = None,
    ) -> Event:
        params = self._new_event(incident_id, kind, text, author, at=at, ref=ref, data=data, event_id=event_id)
        await conn.execute(db.INSERT_EVENT, params)
        # INSERT OR IGNORE: a retried id returns the row that is already there.
        rows = await conn.execute_fetchall(f"SELECT {_EVENT_COLUMNS} FROM events WHERE id = ?", (params["id"],))
        return _event_from_row(tuple(rows[0]))

    async def append(
        self,
        incident_id: str,
        kind: str,
        text: str,
        author: str,
        *,
        at: datetime | None = None,
        ref: str | None = None,
        data: dict | None = None,
        event_id: str | None = None,
    ) -> Event:
        """Append one event and commit. Returns the stored row (the existing one on a retry)."""
        if not _RETURNING:
            async with self._tx() as conn:
                return await self._insert_event(
                    conn, incident_id, kind, text, author, at=at, ref=ref, data=data, event_id=event_id
                )
        # One statement in autocommit mode is its own transaction, committed when the last row
        # is read: one trip to aiosqlite's thread instead of four (BEGIN, INSERT, SELECT, COMMIT),
        # which is most of what the commander waits for after Enter.
        params = self._new_event(incident_id, kind, text, author, at=at, ref=ref, data=data, event_id=event_id)
        async with self._write_lock:
            rows = await self._fetchall_unlocked(_INSERT_RETURNING, params)
        if not rows:  # INSERT OR IGNORE: a retried id returns the row that is already there
            rows = await self._fetchall(f"SELECT {_EVENT_COLUMNS} FROM events WHERE id = ?", (params["id"],))
        return _event_from_row(tuple(rows[0]))

    def _new_event(
        self,
        incident_id: str,
        kind: str,
        text: str,
        author: str,
        *,
        at: datetime | None,
        ref: str | None,
        data: dict | None,
        event_id: str | None,
    ) -> dict:
        recorded = self.clock()
        return db.event_params(
            id=event_id or uuid7(),
            incident_id=incident_id,
            ts=to_db(at or recorded),
            recorded_at=to_db(recorded),
            kind=kind,
            text=text,
            author=author,
            ref=ref,
            data=data,
        )

    async def _update_incident(self, conn: aiosqlite.Connection, incident_id: str, **fields: Any) -> None:
        sets = ", ".join(f"{name} = :{name}" for name in fields)
        params = {name: (to_db(v) if isinstance(v, datetime) else v) for name, v in fields.items()}
        await conn.execute(f"UPDATE incidents SET {sets} WHERE id = :_id", {**params, "_id": incident_id})

    # ----- incidents -----------------------------------------------------------------

    async def declare(
        self,
        title: str,
        severity: int,
        author: str,
        *,
        first_phase: str,
        triage: dict[str, str] | None = None,
        impact: str | None = None,
        impact_pct: float | None = None,
        started_at: datetime | None = None,
        detected_at: datetime | None = None,
        next_update_at: datetime | None = None,
        incident_id: str | None = None,
    ) -> Incident:
        """Create an incident: its row, the declaration, each triage answer and the first phase."""
        title = title.strip()
        if not title:
            raise InputError("an incident needs a title")
        if severity not in (1, 2, 3, 4):
            raise InputError(f"severity must be 1-4, not {severity}")
        declared = self.clock()
        new_id = incident_id or new_incident_id(declared.strftime("%Y%m%d"))
        async with self._tx() as conn:
            await conn.execute(
                db.INSERT_INCIDENT,
                {
                    "id": new_id,
                    "title": title,
                    "severity": severity,
                    "phase": first_phase,
                    "commander": author,
                    "roles": json.dumps({"commander": author}),
                    "service": None,
                    "impact": impact,
                    "impact_pct": impact_pct,
                    "declared_at": to_db(declared),
                    "started_at": to_db(started_at) if started_at else None,
                    "detected_at": to_db(detected_at) if detected_at else None,
                    "next_update_at": to_db(next_update_at) if next_update_at else None,
                },
            )
            await self._insert_event(
                conn,
                new_id,
                "declared",
                f"Incident declared: {title} (SEV-{severity})",
                author,
                at=declared,
                data={"title": title, "severity": severity},
            )
            await self._insert_event(
                conn,
                new_id,
                "severity",
                f"Severity set to SEV-{severity}",
                author,
                at=declared,
                data={"old": None, "new": severity},
            )
            await self._insert_event(
                conn,
                new_id,
                "phase",
                f"Phase: {first_phase.title()}",
                author,
                at=declared,
                data={"old": None, "new": first_phase},
            )
            for key, answer in (triage or {}).items():
                if answer and answer.strip():
                    await self._insert_event(
                        conn, new_id, "triage", answer.strip(), author, at=declared, data={"question": key}
                    )
        incident = await self.incident(new_id)
        assert incident is not None
        return incident

    async def incident(self, incident_id: str) -> Incident | None:
        row = await self._fetchone("SELECT * FROM incidents WHERE id = ?", (incident_id,))
        return _incident_from_row(row) if row else None

    async def incidents(self, include_resolved: bool = False) -> list[Incident]:
        where = "" if include_resolved else "WHERE status = 'open'"
        rows = await self._fetchall(f"SELECT * FROM incidents {where} ORDER BY declared_at DESC, rowid DESC")
        return [_incident_from_row(r) for r in rows]

    async def latest_open(self) -> Incident | None:
        row = await self._fetchone(db.LATEST_OPEN_INCIDENT)
        return await self.incident(row[0]) if row else None

    async def find_incident(self, wanted: str | None) -> Incident:
        """The id given (or a unique suffix of it), else the most recently declared open incident."""
        if wanted is None:
            incident = await self.latest_open()
            if incident is None:
                raise db.no_open_incident(self.path)
            return incident
        rows = await self._fetchall(db.FIND_INCIDENT, db.find_params(wanted))
        found = db.pick_incident([r[0] for r in rows], wanted, self.path)
        incident = await self.incident(found)
        assert incident is not None
        return incident

    async def set_severity(
        self, incident_id: str, new: int, author: str, reason: str = "", next_update_at: datetime | None = None
    ) -> Event:
        """Change severity (old → new logged); `next_update_at` moves the update deadline with it."""
        if new not in (1, 2, 3, 4):
            raise InputError(f"severity must be 1-4, not {new}")
        async with self._tx() as conn:
            row = await conn.execute_fetchall("SELECT severity FROM incidents WHERE id = ?", (incident_id,))
            old = row[0][0]
            fields: dict[str, Any] = {"severity": new}
            if next_update_at is not None:
                fields["next_update_at"] = next_update_at
            await self._update_incident(conn, incident_id, **fields)
            text = f"Severity SEV-{old} → SEV-{new}" + (f": {reason}" if reason else "")
            return await self._insert_event(
                conn, incident_id, "severity", text, author, data={"old": old, "new": new, "reason": reason}
            )

    async def set_phase(self, incident_id: str, new: str, author: str, note: str = "") -> Event:
        async with self._tx() as conn:
            row = await conn.execute_fetchall("SELECT phase FROM incidents WHERE id = ?", (incident_id,))
            old = row[0][0]
            await self._update_incident(conn, incident_id, phase=new)
            text = f"Phase {old.title()} → {new.title()}" + (f" ({note})" if note else "")
            return await self._insert_event(conn, incident_id, "phase", text, author, data={"old": old, "new": new})

    async def tick(
        self, incident_id: str, phase: str, item: str, label: str, done: bool, author: str, answer: str = ""
    ) -> Event:
        verb = "✓" if done else "✗ unticked"
        text = f"{verb} {label}" + (f": {answer}" if answer else "")
        return await self.append(
            incident_id,
            "checklist",
            text,
            author,
            data={"phase": phase, "item": item, "done": done, "answer": answer},
        )

    async def set_mitigation(self, incident_id: str, level: str, label: str, restored: bool, author: str) -> Event:
        """Record the mitigation level; the first level that restores service stamps restored_at."""
        async with self._tx() as conn:
            fields: dict[str, Any] = {"mitigation": level}
            row = await conn.execute_fetchall("SELECT restored_at FROM incidents WHERE id = ?", (incident_id,))
            event = await self._insert_event(
                conn,
                incident_id,
                "mitigation",
                f"Mitigation: {label}",
                author,
                data={"level": level, "restored": restored},
            )
            if restored and row[0][0] is None:
                fields["restored_at"] = event.ts
                await self._insert_event(conn, incident_id, "restored", "Service restored", author, at=event.ts)
            await self._update_incident(conn, incident_id, **fields)
            return event

    async def resolve(self, incident_id: str, author: str, reopen: bool = False) -> Event:
        async with self._tx() as conn:
            if reopen:
                await self._update_incident(conn, incident_id, status="open", resolved_at=None)
                return await self._insert_event(conn, incident_id, "reopened", "Incident reopened", author)
            event = await self._insert_event(conn, incident_id, "resolved", "Incident resolved", author)
            await self._update_incident(conn, incident_id, status="resolved", resolved_at=event.ts)
            return event

    async def set_times(self, incident_id: str, author: str, **times: datetime) -> Event:
        """Correct when it started or was detected (both are reconstructed after the fact)."""
        allowed = {"started_at", "detected_at"}
        if not times or set(times) - allowed:
            raise InputError("only started_at and detected_at can be set")
        async with self._tx() as conn:
            await self._update_incident(conn, incident_id, **times)
            text = "; ".join(f"{k.replace('_at', '')} at {to_db(v)}" for k, v in times.items())
            return await self._insert_event(
                conn, incident_id, "triage", text, author, data={k: to_db(v) for k, v in times.items()}
            )

    async def set_role(self, incident_id: str, role: str, name: str, author: str) -> Event:
        async with self._tx() as conn:
            row = await conn.execute_fetchall("SELECT roles FROM incidents WHERE id = ?", (incident_id,))
            roles = json.loads(row[0][0] or "{}")
            old = roles.get(role)
            roles[role] = name
            fields: dict[str, Any] = {"roles": json.dumps(roles, ensure_ascii=False)}
            if role == "commander":
                fields["commander"] = name
            await self._update_incident(conn, incident_id, **fields)
            return await self._insert_event(
                conn, incident_id, "role", f"{role}: {name}", author, data={"role": role, "name": name, "old": old}
            )

    async def handoff(self, incident_id: str, new_commander: str, text: str, author: str) -> Event:
        """Record a handoff: the new commander and the handoff text, in one transaction."""
        async with self._tx() as conn:
            row = await conn.execute_fetchall("SELECT roles FROM incidents WHERE id = ?", (incident_id,))
            roles = json.loads(row[0][0] or "{}")
            old = roles.get("commander")
            roles["commander"] = new_commander
            await self._update_incident(
                conn, incident_id, commander=new_commander, roles=json.dumps(roles, ensure_ascii=False)
            )
            return await self._insert_event(
                conn, incident_id, "handoff", text, author, data={"from": old, "to": new_commander}
            )

    async def record_update_sent(
        self, incident_id: str, document: str, text: str, author: str, next_update_at: datetime | None
    ) -> Event:
        """A copied update: logged as comms with its full text; the next-update timer restarts."""
        async with self._tx() as conn:
            fields: dict[str, Any] = {"next_update_at": next_update_at}
            data: dict[str, Any] = {"document": document}
            if document == "internal":
                row = await conn.execute_fetchall("SELECT updates_sent FROM incidents WHERE id = ?", (incident_id,))
                fields["updates_sent"] = row[0][0] + 1
                data["number"] = fields["updates_sent"]
            await self._update_incident(conn, incident_id, **fields)
            return await self._insert_event(conn, incident_id, "comms", text, author, data=data)

    async def record_flag(
        self,
        incident_id: str,
        rule: str,
        action: str,
        author: str,
        *,
        text: str,
        reason: str = "",
        until: datetime | None = None,
        fingerprint: str = "",
    ) -> Event:
        return await self.append(
            incident_id,
            "flag",
            text,
            author,
            data={
                "rule": rule,
                "action": action,
                "reason": reason,
                "until": to_db(until) if until else None,
                "fingerprint": fingerprint,
            },
        )

    # ----- corrections (append-only) -------------------------------------------------

    async def amend(self, event: Event, new_text: str, author: str) -> Event:
        return await self.append(event.incident_id, "amend", new_text, author, ref=event.id)

    async def strike(self, event: Event, author: str, reason: str = "") -> Event:
        return await self.append(event.incident_id, "strike", reason or "struck", author, ref=event.id)

    async def pin(self, event: Event, author: str, pinned: bool = True) -> Event:
        kind = "pin" if pinned else "unpin"
        return await self.append(event.incident_id, kind, kind, author, ref=event.id)

    # ----- temporary fixes and action items -------------------------------------------

    async def add_temp_fix(self, incident_id: str, what: str, where: str, ticket: str, author: str) -> TempFix:
        fix_id = uuid7()
        async with self._tx() as conn:
            event = await self._insert_event(
                conn,
                incident_id,
                "tempfix",
                f"Temporary fix added: {what}" + (f" ({ticket})" if ticket else ""),
                author,
                data={"fix": fix_id, "action": "added", "where": where, "ticket": ticket},
            )
            await conn.execute(
                'INSERT INTO temp_fixes (id, incident_id, what, "where", ticket, added_at, added_by)'
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (fix_id, incident_id, what, where, ticket, to_db(event.ts), author),
            )
        return await self._temp_fix(fix_id)

    async def _temp_fix(self, fix_id: str) -> TempFix:
        row = await self._fetchone("SELECT * FROM temp_fixes WHERE id = ?", (fix_id,))
        assert row is not None
        return _temp_fix_from_row(row)

    async def close_temp_fix(self, fix: TempFix, author: str, permanent: bool = False) -> TempFix:
        """Removed, or made permanent on purpose; either way it no longer blocks the Fix phase."""
        async with self._tx() as conn:
            verb = "made permanent" if permanent else "removed"
            event = await self._insert_event(
                conn,
                fix.incident_id,
                "tempfix",
                f"Temporary fix {verb}: {fix.what}",
                author,
                data={"fix": fix.id, "action": "permanent" if permanent else "removed"},
            )
            await conn.execute(
                "UPDATE temp_fixes SET removed_at = ?, permanent = ? WHERE id = ?",
                (to_db(event.ts), int(permanent), fix.id),
            )
        return await self._temp_fix(fix.id)

    async def temp_fixes(self, incident_id: str) -> list[TempFix]:
        rows = await self._fetchall("SELECT * FROM temp_fixes WHERE incident_id = ? ORDER BY added_at", (incident_id,))
        return [_temp_fix_from_row(r) for r in rows]

    async def save_action_item(self, item: ActionItem) -> ActionItem:
        async with self._tx() as conn:
            await conn.execute(
                "INSERT INTO action_items (id, incident_id, action, owner, due, status, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET action = excluded.action,"
                " owner = excluded.owner, due = excluded.due, status = excluded.status",
                (item.id, item.incident_id, item.action, item.owner, item.due, item.status, to_db(item.created_at)),
            )
        return item

    async def action_items(self, incident_id: str) -> list[ActionItem]:
        rows = await self._fetchall(
            "SELECT * FROM action_items WHERE incident_id = ? ORDER BY created_at, id", (incident_id,)
        )
        return [ActionItem(**{**dict(r), "created_at": from_db(r["created_at"])}) for r in rows]

    # ----- editable texts (handoff draft, postmortem sections) -------------------------

    async def save_text(self, incident_id: str, name: str, text: str) -> None:
        async with self._tx() as conn:
            await conn.execute(
                "INSERT INTO texts (incident_id, name, text, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(incident_id, name) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
                (incident_id, name, text, to_db(self.clock())),
            )

    async def texts(self, incident_id: str, prefix: str = "") -> dict[str, str]:
        rows = await self._fetchall(
            "SELECT name, text FROM texts WHERE incident_id = ? AND substr(name, 1, ?) = ?",
            (incident_id, len(prefix), prefix),
        )
        return {r["name"]: r["text"] for r in rows}

    # ----- reading the timeline -------------------------------------------------------

    async def data_version(self) -> int:
        """Changes when another connection commits: the cheap poll for the live feed."""
        row = await self._fetchone("PRAGMA data_version")
        return row[0] if row else 0

    async def count_events(self, incident_id: str) -> int:
        row = await self._fetchone("SELECT count(*) FROM events WHERE incident_id = ?", (incident_id,))
        return row[0] if row else 0

    async def timeline_tail(self, incident_id: str, limit: int) -> tuple[int, list[int]]:
        """How many rows the timeline has, and the seqs of its last `limit` in display order:
        enough for the first frame of a long incident before every key is read."""
        row = await self._fetchone(
            f"SELECT count(*) FROM events WHERE incident_id = ? AND kind NOT IN ({_MARKER_LIST})", (incident_id,)
        )
        rows = await self._fetchall(
            f"SELECT seq FROM events WHERE incident_id = ? AND kind NOT IN ({_MARKER_LIST})"
            " ORDER BY ts DESC, seq DESC LIMIT ?",
            (incident_id, limit),
        )
        return (row[0] if row else 0), [r[0] for r in reversed(rows)]

    async def timeline_keys(self, incident_id: str) -> list[int]:
        """Every event's seq in display (time) order; markers are folded into their targets."""
        rows = await self._fetchall(
            f"SELECT seq FROM events WHERE incident_id = ? AND kind NOT IN ({_MARKER_LIST}) ORDER BY ts, seq",
            (incident_id,),
        )
        return [r[0] for r in rows]

    async def events_by_seq(self, seqs: list[int]) -> list[Event]:
        """The events with these seqs, folded, in the order asked."""
        if not seqs:
            return []
        marks = ",".join("?" * len(seqs))
        rows = await self._fetchall(f"SELECT {_EVENT_COLUMNS} FROM events WHERE seq IN ({marks})", seqs)
        by_seq = {r[0]: _event_from_row(tuple(r)) for r in rows}
        events = [by_seq[s] for s in seqs if s in by_seq]
        await self._fold(events)
        return events

    async def events_after(self, incident_id: str, seq: int) -> list[Event]:
        """Events (markers included) written after `seq`: the live feed's increment."""
        rows = await self._fetchall(
            EVENTS_AFTER_SQL,
            (seq, incident_id),
        )
        return [_event_from_row(tuple(r)) for r in rows]

    async def markers(self, event_id: str) -> list[Event]:
        """The amend/strike/pin/unpin events pointing at one event, oldest first."""
        rows = await self._fetchall(
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE ref = ? AND kind IN ({_MARKER_LIST}) ORDER BY seq",
            (event_id,),
        )
        return [_event_from_row(tuple(r)) for r in rows]

    async def max_seq(self) -> int:
        row = await self._fetchone("SELECT coalesce(max(seq), 0) FROM events")
        return row[0] if row else 0

    async def search(self, incident_id: str | None, query: str, limit: int = 200) -> list[Event]:
        """Full-text search (FTS5). The query is taken as words, never as FTS syntax."""
        # Control characters (a pasted NUL ends an FTS5 string early) and quotes are dropped.
        cleaned = "".join(c if c.isprintable() else " " for c in query.replace('"', " "))
        words = [w for w in cleaned.split() if w]
        if not words:
            return []
        # Each word also matches as a prefix: "roll" finds "rolling back" (a commander types stems).
        match = " ".join(f'"{w}"*' for w in words)
        where = "events_fts MATCH ?"
        params: list[Any] = [match]
        if incident_id is not None:
            where += " AND e.incident_id = ?"
            params.append(incident_id)
        rows = await self._fetchall(
            f"SELECT e.seq, e.id, e.incident_id, e.ts, e.recorded_at, e.kind, e.text, e.author, e.ref, e.data"
            # CROSS JOIN keeps FTS as the outer loop: with a plain JOIN the planner walked every
            # event of the incident and probed FTS per row (2 s at 100,000 events, not 30 ms).
            f" FROM events_fts CROSS JOIN events e ON e.seq = events_fts.rowid WHERE {where}"
            f" ORDER BY e.ts DESC, e.seq DESC LIMIT ?",
            [*params, limit],
        )
        events = [_event_from_row(tuple(r)) for r in rows]
        await self._fold(events)
        return events

    async def iter_events(self, incident_id: str, batch: int = 2_000) -> AsyncIterator[list[Event]]:
        """The whole timeline, folded, in batches (keyset paging: constant cost per batch)."""
        last_ts, last_seq = "", 0
        while True:
            rows = await self._fetchall(
                f"SELECT {_EVENT_COLUMNS} FROM events WHERE incident_id = ? AND kind NOT IN ({_MARKER_LIST})"
                " AND (ts > ? OR (ts = ? AND seq > ?)) ORDER BY ts, seq LIMIT ?",
                (incident_id, last_ts, last_ts, last_seq, batch),
            )
            if not rows:
                return
            events = [_event_from_row(tuple(r)) for r in rows]
            await self._fold(events)
            yield events
            last_ts, last_seq = rows[-1]["ts"], rows[-1]["seq"]

    async def _fold(self, events: list[Event]) -> None:
        """Apply amend/strike/pin markers to the events they point at (latest wins)."""
        if not events:
            return
        by_id = {e.id: e for e in events}
        ids = list(by_id)
        for start in range(0, len(ids), 900):  # SQLite's default variable limit is 999
            chunk = ids[start : start + 900]
            marks = ",".join("?" * len(chunk))
            rows = await self._fetchall(
                f"SELECT ref, kind, text FROM events WHERE ref IN ({marks}) AND kind IN ({_MARKER_LIST}) ORDER BY seq",
                chunk,
            )
            for ref, kind, text in rows:
                target = by_id[ref]
                if kind == "amend":
                    target.amended_text = text
                elif kind == "strike":
                    target.struck = True
                else:
                    target.pinned = kind == "pin"

    # ----- the whole state --------------------------------------------------------------

    async def _state_rows_without_bulk(self, incident_id: str) -> list[tuple]:
        """A long incident's rows for the state: every kind but the bulk ones (notes, alerts),
        plus bulk events that were ever pinned (the caller keeps those still pinned).

        Seeks by kind through the (incident, kind) index: filtering the whole incident in
        time order read all 100,000 rows (45 ms); this reads the ~2% it keeps (12 ms)."""
        present = await self._fetchall("SELECT DISTINCT kind FROM events WHERE incident_id = ?", (incident_id,))
        kinds = [k for (k,) in present if k not in MARKER_KINDS and k not in BULK_KINDS]
        rows: list[tuple] = []
        if kinds:
            marks = ",".join("?" * len(kinds))
            rows += await self._fetchall(
                f"SELECT {_EVENT_COLUMNS} FROM events INDEXED BY events_kind"
                f" WHERE incident_id = ? AND kind IN ({marks})",
                (incident_id, *kinds),
            )
        rows += await self._fetchall(
            f"SELECT DISTINCT {_EVENT_COLUMNS_OF_E} FROM events m JOIN events e ON e.id = m.ref"
            f" WHERE m.incident_id = ? AND m.kind IN ('pin', 'unpin') AND e.kind IN ({_BULK_LIST})",
            (incident_id,),
        )
        rows = [tuple(r) for r in rows]
        rows.sort(key=lambda r: (r[3], r[0]))  # (ts, seq): the timeline's order
        return rows

    async def load_state(self, incident_id: str) -> IncidentState:
        incident = await self.incident(incident_id)
        if incident is None:
            raise DatabaseError(f"no incident {incident_id!r} in {self.path}")
        count = await self.count_events(incident_id)
        truncated = count > STATE_ALL_EVENTS
        if truncated:
            rows = await self._state_rows_without_bulk(incident_id)
        else:
            sql = f"SELECT {_EVENT_COLUMNS} FROM events WHERE incident_id = ? AND kind NOT IN ({_MARKER_LIST}) ORDER BY ts, seq"
            rows = await self._fetchall(sql, (incident_id,))
        events = [_event_from_row(tuple(r)) for r in rows]
        await self._fold(events)
        if truncated:  # keep only bulk events whose latest marker left them pinned
            events = [e for e in events if e.kind not in BULK_KINDS or e.pinned]
        state = IncidentState(
            incident=incident,
            events=events,
            events_truncated=truncated,
            event_count=count,
            temp_fixes=await self.temp_fixes(incident_id),
        )
        await self.refresh_unlogged(state)
        _derive(state)
        return state

    async def refresh_unlogged(self, state: IncidentState) -> None:
        """Re-read what changes without an event (the handoff draft, the postmortem's texts and
        action items) into `state`: all a long incident's state lacks after new notes/alerts."""
        incident_id = state.incident.id
        texts = await self.texts(incident_id)
        state.handoff_draft = texts.get(HANDOFF_DRAFT, "")
        state.postmortem = {k[len(POSTMORTEM_PREFIX) :]: v for k, v in texts.items() if k.startswith(POSTMORTEM_PREFIX)}
        state.action_items = await self.action_items(incident_id)


def _temp_fix_from_row(row: sqlite3.Row) -> TempFix:
    d = dict(row)
    d["added_at"] = from_db(d["added_at"])
    d["removed_at"] = _dt(d["removed_at"])
    d["permanent"] = bool(d["permanent"])
    return TempFix(**d)


def _derive(state: IncidentState) -> None:
    """Phase spans, severity history, checklist, flag decisions and handoffs from the events."""
    for event in state.events:
        if event.struck:
            continue
        data = event.data
        if event.kind == "phase":
            if state.phases and state.phases[-1].exited_at is None:
                state.phases[-1].exited_at = event.ts
            state.phases.append(PhaseSpan(phase=data["new"], entered_at=event.ts))
        elif event.kind == "severity":
            state.severity_history.append(
                SeverityChange(
                    at=event.ts, old=data.get("old"), new=data["new"], by=event.author, reason=data.get("reason", "")
                )
            )
        elif event.kind == "checklist":
            key = f"{data['phase']}:{data['item']}"
            state.checklist[key] = ChecklistMark(
                phase=data["phase"],
                item=data["item"],
                done=data["done"],
                by=event.author,
                at=event.ts,
                answer=data.get("answer", ""),
            )
        elif event.kind == "flag":
            state.flags.append(
                FlagDecision(
                    rule=data["rule"],
                    action=data["action"],
                    at=event.ts,
                    by=event.author,
                    reason=data.get("reason", ""),
                    until=_dt(data.get("until")),
                    fingerprint=data.get("fingerprint", ""),
                )
            )
        elif event.kind == "handoff":
            state.handoffs.append(event)
        elif event.kind == "comms":
            state.last_comms_at = event.ts
