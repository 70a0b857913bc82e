"""The SQLite file: checks, schema, migrations and the SQL both writers share.

Stdlib only (sqlite3): `warroom log` in a deploy script goes through here without
loading pydantic, aiosqlite or Textual. The async store (store.py) opens the file
through `prepare()` first, then runs the same statements through aiosqlite.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

from warroom.core.errors import DatabaseError

APPLICATION_ID = 0x57524D31  # "WRM1": marks the file as warroom's
BUSY_TIMEOUT_MS = 10_000  # concurrent writers wait this long rather than fail
SQLITE_HEADER = b"SQLite format 3\x00"

# Forward-only migrations; MIGRATIONS[n] takes a file from user_version n to n+1.
MIGRATIONS: list[str] = [
    # 1: incidents, the append-only timeline, and the editable side tables.
    """
    CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        severity INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 4),
        phase TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
        commander TEXT NOT NULL,
        roles TEXT NOT NULL DEFAULT '{}',
        service TEXT,
        impact TEXT,
        impact_pct REAL,
        mitigation TEXT,
        declared_at TEXT NOT NULL,
        started_at TEXT,
        detected_at TEXT,
        restored_at TEXT,
        resolved_at TEXT,
        next_update_at TEXT,
        updates_sent INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        ts TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        author TEXT NOT NULL,
        ref TEXT REFERENCES events(id),
        data TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX events_timeline ON events(incident_id, ts, seq);
    CREATE INDEX events_kind ON events(incident_id, kind);
    CREATE INDEX events_ref ON events(ref) WHERE ref IS NOT NULL;
    CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;
    CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;
    CREATE TABLE temp_fixes (
        id TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        what TEXT NOT NULL,
        "where" TEXT NOT NULL DEFAULT '',
        ticket TEXT NOT NULL DEFAULT '',
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL,
        removed_at TEXT,
        permanent INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE action_items (
        id TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        action TEXT NOT NULL,
        owner TEXT NOT NULL DEFAULT '',
        due TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'Open',
        created_at TEXT NOT NULL
    );
    CREATE TABLE texts (
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        name TEXT NOT NULL,
        text TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (incident_id, name)
    );
    """,
    # 2: full-text search over event text (external content: no second copy of the text).
    """
    CREATE VIRTUAL TABLE events_fts USING fts5(text, content='events', content_rowid='seq');
    INSERT INTO events_fts(rowid, text) SELECT seq, text FROM events;
    CREATE TRIGGER events_fts_insert AFTER INSERT ON events
        BEGIN INSERT INTO events_fts(rowid, text) VALUES (new.seq, new.text); END;
    """,
    # 3: close append-only's last hole. INSERT OR REPLACE deleted the row it collided with
    # without firing the DELETE trigger (SQLite fires none for REPLACE's deletes). An insert
    # whose id or seq is already there is now skipped (RAISE(IGNORE)): whatever its conflict
    # clause, for every client, so INSERT OR IGNORE of a known id stays a silent no-op (retried
    # writes rely on it). SQLite hands a BEFORE trigger seq = -1 when it will pick the seq
    # itself, so no row may have a seq below 1 (refused after the insert, when seq is real).
    """
    CREATE TRIGGER events_append_only_replace BEFORE INSERT ON events
        WHEN EXISTS (SELECT 1 FROM events WHERE id = new.id)
            OR EXISTS (SELECT 1 FROM events WHERE seq = new.seq)
        BEGIN SELECT RAISE(IGNORE); END;
    CREATE TRIGGER events_seq_positive AFTER INSERT ON events WHEN new.seq < 1
        BEGIN SELECT RAISE(ABORT, 'the timeline is append-only: seq is chosen by SQLite'); END;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)

INSERT_EVENT = """
INSERT OR IGNORE INTO events (id, incident_id, ts, recorded_at, kind, text, author, ref, data)
VALUES (:id, :incident_id, :ts, :recorded_at, :kind, :text, :author, :ref, :data)
"""
INSERT_INCIDENT = """
INSERT OR IGNORE INTO incidents (id, title, severity, phase, commander, roles, service, impact,
    impact_pct, declared_at, started_at, detected_at, next_update_at)
VALUES (:id, :title, :severity, :phase, :commander, :roles, :service, :impact,
    :impact_pct, :declared_at, :started_at, :detected_at, :next_update_at)
"""
LATEST_OPEN_INCIDENT = "SELECT id FROM incidents WHERE status = 'open' ORDER BY declared_at DESC, rowid DESC LIMIT 1"
PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = FULL",
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
)


