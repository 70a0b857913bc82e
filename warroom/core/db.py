"""The SQLite file: checks, schema, migrations and the SQL both writers share.

Stdlib only (sqlite3): `warroom log` in a deploy script goes through here without
loading pydantic or Textual. The store (store.py) opens the file with `open_db()` on its
own thread and writes through the same INSERT (warroom.core.sql).
"""

from __future__ import annotations

import errno
import json
import os
import re
import sqlite3
import time
from datetime import datetime
from pathlib import Path

from warroom.core import leftover
from warroom.core.errors import DatabaseError
from warroom.core.locations import make_private_dirs

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
    # 4: events are the only truth, and they can travel between files (the team sync).
    # hlc: a hybrid logical clock (wall milliseconds x 1000 + a counter), the order the state
    # is folded in; pos: where the event sits on the timeline (its hlc, or its time when it
    # was backdated); host: the file that wrote it; origin 1: pulled from a team server.
    # The handoff draft, postmortem sections and action items become revisions (events);
    # temporary fixes are told by their events alone. The view `texts` shows each draft as it
    # stands (its latest revision), for a person reading the file with sqlite3.
    """
    ALTER TABLE events ADD COLUMN hlc INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE events ADD COLUMN host TEXT NOT NULL DEFAULT '';
    ALTER TABLE events ADD COLUMN origin INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE events ADD COLUMN pos INTEGER NOT NULL DEFAULT 0;
    DROP TRIGGER events_append_only_update;
    UPDATE events SET hlc = CAST(round((julianday(recorded_at) - 2440587.5) * 86400000) AS INTEGER) * 1000 + seq % 1000;
    UPDATE events SET pos = CASE WHEN (julianday(recorded_at) - julianday(ts)) * 86400 > 60
        THEN CAST(round((julianday(ts) - 2440587.5) * 86400000) AS INTEGER) * 1000 ELSE hlc END;
    CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;
    DROP INDEX events_timeline;
    CREATE INDEX events_order ON events(incident_id, pos, id);
    CREATE INDEX events_hlc ON events(hlc);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    DROP TRIGGER events_fts_insert;
    CREATE TRIGGER events_fts_insert AFTER INSERT ON events WHEN new.kind <> 'draft'
        BEGIN INSERT INTO events_fts(rowid, text) VALUES (new.seq, new.text); END;
    INSERT INTO events (id, incident_id, ts, recorded_at, kind, text, author, data, hlc, pos)
        SELECT 'legacy-draft-' || incident_id || '-' || name, incident_id, updated_at, updated_at, 'draft', text, '',
            json_object('name', name, 'base', json('[]')),
            CAST(round((julianday(updated_at) - 2440587.5) * 86400000) AS INTEGER) * 1000,
            CAST(round((julianday(updated_at) - 2440587.5) * 86400000) AS INTEGER) * 1000
        FROM texts;
    INSERT INTO events (id, incident_id, ts, recorded_at, kind, text, author, data, hlc, pos)
        SELECT 'legacy-item-' || id, incident_id, created_at, created_at, 'action_item', 'Action item: ' || action, '',
            json_object('item', id, 'action', action, 'owner', owner, 'due', due, 'status', status,
                'created_at', created_at, 'base', json('[]')),
            CAST(round((julianday(created_at) - 2440587.5) * 86400000) AS INTEGER) * 1000,
            CAST(round((julianday(created_at) - 2440587.5) * 86400000) AS INTEGER) * 1000
        FROM action_items;
    INSERT INTO events (id, incident_id, ts, recorded_at, kind, text, author, data, hlc, pos)
        SELECT 'legacy-fix-' || f.id, f.incident_id, f.added_at, f.added_at, 'tempfix',
            'Temporary fix added: ' || f.what, f.added_by,
            json_object('fix', f.id, 'action', 'added', 'what', f.what, 'where', f."where", 'ticket', f.ticket),
            CAST(round((julianday(f.added_at) - 2440587.5) * 86400000) AS INTEGER) * 1000,
            CAST(round((julianday(f.added_at) - 2440587.5) * 86400000) AS INTEGER) * 1000
        FROM temp_fixes f WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.kind = 'tempfix'
            AND json_extract(e.data, '$.fix') = f.id AND json_extract(e.data, '$.action') = 'added');
    INSERT INTO events (id, incident_id, ts, recorded_at, kind, text, author, data, hlc, pos)
        SELECT 'legacy-fix-closed-' || f.id, f.incident_id, f.removed_at, f.removed_at, 'tempfix',
            'Temporary fix ' || CASE WHEN f.permanent THEN 'made permanent' ELSE 'removed' END || ': ' || f.what,
            f.added_by,
            json_object('fix', f.id, 'action', CASE WHEN f.permanent THEN 'permanent' ELSE 'removed' END),
            CAST(round((julianday(f.removed_at) - 2440587.5) * 86400000) AS INTEGER) * 1000,
            CAST(round((julianday(f.removed_at) - 2440587.5) * 86400000) AS INTEGER) * 1000
        FROM temp_fixes f WHERE f.removed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM events e
            WHERE e.kind = 'tempfix' AND json_extract(e.data, '$.fix') = f.id
            AND json_extract(e.data, '$.action') IN ('removed', 'permanent'));
    DROP TABLE texts;
    DROP TABLE action_items;
    DROP TABLE temp_fixes;
    CREATE VIEW texts AS
        SELECT e.incident_id, json_extract(e.data, '$.name') AS name, e.text, e.recorded_at AS updated_at
        FROM events e WHERE e.kind = 'draft' AND NOT EXISTS (
            SELECT 1 FROM events f WHERE f.incident_id = e.incident_id AND f.kind = 'draft'
                AND json_extract(f.data, '$.name') = json_extract(e.data, '$.name')
                AND (f.hlc > e.hlc OR (f.hlc = e.hlc AND f.id > e.id)));
    """,
    # 4 -> 5: rows pulled from a team server (origin 1) are indexed for search in bulk, one
    # INSERT ... SELECT per pulled transaction (sql.index_pulled), not by this trigger row by
    # row: catching up 100,000 events spent about three quarters of its time in it.
    """
    DROP TRIGGER events_fts_insert;
    CREATE TRIGGER events_fts_insert AFTER INSERT ON events WHEN new.kind <> 'draft' AND new.origin <> 1
        BEGIN INSERT INTO events_fts(rowid, text) VALUES (new.seq, new.text); END;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)

# The one INSERT every writer uses (warroom.core.sql.append, the CLI, the demo's bulk rows).
# The hlc is chosen inside the statement, under the write lock: never below the highest the
# file holds + 1, so an event written after another sorts after it whatever the wall clock did.
INSERT_EVENT = """
INSERT OR IGNORE INTO events (id, incident_id, ts, recorded_at, kind, text, author, ref, data, hlc, host, origin, pos)
SELECT :id, :incident_id, :ts, :recorded_at, :kind, :text, :author, :ref, :data, c.hlc, :host, 0,
    coalesce(:pos, c.hlc)
