"""The store's reads: SQL that runs on its thread, and stored rows made into records (models.py).

Each function takes the store's sqlite3 connection and runs whole on the store's thread
(`Store._run`), as the write path in `warroom.core.sql` does: the timeline's keys and pages,
search, the amend/strike/pin markers folded onto their targets, and the fold of one incident
(only the rows that change something when the incident is long; drafts as their standing text).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any, NamedTuple

from warroom.core import registers, sql
from warroom.core.kinds import BULK_KINDS, HIDDEN_KINDS, MARKER_KINDS, Kind
from warroom.core.models import Event, Incident, IncidentState, trusted_event
from warroom.core.state import INCIDENT_KINDS, fold, fold_incident, timeline_order
from warroom.core.timeutil import from_db

_COLS = sql.EVENT_COLUMNS
_HIDDEN_LIST = ",".join(f"'{k}'" for k in HIDDEN_KINDS)
_MARKER_LIST = ",".join(f"'{k}'" for k in MARKER_KINDS)
_BULK_LIST = ",".join(f"'{k}'" for k in BULK_KINDS)
# The live feed's increment. `+incident_id` keeps the planner on the rowid range: through
# the incident's index it read every event of a 100,000-event incident (8 ms, not 0.02 ms).
EVENTS_AFTER_SQL = f"SELECT {_COLS} FROM events WHERE seq > ? AND +incident_id = ? ORDER BY seq"
_TIMELINE = f"incident_id = ? AND kind NOT IN ({_HIDDEN_LIST})"
# What a draft revision changes in a state (refresh_unlogged reads just these again).
_DRAFT_FIELDS = ("drafts", "drafts_at", "draft_heads", "draft_versions", "handoff_draft", "postmortem")
_E_COLS = ", ".join(f"e.{c.strip()}" for c in _COLS.split(","))
# One page of the whole timeline after (pos, id). The row value lets the (incident_id, pos, id)
# index start at the last row; spelled `pos > ? OR (pos = ? AND id > ?)` each page scanned the
# index from the incident's start (export at 100,000 events: 2.6 s of SQL, not 1.0 s).
TIMELINE_PAGE_SQL = f"SELECT {_COLS}, pos FROM events WHERE {_TIMELINE} AND (pos, id) > (?, ?) ORDER BY pos, id LIMIT ?"
# What the state folds besides drafts (read apart: only their standing revisions' text).
_OPEN_INCIDENTS = sql.LATEST_OPEN_INCIDENT.rsplit("LIMIT", 1)[0] + "LIMIT ?"
_INCIDENT_EVENTS = (
    f"SELECT {_COLS} FROM events INDEXED BY events_kind"
    f" WHERE incident_id = ? AND kind IN ({','.join('?' * len(INCIDENT_KINDS))})"
)
_NOT_MARKED = f"incident_id = ? AND kind NOT IN ({_MARKER_LIST}, 'draft')"


def event_from_row(row: Iterable[Any]) -> Event:
    """A stored row as an Event: built plainly when its values have the types validation gives
    (each is checked: models.trusted_event), else validated by pydantic (a foreign or odd row,
    refused if it is not an event). Every read and write of an event comes through here: the
    state of a 100,000-event incident no longer runs each row through the validator."""
    seq, id_, incident_id, ts, recorded_at, kind, text, author, ref, data, hlc, host = tuple(row)
    fields = dict(
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
        hlc=hlc,
        host=host,
    )
    return trusted_event(fields)


def incident_row(conn: sqlite3.Connection, incident_id: str) -> dict[str, Any] | None:
    cur = conn.execute("SELECT * FROM incidents WHERE id = ?", (incident_id,))
    row = cur.fetchone()
    if row is None:
        return None
    names = [c[0] for c in cur.description]
    d = dict(zip(names, row, strict=True))
    d["roles"] = json.loads(d["roles"] or "{}")
    return d


def incident_of(conn: sqlite3.Connection, incident_id: str, trusted: bool = False) -> Incident | None:
    """The incident's own fields (the header's): the fold of only the events that set them,
    sought by kind through the (incident, kind) index, so a 100,000-event incident costs
    what a short one does (the fold of every change kind read ~2% of it: 60-80 ms).
    `trusted`: for the first frame, nothing validated that has the types validation gives."""
    row = incident_row(conn, incident_id)
    if row is None:
        return None
    events = read_events(conn, _INCIDENT_EVENTS, (incident_id, *INCIDENT_KINDS))
    return fold_incident(row, events) if trusted else fold(row, events).incident


def open_incident_ids(conn: sqlite3.Connection, limit: int = -1) -> list[str]:
    """The open incidents' ids, latest declared first, up to `limit` (-1: all), without folding
    any: open is the last of its resolved/reopened events (what the fold makes of `status`)."""
    return [r[0] for r in conn.execute(_OPEN_INCIDENTS, (limit,))]


def marks(conn: sqlite3.Connection, ids: list[str]) -> dict[str, list[Any]]:
    """The amend/strike/pin markers on these events, folded (latest wins):
    {id: [amended_text, struck, pinned]} for the marked ones only."""
    found: dict[str, list[Any]] = {}
    for start in range(0, len(ids), 900):  # SQLite's default variable limit is 999
        chunk = ids[start : start + 900]
        rows = conn.execute(
            f"SELECT ref, kind, text FROM events WHERE ref IN ({','.join('?' * len(chunk))})"
            f" AND kind IN ({_MARKER_LIST}) ORDER BY hlc, id",
            chunk,
        ).fetchall()
        for ref, kind, text in rows:
            mark = found.setdefault(ref, [None, False, False])
            if kind == "amend":
                mark[0] = text
            elif kind == "strike":
                mark[1] = True
            else:
                mark[2] = kind == "pin"
    return found


def mark(conn: sqlite3.Connection, events: list[Event]) -> None:
    """Apply amend/strike/pin markers to the events they point at (latest wins)."""
    by_id = {e.id: e for e in events}
    for ref, (amended, struck, pinned) in marks(conn, list(by_id)).items():
        target = by_id[ref]
        if amended is not None:
            target.amended_text = amended
        if struck:
            target.struck = True
        target.pinned = pinned


def search_sql(in_incident: bool) -> str:
    """Full-text search's SQL: parameters (FTS5 match[, incident id], limit).

    CROSS JOIN keeps FTS as the outer loop: with a plain JOIN the planner walked every event
    of the incident and probed FTS per row (2 s at 100,000 events, not 30 ms). The newest
    `limit` hits are picked by their seq alone, then read whole: sorting the 16,500 whole rows
    a common word matches at 100,000 events took 150-340 ms; sorting their keys, 40-80 ms."""
    incident = " AND x.incident_id = ?" if in_incident else ""
    return (
        f"SELECT {_E_COLS} FROM events e WHERE e.seq IN (SELECT x.seq FROM events_fts CROSS JOIN events x"
        f" ON x.seq = events_fts.rowid WHERE events_fts MATCH ?{incident} AND x.kind NOT IN ({_HIDDEN_LIST})"
        " ORDER BY x.pos DESC, x.id DESC LIMIT ?) ORDER BY e.pos DESC, e.id DESC"
    )


def fts_match(query: str) -> str | None:
    """The FTS5 MATCH for what the commander typed, taken as words, never as FTS syntax
    (None: no words). Control characters (a pasted NUL ends an FTS5 string early) and quotes
    are dropped; each word also matches as a prefix: "roll" finds "rolling back"."""
    cleaned = "".join(c if c.isprintable() else " " for c in query.replace('"', " "))
    words = [w for w in cleaned.split() if w]
    return " ".join(f'"{w}"*' for w in words) if words else None


def search(conn: sqlite3.Connection, incident_id: str | None, query: str, limit: int) -> list[Event]:
    """Full-text search (FTS5): the newest `limit` matching timeline rows, newest first."""
    match = fts_match(query)
    if match is None:
        return []
    params: list[Any] = [match] if incident_id is None else [match, incident_id]
    return read_events(conn, search_sql(incident_id is not None), [*params, limit])


def read_events(conn: sqlite3.Connection, query: str, params: Iterable[Any] = ()) -> list[Event]:
    events = [event_from_row(r) for r in conn.execute(query, tuple(params)).fetchall()]
    mark(conn, events)
    return events


def changes(conn: sqlite3.Connection, incident_id: str) -> list[Event]:
    """A long incident's rows for the state: every kind but the bulk ones (notes, alerts) and
    drafts, plus bulk events that were ever pinned (the caller keeps those still pinned).

    Seeks by kind through the (incident, kind) index: filtering the whole incident in
    time order read all 100,000 rows (45 ms); this reads the ~2% it keeps (12 ms)."""
    present = conn.execute("SELECT DISTINCT kind FROM events WHERE incident_id = ?", (incident_id,)).fetchall()
    kinds = [k for (k,) in present if k not in MARKER_KINDS and k not in BULK_KINDS and k != Kind.DRAFT]
    events: list[Event] = []
    if kinds:
        events += read_events(
            conn,
            f"SELECT {_COLS} FROM events INDEXED BY events_kind WHERE incident_id = ? AND kind IN ({','.join('?' * len(kinds))})",
            (incident_id, *kinds),
        )
    cols = ", ".join(f"e.{c.strip()}" for c in _COLS.split(","))
    events += read_events(
        conn,
        f"SELECT DISTINCT {cols} FROM events m JOIN events e ON e.id = m.ref"
        f" WHERE m.incident_id = ? AND m.kind IN ('pin', 'unpin') AND e.kind IN ({_BULK_LIST})",
        (incident_id,),
    )
    return events


def draft_events(conn: sqlite3.Connection, incident_id: str) -> list[Event]:
    """Every draft revision's (id, hlc, base), with the text of the standing ones only: a
    handoff saved each second for an hour is thousands of revisions nobody reads again."""
    rows = conn.execute(
        "SELECT id, hlc, data FROM events WHERE incident_id = ? AND kind = 'draft' ORDER BY hlc, id", (incident_id,)
    ).fetchall()
    if not rows:
        return []
    by_name: dict[str, list[tuple[str, dict]]] = {}
    for event_id, _, data in rows:
        d = json.loads(data)
        by_name.setdefault(d.get("name", ""), []).append((event_id, d))
    standing = {h for changes in by_name.values() for h in registers.heads(changes)}
    texts = {
        e.id: e
        for e in read_events(
            conn, f"SELECT {_COLS} FROM events WHERE id IN ({','.join('?' * len(standing))})", list(standing)
        )
    }
    shells: list[Event] = []
    for event_id, hlc, data in rows:
        if event_id in texts:
            shells.append(texts[event_id])
        else:  # a replaced revision: enough to fold the heads
            first = next(iter(texts.values()))
            shells.append(first.model_copy(update={"id": event_id, "hlc": hlc, "data": json.loads(data), "text": ""}))
    return shells


def draft_heads(conn: sqlite3.Connection, incident_id: str) -> dict[str, Event]:
    """Each draft's shown revision (the latest standing one), by name."""
    shells = draft_events(conn, incident_id)
    state_drafts: dict[str, list[Event]] = {}
    for e in shells:
        state_drafts.setdefault(e.data.get("name", ""), []).append(e)
    shown: dict[str, Event] = {}
    for name, revisions in state_drafts.items():
        revisions.sort(key=lambda e: (e.hlc, e.id))
        standing = set(registers.heads((e.id, e.data) for e in revisions))
        shown[name] = max((e for e in revisions if e.id in standing), key=lambda e: (e.hlc, e.id))
    return shown