def _create_file(path: Path) -> None:
    """Create the folder (0700, only the levels we make) and the file (0600)."""
    missing = []
    parent = path.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def _check_file(path: Path, create: bool) -> None:
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file: pass a file path with --db")
    if not path.exists():
        if not create:
            raise DatabaseError(f"no database at {path}: declare an incident first (warroom declare TITLE)")
        try:
            _create_file(path)
        except OSError as exc:
            raise DatabaseError(f"cannot create {path}: {exc.strerror}; choose another place with --db") from None
        return
    if not path.is_file():  # opening a pipe would hang; a device is no place for a database
        raise DatabaseError(f"{path} is not a regular file (a device or a pipe?); pass a file path with --db")
    # The header is not read here: closing any descriptor of the file releases every POSIX
    # lock this process holds on it, so a read while another connection of ours is open (the
    # TUI opens a second store) let SQLite reset the WAL under that connection: it went stale,
    # then "malformed". SQLite reads the header itself; _not_sqlite() explains a refusal.
    if not os.access(path, os.R_OK):
        raise DatabaseError(f"cannot read {path}: permission denied")
    if not os.access(path, os.W_OK):
        raise DatabaseError(f"{path} is read-only: warroom must write to it; fix its permissions or copy it")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise DatabaseError(
            f"cannot write in {path.parent} (SQLite keeps its journal beside {path.name}); fix the folder's permissions"
        )


def describe_sqlite_error(path: Path | str, exc: sqlite3.Error) -> DatabaseError:
    """Turn an sqlite3 error into one line naming the file and what to do."""
    msg = str(exc)
    lowered = msg.lower()
    if "locked" in lowered or "busy" in lowered:
        return DatabaseError(f"{path} stayed locked by another writer for {BUSY_TIMEOUT_MS / 1000:g}s; try again")
    if "full" in lowered:
        return DatabaseError(f"the disk holding {path} is full: free some space and try again (nothing was lost)")
    if "readonly" in lowered or "read-only" in lowered:
        return DatabaseError(f"{path} is read-only: fix its permissions or copy it somewhere writable")
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return DatabaseError(f"{path} is damaged ({msg}); warroom left it untouched; use a copy or another --db")
    if "disk i/o" in lowered:
        return DatabaseError(f"cannot write {path}: disk I/O error; check the disk and try again")
    return DatabaseError(f"{path}: {msg}")


def check_identity(conn: sqlite3.Connection, path: Path | str) -> int:
    """Refuse another application's file or a newer warroom's; return the schema version.

    Read-only: it runs before anything (the switch to WAL, a migration) writes to the file.
    """
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
    if has_tables and app_id != APPLICATION_ID:
        raise DatabaseError(f"{path} is another application's SQLite file, not warroom's; choose another --db")
    if version > SCHEMA_VERSION:
        raise DatabaseError(
            f"{path} was written by a newer warroom (schema {version}; this one knows {SCHEMA_VERSION}): upgrade warroom"
        )
    return version


def migrate(conn: sqlite3.Connection, path: Path | str) -> None:
    """Check the file is ours and bring its schema up to date, in one transaction."""
    version = check_identity(conn, path)
    if version == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Re-read under the write lock: another process may have migrated meanwhile.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for step in range(version, SCHEMA_VERSION):
            for statement in _split_sql(MIGRATIONS[step]):
                conn.execute(statement)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open. SQLite has already rolled back by itself
    after some errors (a full disk); a second ROLLBACK would fail and hide the real error."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit our transaction)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def configure(conn: sqlite3.Connection) -> None:
    for pragma in PRAGMAS:
        conn.execute(pragma)
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if mode.lower() != "wal":
        conn.execute("PRAGMA journal_mode = WAL")


