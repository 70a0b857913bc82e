"""The async store: every write is committed before it returns; reads return records (models.py).

The store owns one sqlite3 connection on one thread of its own: each call runs a whole
function there (one hop, not one per statement), from `warroom.core.sql` (the one write path,
which the CLI runs without a thread), `warroom.core.writes` (writes of several rows) or
`warroom.core.reads` (queries and rows made into models), so the UI's event loop never
waits on the disk.
Events are the only truth: the incident's row is its declaration, written once; what
changes is folded from the events (warroom.core.state).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from warroom.core import db, reads, sql, writes
from warroom.core.errors import DatabaseError, InputError
from warroom.core.ids import incident_id as new_incident_id
from warroom.core.ids import uuid7
from warroom.core.kinds import Kind
from warroom.core.models import ActionItem, Event, Incident, IncidentState, TempFix
from warroom.core.state import HANDOFF_DRAFT, POSTMORTEM_PREFIX
from warroom.core.timeutil import local, to_db
from warroom.core.timeutil import now as system_now

__all__ = ["HANDOFF_DRAFT", "POSTMORTEM_PREFIX", "STATE_ALL_EVENTS", "Store"]

T = TypeVar("T")
# A write whose hlc is this far ahead of the wall clock means the clock is behind the incident.
CLOCK_SLACK_MS = 2_000
# Above this many events, load_state keeps routine bulk events out of memory.
STATE_ALL_EVENTS = 5_000


class Store:
    def __init__(
        self, conn: sqlite3.Connection, executor: ThreadPoolExecutor, path: Path, clock: Callable[[], datetime]
    ):
        self._conn = conn
        self._executor = executor
        self.path = path
        self.clock = clock
        self._host: str | None = None
        self.clock_behind: timedelta | None = None  # see _note_clock
        self.written: Event | None = None  # append's last event: the live feed need not read it back

    # ----- opening -------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        path: Path | str,
        create: bool = True,
        clock: Callable[[], datetime] = system_now,
        read_only: bool = False,
        prepared: sqlite3.Connection | None = None,
    ) -> Store:
        """The store on `path`; `prepared`: that file already opened by db.prepare (checked and
        migrated), adopted instead of opened again, and closed with the store."""
        path = Path(path)
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warroom-store")

        def connect() -> sqlite3.Connection:
            # Checks, migrations; the connection lives on this thread.
            conn = prepared if prepared is not None else db.open_db(path, create, read_only)
            if not conn.execute("PRAGMA query_only").fetchone()[0]:
                try:  # a writable file knows its host before anything is shown
                    sql.host_id(conn)
                except sqlite3.OperationalError:  # opened read-only (a private copy of an old file)
                    pass
            return conn

        try:
            conn = await asyncio.get_running_loop().run_in_executor(executor, connect)
        except BaseException:
            executor.shutdown(wait=False)
            if prepared is not None:
                prepared.close()
            raise
        return cls(conn, executor, path, clock)

    async def close(self) -> None:
        try:
            await self._run(lambda conn: conn.close())
        finally:
            self._executor.shutdown(wait=False)

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn(conn, *args)` on the store's thread; SQLite failures become one line."""

        def call() -> T:
            try:
                return fn(self._conn, *args, **kwargs)
            except sqlite3.Error as exc:
                db.rollback(self._conn)
                raise db.describe_sqlite_error(self.path, exc) from None

        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def _host_of(self, conn: sqlite3.Connection) -> str:
        if self._host is None:
            self._host = sql.host_id(conn)
        return self._host

    async def host(self) -> str:
        return await self._run(self._host_of)

    async def _write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn(conn, host, *args)` on the store's thread (see warroom.core.writes)."""
        return await self._run(lambda conn: fn(conn, self._host_of(conn), *args, **kwargs))

    # ----- writing events ------------------------------------------------------------

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
        mark_resolved: bool = False,
    ) -> Event:
        """Append one event and commit. Returns the stored row (the existing one on a retry).
        `mark_resolved`: into a resolved incident, marked `after_resolution` (asked with the insert)."""
        now = self.clock()

        def write(conn: sqlite3.Connection) -> Event:
            closed = mark_resolved and not sql.is_open(conn, incident_id)
            payload = {**(data or {}), "after_resolution": True} if closed else data
            row = sql.append(
                conn, self._host_of(conn), incident_id, kind, text, author,
                now=now, at=at, ref=ref, data=payload, event_id=event_id,
            )  # fmt: skip
            return reads.event_from_row(row)

        self.written = event = self._note_clock(await self._run(write), now)
        return event

    def _note_clock(self, event: Event, now: datetime) -> Event:
        """How far this machine's clock is behind the incident's order (a clock stepped back, a
        laptop behind the team's): events keep their order (the hlc); the war room says so once."""
        behind_ms = event.hlc // 1000 - sql.millis(now)
        self.clock_behind = timedelta(milliseconds=behind_ms) if behind_ms > CLOCK_SLACK_MS else None
        return event

    async def _change(
        self, incident_id: str, kind: str, text: str, author: str, data: dict, *, also: Callable | None = None
    ) -> Event:
        """A change to a single-valued thing, naming the heads it replaces, in one transaction."""
        now = self.clock()

        def write(conn: sqlite3.Connection) -> Event:
            host = self._host_of(conn)
            with sql.transaction(conn):
                row = sql.append_change(conn, host, incident_id, kind, text, author, now=now, data=data)
                event = reads.event_from_row(row)
                if also is not None:
                    also(conn, host, event)
            return event

        return self._note_clock(await self._run(write), now)

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
        service: str | None = None,
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
        fields = {
            "title": title,
            "severity": severity,
            "phase": first_phase,
            "commander": author,
            "service": service,
            "impact": impact,
            "impact_pct": impact_pct,
            "started_at": to_db(started_at) if started_at else None,
            "detected_at": to_db(detected_at) if detected_at else None,
            "next_update_at": to_db(next_update_at) if next_update_at else None,
        }

        await self._write(writes.declare, new_id, fields, author=author, declared=declared, triage=triage)
        incident = await self.incident(new_id)
        assert incident is not None
        return incident

    async def incident(self, incident_id: str, trusted: bool = False) -> Incident | None:
        return await self._run(reads.incident_of, incident_id, trusted)

    async def incidents(self, include_resolved: bool = False) -> list[Incident]:
        def read(conn: sqlite3.Connection) -> list[Incident]:
            ids = [r[0] for r in conn.execute("SELECT id FROM incidents ORDER BY declared_at DESC, rowid DESC")]
            found = [i for i in (reads.incident_of(conn, i) for i in ids) if i is not None]  # header folds
            return [i for i in found if include_resolved or i.status == "open"]

        return await self._run(read)

    async def declared_here(self) -> set[str]:
        """The incidents declared on this file (their declaration carries its host), not by a
        teammate whose file the sync brought in."""

        def read(conn: sqlite3.Connection) -> set[str]:
            rows = conn.execute(  # per incident through the (incident_id, kind) index, not every event
                "SELECT id FROM incidents i WHERE EXISTS (SELECT 1 FROM events e"
                " WHERE e.incident_id = i.id AND e.kind = 'declared' AND e.host = ?)",
                (self._host_of(conn),),
            )
            return {r[0] for r in rows}

        return await self._run(read)

    async def is_open(self, incident_id: str) -> bool:
        return await self._run(sql.is_open, incident_id)

    async def latest_open(self) -> Incident | None:
        found = await self._run(sql.latest_open)
        return await self.incident(found) if found else None

    async def open_incident_ids(self, limit: int = -1) -> list[str]:
        """The open incidents' ids, latest declared first (no fold: what picks the first screen)."""
        return await self._run(reads.open_incident_ids, limit)

    async def find_incident_id(self, wanted: str | None) -> str:
        """The id given (or a unique suffix of it), else the most recently declared open incident."""
        return await self._run(sql.find_incident, wanted, self.path)

    async def find_incident(self, wanted: str | None) -> Incident:
        return await self._current(await self.find_incident_id(wanted))

    async def set_severity(
        self, incident_id: str, new: int, author: str, reason: str = "", next_update_at: datetime | None = None
    ) -> Event:
        """Change severity (old → new logged); `next_update_at` moves the update deadline with it."""
        if new not in (1, 2, 3, 4):
            raise InputError(f"severity must be 1-4, not {new}")
        old = (await self._current(incident_id)).severity
        text = f"Severity SEV-{old} → SEV-{new}" + (f": {reason}" if reason else "")
        data: dict[str, Any] = {"old": old, "new": new, "reason": reason}
        if next_update_at is not None:
            data["next_update_at"] = to_db(next_update_at)
        return await self._change(incident_id, Kind.SEVERITY, text, author, data)

    async def set_phase(self, incident_id: str, new: str, author: str, note: str = "") -> Event:
        old = (await self._current(incident_id)).phase
        text = _noted(f"Phase {old.title()} → {new.title()}", note)
        return await self._change(incident_id, Kind.PHASE, text, author, {"old": old, "new": new})

    async def tick(
        self, incident_id: str, phase: str, item: str, label: str, done: bool, author: str, answer: str = ""
    ) -> Event:
        verb = "✓" if done else "✗ unticked"
        text = f"{verb} {label}" + (f": {answer}" if answer else "")
        data = {"phase": phase, "item": item, "done": done, "answer": answer}
        return await self.append(incident_id, Kind.CHECKLIST, text, author, data=data)

    async def set_mitigation(self, incident_id: str, level: str, label: str, restored: bool, author: str) -> Event:
        """Record the mitigation level; the first level that restores service stamps restored_at."""

        def restore(conn: sqlite3.Connection, host: str, event: Event) -> None:
            if restored:
                writes.restored_once(conn, host, incident_id, author, at=event.ts, now=event.recorded_at)

        data = {"level": level, "restored": restored}
        return await self._change(incident_id, Kind.MITIGATION, f"Mitigation: {label}", author, data, also=restore)

    async def resolve(self, incident_id: str, author: str, reopen: bool = False) -> Event:
        if reopen:
            return await self._change(incident_id, Kind.REOPENED, "Incident reopened", author, {})
        return await self._change(incident_id, Kind.RESOLVED, "Incident resolved", author, {})

    async def set_details(
        self, incident_id: str, author: str, *, shown: dict[str, str] | None = None, note: str = "", **details: Any
    ) -> Event:
        """Correct when impact started or was detected, the service or the impact. `shown`: a
        value as the timeline says it (a playbook impact's label for its key); `note` follows
        the text in brackets."""
        allowed = {"started_at", "detected_at", "service", "impact", "impact_pct"}
        if not details or set(details) - allowed:
            raise InputError(f"only {', '.join(sorted(allowed))} can be set")
        data = {k: (to_db(v) if isinstance(v, datetime) else v) for k, v in details.items()}

        def said(value: Any) -> str:
            if isinstance(value, datetime):  # the commander's local time, with its zone and day
                return local(value).strftime("%H:%M %Z, %Y-%m-%d")
            if isinstance(value, float):
                return f"{value:g}"
            return "not known" if value in (None, "") else str(value)

        names = {"started_at": "Impact started", "detected_at": "Detected", "impact_pct": "Impact %"}
        shown = shown or {}
        text = "; ".join(f"{names.get(k, k.capitalize())}: {shown.get(k) or said(v)}" for k, v in details.items())
        text = _noted(text, note)
        # A change naming what it replaces: two made apart that disagree both stand (registers).
        return await self._change(incident_id, Kind.DETAILS, text, author, data)

    async def set_times(self, incident_id: str, author: str, **times: datetime) -> Event:
        """Correct when it started or was detected (both are reconstructed after the fact)."""
        if not times or set(times) - {"started_at", "detected_at"}:
            raise InputError("only started_at and detected_at can be set")
        details: dict[str, Any] = dict(times)
        return await self.set_details(incident_id, author, shown=None, **details)

    async def set_role(self, incident_id: str, role: str, name: str, author: str, note: str = "") -> Event:
        old = (await self._current(incident_id)).roles.get(role)
        data = {"role": role, "name": name, "old": old}
        text = _noted(f"{role}: {name}", note)
        return await self._change(incident_id, Kind.ROLE, text, author, data)

    async def handoff(self, incident_id: str, new_commander: str, text: str, author: str) -> Event:
        """Record a handoff: the new commander and the handoff text, in one event."""
        incident = await self._current(incident_id)
        old = incident.roles.get("commander") or incident.commander
        return await self._change(incident_id, Kind.HANDOFF, text, author, {"from": old, "to": new_commander})

    async def record_update_sent(
        self, incident_id: str, document: str, text: str, author: str, next_update_at: datetime | None
    ) -> Event:
        """A copied update: logged as comms with its full text; the next-update timer restarts."""
        now = self.clock()
        row = await self._write(
            writes.update_sent, incident_id, document, text, author, now=now, next_update_at=next_update_at
        )
        return reads.event_from_row(row)

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
        data = {
            "rule": rule,
            "action": action,
            "reason": reason,
            "until": to_db(until) if until else None,
            "fingerprint": fingerprint,
        }
        return await self.append(incident_id, Kind.FLAG, text, author, data=data)

    # ----- corrections (append-only) -------------------------------------------------

    async def amend(self, event: Event, new_text: str, author: str) -> Event:
        return await self.append(event.incident_id, Kind.AMEND, new_text, author, ref=event.id)

    async def strike(self, event: Event, author: str, reason: str = "") -> Event:
        return await self.append(event.incident_id, Kind.STRIKE, reason or "struck", author, ref=event.id)

    async def pin(self, event: Event, author: str, pinned: bool = True) -> Event:
        kind = Kind.PIN if pinned else Kind.UNPIN
        return await self.append(event.incident_id, kind, str(kind), author, ref=event.id)

    # ----- temporary fixes and action items -------------------------------------------

    async def add_temp_fix(self, incident_id: str, what: str, where: str, ticket: str, author: str) -> TempFix:
        fix_id = uuid7()
        text = f"Temporary fix added: {what}" + (f" ({ticket})" if ticket else "")
        data = {"fix": fix_id, "action": "added", "what": what, "where": where, "ticket": ticket}
        await self.append(incident_id, Kind.TEMPFIX, text, author, data=data)
        return next(f for f in await self.temp_fixes(incident_id) if f.id == fix_id)

    async def close_temp_fix(self, fix: TempFix, author: str, permanent: bool = False) -> TempFix:
        """Removed, or made permanent on purpose; either way it no longer blocks the Fix phase."""
        verb = "made permanent" if permanent else "removed"
        data = {"fix": fix.id, "action": "permanent" if permanent else "removed"}
        await self.append(fix.incident_id, Kind.TEMPFIX, f"Temporary fix {verb}: {fix.what}", author, data=data)
        return next(f for f in await self.temp_fixes(fix.incident_id) if f.id == fix.id)

    async def temp_fixes(self, incident_id: str) -> list[TempFix]:
        return (await self.load_state(incident_id)).temp_fixes

    async def save_action_item(self, item: ActionItem, author: str = "") -> ActionItem:
        """A new revision of an action item (logged on its incident's timeline)."""
        data = {
            "item": item.id,
            "action": item.action,
            "owner": item.owner,
            "due": item.due,
            "status": item.status,
            "created_at": to_db(item.created_at),
        }
        text = f"Action item: {item.action}" + (
            f" ({item.owner}" + (f", due {item.due}" if item.due else "") + ")" if item.owner else ""
        )
        if item.status != "Open":
            text += f" — {item.status}"
        await self._change(item.incident_id, Kind.ACTION_ITEM, text, author or item.owner or "", data)
        return item

    async def action_items(self, incident_id: str) -> list[ActionItem]:
        return (await self.load_state(incident_id)).action_items

    # ----- drafts (handoff, postmortem sections): revisions, never overwritten ---------------

    async def save_text(
        self, incident_id: str, name: str, text: str, author: str = "", base: list[str] | None = None, **how: bool
    ) -> list[str]:
        """A new revision of a draft, made from the revisions `base` (what the editor loaded;
        None: whatever stands now); `how`: writes.save_draft's flags (generated). Returns the
        revisions the editor now stands on. An edit made from a revision another edit has since
        replaced does not overwrite it: both stand (`draft_versions`) until one made from both."""
        now = self.clock()
        return await self._write(writes.save_draft, incident_id, name, text, author, now=now, base=base, **how)

    async def texts(self, incident_id: str, prefix: str = "") -> dict[str, str]:
        def read(conn: sqlite3.Connection) -> dict[str, str]:
            return {n: e.text for n, e in reads.draft_heads(conn, incident_id).items() if n.startswith(prefix)}

        return await self._run(read)

    # ----- reading the timeline -------------------------------------------------------

    async def data_version(self) -> int:
        """Changes when another connection commits: the cheap poll for the live feed."""
        return await self._run(lambda conn: conn.execute("PRAGMA data_version").fetchone()[0])

    async def count_events(self, incident_id: str) -> int:
        return await self._run(
            lambda conn: conn.execute("SELECT count(*) FROM events WHERE incident_id = ?", (incident_id,)).fetchone()[0]
        )

    async def first_screen(self, incident_id: str, limit: int) -> reads.FirstScreen:
        """The war room's first frame in one trip to the store's thread: the live feed's starting
        point, the timeline's newest `limit` rows and the incident for the header."""
        return await self._run(reads.first_screen, incident_id, limit)

    async def timeline_keys(self, incident_id: str) -> list[int]:
        """Every event's seq in timeline order; markers fold into their targets, drafts are not shown."""
        return await self._run(reads.timeline_keys, incident_id)

    async def rows_after(self, incident_id: str, seq: int) -> int | None:
        """How many timeline rows follow this one in display order (None: not on the timeline)."""
        return await self._run(reads.rows_after, incident_id, seq)

    async def events_by_seq(self, seqs: list[int]) -> list[Event]:
        """The events with these seqs, marked, in the order asked."""
        return await self._run(reads.events_by_seq, seqs) if seqs else []

    async def events_after(self, incident_id: str, seq: int) -> list[Event]:
        """Events (markers and drafts included) written after `seq`: the live feed's increment."""
        return await self._run(reads.events_after, incident_id, seq)

    async def news_elsewhere(self, incident_id: str, seq: int, limit: int) -> tuple[int, list[reads.Elsewhere]]:
        """Alerts and declarations in other incidents written after `seq`, and the newest seq."""
        return await self._run(reads.news_elsewhere, incident_id, seq, limit)

    async def markers(self, event_id: str) -> list[Event]:
        """The amend/strike/pin/unpin events pointing at one event, oldest first."""
        return await self._run(reads.markers, event_id)

    async def search(self, incident_id: str | None, query: str, limit: int = 200) -> list[Event]:
        """Full-text search (FTS5). The query is taken as words, never as FTS syntax."""
        return await self._run(reads.search, incident_id, query, limit)

    async def iter_events(self, incident_id: str, batch: int = 2_000) -> AsyncIterator[list[Event]]:
        """The whole timeline, marked, in batches (keyset paging: constant cost per batch)."""
        async for rows, marks in self.iter_event_rows(incident_id, batch):
            events = [reads.event_from_row(r) for r in rows]
            for event in events:
                if (mark := marks.get(event.id)) is not None:
                    event.amended_text, event.struck, event.pinned = mark
            yield events

    async def iter_event_rows(
        self, incident_id: str, batch: int = 2_000
    ) -> AsyncIterator[tuple[list[tuple], dict[str, list[Any]]]]:
        """The timeline as stored rows (EVENT_COLUMNS), a batch and its markers per hop to the
        store's thread ({id: [amended_text, struck, pinned]}, see `reads.marks`): what the JSON
        export writes without building 100,000 pydantic models."""
        after: tuple[int, str] = (-1, "")
        while True:
            rows, marks = await self._run(reads.timeline_page, incident_id, after, batch)
            if not rows:
                return
            after = (rows[-1][-1], rows[-1][1])
            yield [r[:-1] for r in rows], marks

    # ----- the whole state --------------------------------------------------------------

    async def _current(self, incident_id: str) -> Incident:
        incident = await self.incident(incident_id)
        if incident is None:
            raise DatabaseError(f"no incident {incident_id!r} in {self.path}")
        return incident

    def _state_of(self, conn: sqlite3.Connection, incident_id: str, with_story: bool = True) -> IncidentState | None:
        """The fold of one incident; a long one (over STATE_ALL_EVENTS) keeps bulk events out."""
        return reads.state_of(conn, incident_id, with_story=with_story, all_events=STATE_ALL_EVENTS, host=self._host)

    async def load_state(self, incident_id: str) -> IncidentState:
        state = await self._run(self._state_of, incident_id)
        if state is None:
            raise DatabaseError(f"no incident {incident_id!r} in {self.path}")
        return state

    async def refresh_unlogged(self, state: IncidentState) -> IncidentState:
        """A copy of `state` with what changes without a timeline row (the drafts) read again:
        a long incident's new notes and alerts are counted, not read, and so are its drafts."""
        return await self._run(reads.refresh_unlogged, state)


def _noted(text: str, note: str) -> str:
    """An event's text with why it was written, in brackets ("(confirmed after it was changed apart)")."""
    return f"{text} ({note})" if note else text