# ----- the timeline -------------------------------------------------------------------


class FirstScreen(NamedTuple):
    """What the war room's first frame needs, read in one trip to the store's thread."""

    data_version: int  # the live feed polls from here
    last_seq: int
    rows: int  # the timeline's rows in all
    tail: list[int]  # the seqs of its newest rows, in display order
    newest: list[Event]  # their events
    incident: Incident | None  # folded for the header (trusted)


def first_screen(conn: sqlite3.Connection, incident_id: str, limit: int) -> FirstScreen:
    version = conn.execute("PRAGMA data_version").fetchone()[0]
    last_seq = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
    rows, tail = timeline_tail(conn, incident_id, limit)
    newest = events_by_seq(conn, tail) if tail else []
    return FirstScreen(version, last_seq, rows, tail, newest, incident_of(conn, incident_id, trusted=True))


class Elsewhere(NamedTuple):
    """An alert or a declaration in another incident of the same file (the war room says so)."""

    incident_id: str
    title: str
    kind: str  # "alert" or "declared"
    text: str
    open: bool  # the incident is open (an alert into a resolved one: a recurrence?)


NEWS_ELSEWHERE_SQL = """
SELECT e.incident_id, i.title, e.kind, e.text FROM events e JOIN incidents i ON i.id = e.incident_id
WHERE e.seq > ? AND e.incident_id != ? AND e.kind IN ('alert', 'declared') ORDER BY e.seq LIMIT ?
"""