FROM (SELECT max(:wall, coalesce((SELECT max(hlc) FROM events), 0) + 1) AS hlc) AS c
"""
# An event whose time is this much earlier than when it was written counts as backdated.
BACKDATED_AFTER_MS = 60_000
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


_read_only = False
NOTICES: list[str] = []  # things a caller should tell the user (a recovery and where its backup is)


def set_read_only(flag: bool = True) -> None:
    """Every open_db() in this process only reads unless told otherwise: the CLI's list, doc
    and export, which never change a byte of the file or of its -wal and -shm."""
    global _read_only
    _read_only = flag


def take_notices() -> list[str]:
    out = list(NOTICES)
    NOTICES.clear()
    return out


def _create_file(path: Path) -> None:
    """A new database, built whole under a temporary name in the same folder, then linked into
    place: `path` never exists half-made, so an empty file there is never warroom's. Folders
    made on the way are 0700, the file 0600."""
    make_private_dirs(path.parent)
    tmp = path.with_name(f".{path.name}.new-{os.getpid()}-{os.urandom(4).hex()}")
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            for pragma in PRAGMAS:
                conn.execute(pragma)
            conn.execute("PRAGMA journal_mode = WAL")
            migrate(conn, tmp, fresh=True)
        finally:
            conn.close()  # the last connection: everything is checkpointed into tmp
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it meanwhile: theirs is whole too, use it
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            _copy_new(tmp, path)  # a file system without hard links
        _sync_folder(path.parent)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)


def _copy_new(source: Path, target: Path) -> None:
    try:
        fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as out:
        out.write(source.read_bytes())
        out.flush()
        os.fsync(out.fileno())


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _check_file(path: Path, create: bool) -> None:
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file: pass a file path with --db")
    if path.is_symlink() and not path.exists():
        raise DatabaseError(
            f"{path} is a symbolic link to {os.readlink(path)}, which does not exist; "
            "point --db at the database itself or remove the link"
        )
    if not path.exists():
        if not create:
            raise DatabaseError(f"no database at {path}: declare an incident first (warroom declare TITLE)")
        try:
            _create_file(path)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise DatabaseError(f"the disk holding {path} is full: free some space and try again") from None
            raise DatabaseError(f"cannot create {path}: {exc.strerror}; choose another place with --db") from None
        except sqlite3.Error as exc:
            raise describe_sqlite_error(path, exc) from None
        return
    if not path.is_file():  # opening a pipe would hang; a device is no place for a database
        raise DatabaseError(f"{path} is not a regular file (a device or a pipe?); pass a file path with --db")
    # The file is never opened here: closing any descriptor of it releases every POSIX lock
    # this process holds on it, so a read while another connection of ours is open (the TUI
    # opens a second store) let SQLite reset the WAL under that connection: it went stale,
    # then "malformed". SQLite reads the header itself; _not_sqlite() explains a refusal.
    if not os.access(path, os.R_OK):
        raise DatabaseError(f"cannot read {path}: permission denied")
    if path.stat().st_size == 0:  # warroom builds a new file whole before it appears (_create_file)
        raise DatabaseError(
            f"{path} is an empty file (0 bytes), not a warroom database; delete it to start a new one there, "
            "or choose another --db"
        )
    if not os.access(path, os.W_OK):
        raise DatabaseError(f"{path} is read-only: warroom must write to it; fix its permissions or copy it")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise DatabaseError(
            f"cannot write in {path.parent} (SQLite keeps its journal beside {path.name}); fix the folder's permissions"
        )
    _check_side_files(path)


def _check_side_files(path: Path) -> None:
    """The -wal, -shm and -journal SQLite keeps beside the file must be files it can use."""
    real = leftover.real_path(path)
    for suffix in leftover.SIDE_FILES:
        extra = leftover.side(real, suffix)
        if not os.path.lexists(extra):
            continue
        what = "the shared-memory file" if suffix == "-shm" else "the journal"
        if not extra.is_file():  # a folder, a pipe, a link to nothing
            raise DatabaseError(
                f"{extra}, {what} SQLite keeps beside {path}, is not a regular file; move it out of the folder "
                "(warroom left both as they are)"
            )
        if not os.access(extra, os.R_OK | os.W_OK):
            raise DatabaseError(
                f"cannot open {extra}, {what} SQLite keeps beside {path}: permission denied; give it the owner "
                f"and permissions of {path.name} (warroom left both as they are)"
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
    if "unable to open" in lowered:
        return DatabaseError(
            f"SQLite cannot open {path} or its -wal/-shm beside it ({msg}); check the owner and permissions "
            "of those files and of their folder"
        )
    return DatabaseError(f"{path}: {msg}")


_EXPECTED: dict[int, frozenset[tuple[str, str]]] = {}
_SCHEMA_STATEMENT = re.compile(
    r"\b(CREATE|DROP)\s+(?:UNIQUE\s+|VIRTUAL\s+)?(TABLE|INDEX|TRIGGER|VIEW)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?(\w+)",
    re.IGNORECASE,
)


def _expected_objects(version: int) -> frozenset[tuple[str, str]]:
    """The tables, views, indexes and triggers a file at `version` has, read from the CREATE and DROP
    statements of MIGRATIONS[:version] in order (text only: replaying them in SQLite cost
    13 ms of every `warroom log`). FTS5's own shadow tables are not named, so not checked."""
    if version not in _EXPECTED:
        objects: set[tuple[str, str]] = set()
        for script in MIGRATIONS[:version]:
            for verb, kind, name in _SCHEMA_STATEMENT.findall(script):
                (objects.add if verb.upper() == "CREATE" else objects.discard)((kind.lower(), name))
        _EXPECTED[version] = frozenset(objects)
    return _EXPECTED[version]