def _probe(conn: sqlite3.Connection) -> None:
    """Touch the tables every screen reads first (cheap: no full scan), so a damaged file is
    refused at open with one line, before the war room's screen takes over the terminal."""
    conn.execute("SELECT count(*) FROM incidents").fetchone()
    conn.execute("SELECT min(seq), max(seq) FROM events").fetchone()
    conn.execute("SELECT count(*) FROM texts").fetchone()


def open_db(path: Path | str, create: bool = True) -> sqlite3.Connection:
    """Open (creating if asked) a warroom database, checked and migrated. Autocommit mode."""
    path = Path(path)
    _check_file(path, create)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise describe_sqlite_error(path, exc) from None
    try:
        _settle_file(conn, path)
    except sqlite3.Error as exc:
        conn.close()
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB and _not_sqlite(path):
            raise DatabaseError(
                f"{path} is not a warroom database (not SQLite at all); choose another file with --db"
            ) from None
        raise describe_sqlite_error(path, exc) from None
    except DatabaseError:
        conn.close()
        raise
    return conn


def _settle_file(conn: sqlite3.Connection, path: Path | str) -> None:
    """Check, switch to WAL, migrate and probe; again after a short pause if the file was busy.

    Several processes opening a brand-new file at once can get "database is locked" at once,
    without the busy timeout's wait (switching a file to WAL needs it to themselves): such a
    step is retried until the busy timeout has passed, instead of failing the first time."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.01
    while True:
        try:
            check_identity(conn, path)  # before configure() switches the file to WAL
            configure(conn)
            migrate(conn, path)
            _probe(conn)
            return
        except sqlite3.OperationalError as exc:
            busy = "locked" in str(exc).lower() or "busy" in str(exc).lower()
            if not busy or time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.25)


def _not_sqlite(path: Path) -> bool:
    """Only after SQLite refused the file (so it is unusable anyway): is it not SQLite at all?"""
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError:
        return False
    return bool(header) and header != SQLITE_HEADER


def prepare(path: Path | str, create: bool = True) -> None:
    """Check and migrate the file, then close it (the async store reopens it)."""
    open_db(path, create).close()


FIND_INCIDENT = "SELECT id FROM incidents WHERE id = ? COLLATE NOCASE OR id LIKE ? ESCAPE '\\' COLLATE NOCASE"


def find_params(wanted: str) -> tuple[str, str]:
    escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return (wanted, "%" + escaped)


def pick_incident(found: list[str], wanted: str, path: Path | str) -> str:
    """From the ids matching `wanted` (exactly or as a suffix), the one meant, or a clear error."""
    exact = [i for i in found if i.lower() == wanted.lower()]
    if exact:
        return exact[0]
    if len(found) == 1:
        return found[0]
    if not found:
        raise DatabaseError(f"no incident {wanted!r} in {path} (warroom list --all shows them)")
    raise DatabaseError(f"{wanted!r} matches {len(found)} incidents in {path}; give more of the id")


def no_open_incident(path: Path | str) -> DatabaseError:
    return DatabaseError(f"no open incident in {path}: declare one first (warroom declare TITLE)")


def find_incident(conn: sqlite3.Connection, wanted: str | None, path: Path | str) -> str:
    """The incident a command acts on: the id given (or a unique suffix), else the latest open one."""
    if wanted is None:
        row = conn.execute(LATEST_OPEN_INCIDENT).fetchone()
        if row is None:
            raise no_open_incident(path)
        return row[0]
    rows = conn.execute(FIND_INCIDENT, find_params(wanted)).fetchall()
    return pick_incident([r[0] for r in rows], wanted, path)


def event_params(
    *,
    id: str,
    incident_id: str,
    ts: str,
    recorded_at: str,
    kind: str,
    text: str,
    author: str,
    ref: str | None = None,
    data: dict | None = None,
) -> dict:
    return {
        "id": id,
        "incident_id": incident_id,
        "ts": ts,
        "recorded_at": recorded_at,
        "kind": kind,
        "text": text,
        "author": author,
        "ref": ref,
        "data": json.dumps(data or {}, ensure_ascii=False, sort_keys=True),
    }