def news_elsewhere(conn: sqlite3.Connection, incident_id: str, seq: int, limit: int) -> tuple[int, list[Elsewhere]]:
    """The alerts and declarations written into other incidents after `seq` (at most `limit`),
    and the newest seq of all to look from next time."""
    newest = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
    rows = conn.execute(NEWS_ELSEWHERE_SQL, (seq, incident_id, limit)).fetchall()
    return newest, [Elsewhere(row[0], row[1], row[2], row[3], sql.is_open(conn, row[0])) for row in rows]


def timeline_tail(conn: sqlite3.Connection, incident_id: str, limit: int) -> tuple[int, list[int]]:
    """How many rows the timeline has, and the seqs of its last `limit` in display order."""
    # Every row less the hidden ones: each count a range of an index, without testing the
    # kind of each of the incident's rows (32 ms at 100,000 events; this, 10 ms).
    count = conn.execute(
        f"SELECT (SELECT count(*) FROM events WHERE incident_id = ?)"
        f" - (SELECT count(*) FROM events INDEXED BY events_kind WHERE incident_id = ? AND kind IN ({_HIDDEN_LIST}))",
        (incident_id, incident_id),
    ).fetchone()[0]
    rows = conn.execute(
        f"SELECT seq FROM events WHERE {_TIMELINE} ORDER BY pos DESC, id DESC LIMIT ?", (incident_id, limit)
    ).fetchall()
    return count, [r[0] for r in reversed(rows)]


