"""Opening the SQLite file: a new one made whole, an existing one checked (warroom.core.
filecheck, warroom.core.schema), switched to WAL, migrated and probed; a read-only open that
never changes a byte; a crash's leftover journal recovered with a backup kept. Also the
helpers every reader of the file shares: rollback, one-line errors, finding an incident.

Stdlib only (sqlite3), and no pathlib on the way of `warroom log` (paths are text here, written
as str(Path) writes them): a deploy script's call goes through here without loading pydantic,
Textual or pathlib. Opening an existing file reads its identity in one statement and probes
its tables in another. The store (store.py) opens the file with `open_db()` on its
own thread and writes through the same INSERT (warroom.core.sql, warroom.core.schema).
"""

from __future__ import annotations

import errno
import os
import sqlite3
import time

from warroom.core import filecheck, leftover, schema
from warroom.core.errors import DatabaseError
from warroom.core.locations import path_text

# pathlib only for the annotations (see the future import) and where a file is made or copied
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

BUSY_TIMEOUT_MS = 10_000  # concurrent writers wait this long rather than fail
PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = FULL",
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
)


NOTICES: list[str] = []  # things a caller should tell the user (a recovery and where its backup is)


def take_notices() -> list[str]:
    out = list(NOTICES)
    NOTICES.clear()
    return out


def _create(path: str) -> None:
    try:
        _create_file(path)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise DatabaseError(f"the disk holding {path} is full: free some space and try again") from None
        raise DatabaseError(f"cannot create {path}: {exc.strerror}; choose another place with --db") from None
    except sqlite3.Error as exc:
        raise describe_sqlite_error(path, exc) from None


def _create_file(text: str) -> None:
    """A new database, built whole under a temporary name in the same folder, then linked into
    place: `path` never exists half-made, so an empty file there is never warroom's. Folders
    made on the way are 0700, the file 0600."""
    from pathlib import Path

    from warroom.core.locations import make_private_dirs

    path = Path(text)
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


def migrate(conn: sqlite3.Connection, path: Path | str, fresh: bool = False, version: int | None = None) -> None:
    """Check the file is ours and bring its schema up to date, in one transaction. `version`:
    what schema.check_identity has just answered on this connection (not asked again)."""
    if version is None:
        version = schema.check_identity(conn, path, fresh_ok=fresh)
    if version == schema.SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Re-read under the write lock: another process may have migrated meanwhile, maybe a
        # newer warroom (stamping its file with our older version would make it migrate again).
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > schema.SCHEMA_VERSION:
            raise DatabaseError(schema.newer_refusal(path, version))
        for step in range(version, schema.SCHEMA_VERSION):
            for statement in schema.split_sql(schema.MIGRATIONS[step]):
                conn.execute(statement)
        conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION}")
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


def configure(conn: sqlite3.Connection) -> None:
    for pragma in PRAGMAS:
        conn.execute(pragma)
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if mode.lower() != "wal":
        conn.execute("PRAGMA journal_mode = WAL")


def _probe(conn: sqlite3.Connection) -> None:
    """Touch the tables every screen reads first (cheap: no full scan), so a damaged file is
    refused at open with one line, before the war room's screen takes over the terminal. One
    statement; min() and max() each in its own subquery (in one SELECT they scan every event:
    23 ms at 100,000, each open)."""
    conn.execute(
        "SELECT (SELECT count(*) FROM incidents), (SELECT min(seq) FROM events), (SELECT max(seq) FROM events),"
        " (SELECT count(*) FROM meta)"
    ).fetchone()