def identity_problem(conn: sqlite3.Connection, path: Path | str, fresh_ok: bool = False) -> tuple[str, str] | None:
    """None for a sound warroom file, else (what the file is, in a few words; the refusal).

    Read-only: it runs before anything (the switch to WAL, a migration) writes to the file.
    """
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    app_id = conn.execute("PRAGMA application_id").fetchone()[0] & 0xFFFFFFFF
    objects = {(t, n) for t, n in conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")}
    if app_id == APPLICATION_ID:
        if version > SCHEMA_VERSION:
            return "a newer warroom's file", (
                f"{path} was written by a newer warroom (schema {version}; this one knows {SCHEMA_VERSION}): "
                "upgrade warroom"
            )
        expected = _expected_objects(version) if version >= 1 else frozenset({("table", "events")})
        missing = sorted(expected - objects)
        if missing:
            kind, name = missing[0]
            more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
            why = f"its {kind} {name}{more} is missing" if version >= 1 else "it has no schema version"
            return f"a damaged file ({why})", (
                f"{path} is damaged ({why}); warroom left it untouched; use a copy or another --db"
            )
        return None
    if app_id != 0:
        return "another application's file", (
            f"{path} is another application's SQLite file (application_id 0x{app_id:08X}), not warroom's; "
            "choose another --db"
        )
    if objects or version:
        return "another application's file", (
            f"{path} is another application's SQLite file, not warroom's; choose another --db"
        )
    if fresh_ok:
        return None
    return "an empty database", (
        f"{path} is an empty SQLite database, not warroom's (warroom never leaves one); "
        "delete it to start a new one there, or choose another --db"
    )


def check_identity(conn: sqlite3.Connection, path: Path | str, fresh_ok: bool = False) -> int:
    """Refuse another application's file, a newer warroom's, a damaged one; return the schema version."""
    problem = identity_problem(conn, path, fresh_ok)
    if problem is not None:
        raise DatabaseError(problem[1])
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, path: Path | str, fresh: bool = False) -> None:
    """Check the file is ours and bring its schema up to date, in one transaction."""
    version = check_identity(conn, path, fresh_ok=fresh)
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
    # Two subqueries: min() and max() in one SELECT scan every event (23 ms at 100,000, each open).
    conn.execute("SELECT (SELECT min(seq) FROM events), (SELECT max(seq) FROM events)").fetchone()
    conn.execute("SELECT count(*) FROM meta").fetchone()