def timeline_keys(conn: sqlite3.Connection, incident_id: str) -> list[int]:
    """Every timeline row's seq in display order."""
    return [r[0] for r in conn.execute(f"SELECT seq FROM events WHERE {_TIMELINE} ORDER BY pos, id", (incident_id,))]


def rows_after(conn: sqlite3.Connection, incident_id: str, seq: int) -> int | None:
    """How many timeline rows come after this one in display order (None: not a timeline row).

    A search's match is placed at `rows - 1 - rows_after` without reading every key: matches
    are newest first, so this counts few rows through the (incident_id, pos, id) index, where
    counting the rows before one read the whole incident (40-100 ms at 100,000 events)."""
    row = conn.execute(f"SELECT pos, id FROM events WHERE seq = ? AND {_TIMELINE}", (seq, incident_id)).fetchone()
    if row is None:
        return None
    return conn.execute(
        f"SELECT count(*) FROM events WHERE {_TIMELINE} AND (pos, id) > (?, ?)", (incident_id, *row)
    ).fetchone()[0]


def events_by_seq(conn: sqlite3.Connection, seqs: list[int]) -> list[Event]:
    """The events with these seqs, marked, in the order asked."""
    found: dict[int, Event] = {}
    for start in range(0, len(seqs), 900):
        chunk = seqs[start : start + 900]
        rows = conn.execute(f"SELECT {_COLS} FROM events WHERE seq IN ({','.join('?' * len(chunk))})", chunk)
        found.update((r[0], event_from_row(r)) for r in rows)
    events = [found[s] for s in seqs if s in found]
    mark(conn, events)
    return events


def events_after(conn: sqlite3.Connection, incident_id: str, seq: int) -> list[Event]:
    return [event_from_row(r) for r in conn.execute(EVENTS_AFTER_SQL, (seq, incident_id))]


def markers(conn: sqlite3.Connection, event_id: str) -> list[Event]:
    return [
        event_from_row(r)
        for r in conn.execute(
            f"SELECT {_COLS} FROM events WHERE ref = ? AND kind IN ({_MARKER_LIST}) ORDER BY hlc, id", (event_id,)
        )
    ]


def timeline_page(
    conn: sqlite3.Connection, incident_id: str, last: tuple[int, str], batch: int
) -> tuple[list[tuple], dict[str, list[Any]]]:
    """`batch` stored rows of the timeline after (pos, id) `last`, each ending with its pos,
    and their markers."""
    rows = conn.execute(TIMELINE_PAGE_SQL, (incident_id, last[0], last[1], batch)).fetchall()
    return rows, marks(conn, [r[1] for r in rows])


# ----- the whole state ----------------------------------------------------------------


def state_of(
    conn: sqlite3.Connection, incident_id: str, *, with_story: bool, all_events: int, host: str | None
) -> IncidentState | None:
    """The fold of one incident. Without the story, only the events that change something
    are read (what `list` and the writes need); above `all_events` events, bulk events stay out."""
    row = incident_row(conn, incident_id)
    if row is None:
        return None
    count = conn.execute("SELECT count(*) FROM events WHERE incident_id = ?", (incident_id,)).fetchone()[0]
    truncated = count > all_events or not with_story
    if truncated:
        events = [e for e in changes(conn, incident_id) if e.kind not in BULK_KINDS or e.pinned]
    else:
        events = read_events(conn, f"SELECT {_COLS} FROM events WHERE {_NOT_MARKED}", (incident_id,))
    events.sort(key=timeline_order)
    story = [e for e in events if e.kind not in HIDDEN_KINDS]
    drafts = draft_events(conn, incident_id)
    state = fold(row, [*events, *drafts], timeline=story, event_count=count, truncated=truncated)
    state.host = host or sql.meta(conn, "host") or ""  # read-only: never made here
    return state


def refresh_unlogged(conn: sqlite3.Connection, state: IncidentState) -> IncidentState:
    """A copy of `state` with the drafts read again (see Store.refresh_unlogged)."""
    row = incident_row(conn, state.incident.id) or {}
    drafts = fold(row, draft_events(conn, state.incident.id)) if row else state
    return state.model_copy(update={name: getattr(drafts, name) for name in _DRAFT_FIELDS})