def open_db(
    path: Path | str, create: bool = True, read_only: bool = False, any_thread: bool = False
) -> sqlite3.Connection:
    """Open (creating if asked) a warroom database, checked and migrated. Autocommit mode.

    read_only (the CLI's list, doc, export, actions and stats, which never change a byte of the
    file or of its -wal and -shm): nothing is created, migrated, switched or recovered; the
    connection refuses writes. When the file cannot be read as it is without a change (an
    older schema, a journal left by a crash), it is read from a private copy instead.
    any_thread: the connection may be handed to another thread (one at a time: the store's)."""
    path = path_text(path)
    if not filecheck.check_file(path, create and not read_only, write=not read_only):
        _create(path)
    if read_only and not filecheck.writable(path):  # SQLite could not even keep its -shm beside it
        return _file_copy(path)
    journals = leftover.left_behind(path)
    replayed = None
    if journals:
        try:
            replayed = leftover.replay_on_copy(path, journals, lambda conn: schema.identity_problem(conn, path))
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
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=not any_thread
        )
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
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB and filecheck.not_sqlite(path):
            raise DatabaseError(
                f"{path} is not a warroom database (not SQLite at all); choose another file with --db"
            ) from None
        raise describe_sqlite_error(path, exc) from None
    except BaseException:
        conn.close()
        raise
    return conn


def _keep_backup(path: str, replayed: leftover.Replayed) -> None:
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


def _read_as_is(conn: sqlite3.Connection, path: str) -> bool:
    """Check the file without writing; True if it can be read as it is (current schema)."""
    if schema.check_identity(conn, path) < schema.SCHEMA_VERSION:
        return False
    _probe(conn)
    return True


def _backup_copy(conn: sqlite3.Connection, path: str) -> sqlite3.Connection:
    """A consistent private copy of the file (SQLite's backup: the live -wal's commits too),
    brought to the current schema, opened read-only."""
    import shutil  # here, not at the top: the log path never reads a private copy
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="warroom-read-"))
    try:
        copy = folder / "copy.db"
        target = sqlite3.connect(copy, isolation_level=None)
        try:
            conn.backup(target)
        finally:
            target.close()
        return _open_copy(copy, path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _file_copy(path: str) -> sqlite3.Connection:
    """A file warroom cannot write (a read-only mount, an immutable file), for a command that
    only reads: the file and its journals copied to a private folder and replayed there with
    every check a crash's journal gets (leftover.replay_on_copy: a -wal that is not the file's
    own is refused), then opened as a private copy. The file itself is only read."""
    for _ in range(3):  # a writer on a writable view of the file may checkpoint while it is copied
        journals = leftover.journals_beside(path)
        try:
            replayed = leftover.replay_on_copy(path, journals, lambda conn: schema.identity_problem(conn, path))
        except leftover.JournalGone:
            continue
        try:
            if replayed.unchanged(leftover.real_text(path)):
                return _open_copy(replayed.copy, path)
        finally:
            replayed.discard()
    raise DatabaseError(f"{path} kept changing while warroom copied it to read it; try again")


def _open_copy(copy: Path, path: str) -> sqlite3.Connection:
    """Open a private copy read-only and immutable (no journal, no lock, nothing written),
    migrated first if it is older; the caller deletes it at once: the open connection keeps
    reading the unlinked file."""
    conn = _immutable(copy)
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] < schema.SCHEMA_VERSION:
            conn.close()
            writable = sqlite3.connect(copy, isolation_level=None)
            try:
                migrate(writable, path)
            finally:
                writable.close()
            conn = _immutable(copy)
        _probe(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _immutable(copy: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{copy.as_uri()}?mode=ro&immutable=1", uri=True, isolation_level=None)


def _settle_file(conn: sqlite3.Connection, path: Path | str) -> None:
    """Check, switch to WAL, migrate and probe; again after a short pause if the file was busy.

    Several processes opening a brand-new file at once can get "database is locked" at once,
    without the busy timeout's wait (switching a file to WAL needs it to themselves): such a
    step is retried until the busy timeout has passed, instead of failing the first time."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.01
    while True:
        try:
            version = schema.check_identity(conn, path)  # before configure() switches the file to WAL
            configure(conn)
            migrate(conn, path, version=version)
            _probe(conn)
            return
        except sqlite3.OperationalError as exc:
            busy = "locked" in str(exc).lower() or "busy" in str(exc).lower()
            if not busy or time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.25)


def prepare(path: Path | str, create: bool = True) -> sqlite3.Connection:
    """The file checked and migrated before a screen takes over the terminal (a bad file is
    refused on one line there), open for the store to adopt (Store.open(prepared=...)): a
    second open would check, migrate and probe it all again (the probe alone reads every
    table's ends: 20+ ms at 100,000 events)."""
    return open_db(path, create, any_thread=True)


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