def open_db(path: Path | str, create: bool = True, read_only: bool | None = None) -> sqlite3.Connection:
    """Open (creating if asked) a warroom database, checked and migrated. Autocommit mode.

    read_only (default: set_read_only()): nothing is created, migrated, switched or recovered;
    the connection refuses writes. When the file cannot be read as it is without a change (an
    older schema, a journal left by a crash), it is read from a private copy instead."""
    path = Path(path)
    read_only = _read_only if read_only is None else read_only
    _check_file(path, create and not read_only)
    journals = leftover.left_behind(path)
    replayed = None
    if journals:
        try:
            replayed = leftover.replay_on_copy(path, journals, lambda conn: identity_problem(conn, path))
        except leftover.JournalGone:  # recovered by another process meanwhile: open as usual
            replayed = None
    if replayed is not None:
        try:
            if read_only:
                return _open_copy(replayed.copy, path)
            if replayed.unchanged(path):  # else another process opened it meanwhile (and recovered it)
                _keep_backup(path, replayed)
        finally:
            replayed.discard()
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise describe_sqlite_error(path, exc) from None
    leftover.opened(path)
    try:
        if read_only:
            conn.execute("PRAGMA query_only = ON")
            if _read_as_is(conn, path):
                return conn
            copy = _backup_copy(conn, path)  # an older schema: upgraded in a private copy
            conn.close()
            return copy
        _settle_file(conn, path)
    except sqlite3.Error as exc:
        conn.close()
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB and _not_sqlite(path):
            raise DatabaseError(
                f"{path} is not a warroom database (not SQLite at all); choose another file with --db"
            ) from None
        raise describe_sqlite_error(path, exc) from None
    except BaseException:
        conn.close()
        raise
    return conn


def _keep_backup(path: Path, replayed: leftover.Replayed) -> None:
    try:
        backup = leftover.keep_backup(path, replayed)
    except OSError as exc:
        raise DatabaseError(
            f"cannot keep a copy of {path} and {replayed.journals[0].name} before SQLite recovers them "
            f"({exc.strerror}); free some space beside it and try again (warroom left both untouched)"
        ) from None
    NOTICES.append(
        f"{replayed.journals[0].name} was left beside {path} by a crash; it fits the file, so SQLite recovers it "
        f"now; the files as they were are kept in {backup} (and {backup.name}{replayed.journals[0].name[-4:]})"
    )


def _read_as_is(conn: sqlite3.Connection, path: Path) -> bool:
    """Check the file without writing; True if it can be read as it is (current schema)."""
    check_identity(conn, path)
    if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
        return False
    _probe(conn)
    return True


def _backup_copy(conn: sqlite3.Connection, path: Path) -> sqlite3.Connection:
    """A consistent private copy of the file (SQLite's backup: the live -wal's commits too),
    brought to the current schema, opened read-only."""
    import shutil  # here, not at the top: the log path never reads a private copy
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="warroom-read-"))
    try:
        copy = folder / "copy.db"
        target = sqlite3.connect(copy, isolation_level=None)
        try:
            conn.backup(target)
            migrate(target, path)
        finally:
            target.close()
        return _open_copy(copy, path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _open_copy(copy: Path, path: Path) -> sqlite3.Connection:
    """Open a private copy read-only and immutable (no journal, no lock, nothing written); the
    caller deletes it at once: the open connection keeps reading the unlinked file."""
    conn = sqlite3.connect(f"{copy.as_uri()}?mode=ro&immutable=1", uri=True, isolation_level=None)
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:  # a replayed older file
            conn.close()
            writable = sqlite3.connect(copy, isolation_level=None)
            try:
                migrate(writable, path)
            finally:
                writable.close()
            conn = sqlite3.connect(f"{copy.as_uri()}?mode=ro&immutable=1", uri=True, isolation_level=None)
        _probe(conn)
    except BaseException:
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
    host: str = "",
) -> dict:
    """INSERT_EVENT's parameters; `ts` and `recorded_at` as stored (UTC ISO text)."""
    happened = _millis(ts)
    written = _millis(recorded_at)
    return {
        "id": id,
        "incident_id": incident_id,
        "ts": ts,
        "recorded_at": recorded_at,
        "kind": str(kind),
        "text": text,
        "author": author,
        "ref": ref,
        "data": json.dumps(data or {}, ensure_ascii=False, sort_keys=True),
        "host": host,
        "wall": written * 1000,
        "pos": happened * 1000 if written - happened > BACKDATED_AFTER_MS else None,
    }


def _millis(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp).timestamp() * 1000)
