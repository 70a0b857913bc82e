"""A journal left beside a database file, checked on a copy before SQLite may replay it.

SQLite replays any `-wal` (or hot `-journal`) it finds beside a database the first time a
connection reads it, and the last connection to close copies the result into the file. A
`-wal` from another database, or a stale one beside a restored backup, therefore rewrote
the file, even through `warroom list`. Here, before any connection to the real file:

- a journal is *left behind* when it holds something (a WAL frame, a non-empty rollback
  journal) and no process has the database open (on Linux /proc/locks names every lock
  SQLite holds, ours included; elsewhere a probe lock on the database's shared-lock bytes,
  never while this process itself may hold a connection, since closing any descriptor of
  the file releases every POSIX lock the process has on it);
- such a journal is replayed on a private copy (folder 0700, in the temp folder): the
  result must be a sound warroom file (`verify`, `PRAGMA quick_check`) that still holds every
  event the file alone held (the timeline is append-only, so a real journal only adds);
- a writer then keeps the file and its journal as they were (`<file>.before-recovery-<UTC
  time>` and its `-wal`, 0600) and lets SQLite recover the real file; a reader reads the
  recovered copy and leaves both files as they are. A journal that fails is refused, both
  files untouched.

Stdlib only: `warroom log` goes through here, and finds no journal as text (no pathlib: it is
imported only once a journal is found).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

from warroom.core.errors import DatabaseError

# pathlib only for the annotations (see the future import) and once a journal is found
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

WAL_HEADER = 32  # a -wal no longer than its header holds no frame: nothing to replay
JOURNALS = ("-wal", "-journal")
SIDE_FILES = ("-wal", "-shm", "-journal")
# SQLite's lock bytes (os_unix.c): every open connection holds a read lock in this range.
_SHARED_FIRST = 0x40000000 + 2
_opened_here: set[tuple[int, int]] = set()  # files this process has connected to (the probe's blind spot)


def side_text(path: str | os.PathLike[str], suffix: str) -> str:
    return f"{os.fspath(path)}{suffix}"


def side(path: str | os.PathLike[str], suffix: str) -> Path:
    from pathlib import Path

    return Path(side_text(path, suffix))


def real_text(path: str | os.PathLike[str]) -> str:
    """SQLite resolves links and keeps its journals beside the file itself."""
    return os.path.realpath(path)


def real_path(path: str | os.PathLike[str]) -> Path:
    from pathlib import Path

    return Path(real_text(path))


def opened(path: str | os.PathLike[str]) -> None:
    """Note that this process holds (or held) a connection to `path`."""
    try:
        st = os.stat(path)
    except OSError:
        return
    _opened_here.add((st.st_dev, st.st_ino))


def _journal_texts(real: str) -> list[str]:
    """The journals beside the real file that hold something for SQLite to replay."""
    found = []
    for suffix in JOURNALS:
        journal = side_text(real, suffix)
        try:
            size = os.stat(journal).st_size
        except OSError:
            continue
        if size > (WAL_HEADER if suffix == "-wal" else 0):
            found.append(journal)
    return found


def journals_beside(path: str | os.PathLike[str]) -> list[Path]:
    """The journals beside `path` that hold something for SQLite to replay, in use or not."""
    from pathlib import Path

    return [Path(journal) for journal in _journal_texts(real_text(path))]


def left_behind(path: str | os.PathLike[str]) -> list[Path]:
    """The journals beside `path` that SQLite would replay and no open connection owns."""
    real = real_text(path)
    found = _journal_texts(real)
    if not found or in_use(real):
        return []
    from pathlib import Path  # only after a crash: `warroom log` never loads pathlib

    return [Path(journal) for journal in found]


def in_use(real: str | os.PathLike[str]) -> bool:
    """Does any process (this one included) hold the database open?"""
    held = _locked_files()
    if held is not None:
        ids = set()
        for suffix in ("", "-shm", "-wal"):
            try:
                st = os.stat(side_text(real, suffix))
            except OSError:
                continue
            ids.add((os.major(st.st_dev), os.minor(st.st_dev), st.st_ino))
        return bool(ids & held)
    st = os.stat(real)
    if (st.st_dev, st.st_ino) in _opened_here:
        return True
    return _probe_lock(real)


def _locked_files(source: str = "/proc/locks") -> set[tuple[int, int, int]] | None:
    """(major, minor, inode) of every file with a lock on it, from the kernel; None if unknown."""
    try:
        with open(source, encoding="ascii", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    held = set()
    for line in lines:
        for token in line.split():
            parts = token.split(":")
            if len(parts) == 3 and parts[2].isdigit():
                try:
                    held.add((int(parts[0], 16), int(parts[1], 16), int(parts[2])))
                except ValueError:
                    pass
                break
    return held


def _probe_lock(real: str | os.PathLike[str]) -> bool:
    """Without /proc/locks: can we take, for an instant, a write lock on a byte every open
    connection holds a read lock on? (A connection opening meanwhile waits its busy timeout.)"""
    import fcntl

    try:
        fd = os.open(real, os.O_RDWR)
    except OSError:
        return False  # SQLite will say what is wrong with the file
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHARED_FIRST)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, _SHARED_FIRST)
        return False
    finally:
        os.close(fd)


class JournalGone(Exception):
    """The leftover journal vanished while being checked: another process recovered it."""


def _stamp(paths: list[str | os.PathLike[str]]) -> list[tuple[int, int, int]]:
    """Identity of each file now; a journal another process has just checkpointed away reads
    as gone (0, 0, 0) rather than failing the open."""
    out = []
    for p in paths:
        try:
            st = os.stat(p)
        except FileNotFoundError:
            out.append((0, 0, 0))
            continue
        out.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return out


def _copy_private(source: Path, target: Path) -> None:
    """Copy bytes into a new file, 0600; never over an existing one."""
    import shutil  # here and below: only after a crash; `warroom log` should not pay its import

    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
        shutil.copyfileobj(src, out, 1 << 20)
        out.flush()
        os.fsync(out.fileno())


def _event_ids(path: Path) -> set[str] | None:
    """The event ids of the file alone (immutable: no journal, no lock, no write); None if unreadable."""
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return None
    try:
        return {row[0] for row in conn.execute("SELECT id FROM events")}
    except sqlite3.Error:
        return None
    finally:
        conn.close()


class Replayed:
    """A journal replayed on a private copy that passed every check."""

    def __init__(self, folder: Path, copy: Path, journals: list[Path], stamps: list[tuple[int, int, int]]):
        self.folder = folder
        self.copy = copy
        self.journals = journals
        self._stamps = stamps

    def unchanged(self, real: str | os.PathLike[str]) -> bool:
        """Are the file and its journals still as they were copied (nobody opened them since)?"""
        try:
            return _stamp([real, *self.journals]) == self._stamps
        except OSError:
            return False

    def discard(self) -> None:
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)


def replay_on_copy(
    path: str | os.PathLike[str], journals: list[Path], identity: Callable[[sqlite3.Connection], tuple[str, str] | None]
) -> Replayed:
    """Copy the file and its journals, let SQLite replay them on the copy, and check the result.

    `identity(conn)` returns None for a sound warroom file, else (what the file is, in a few
    words; the whole refusal for the file itself). Raises DatabaseError naming both
    files when the journal does not fit the file; both are left exactly as they were.
    """
    import shutil
    import tempfile
    from pathlib import Path

    path = Path(path)
    real = real_path(path)
    stamps = _stamp([real, *journals])
    folder = Path(tempfile.mkdtemp(prefix="warroom-check-"))  # 0700
    copy = folder / "copy.db"
    try:
        try:
            _copy_private(real, copy)
            base = _event_ids(copy)  # before the journals are beside it
            if base is None:
                _refuse_if_not_ours(copy, identity)
            for journal in journals:
                _copy_private(journal, side(copy, journal.name[len(real.name) :]))
        except OSError as exc:
            if isinstance(exc, FileNotFoundError) and not all(j.exists() for j in journals):
                raise JournalGone from None  # another process opened the file and recovered it meanwhile
            raise DatabaseError(
                f"cannot check {journals[0]}, left beside {path} by a crash: {exc.strerror} while copying it to "
                f"{folder.parent}; free some space there (warroom left both files untouched)"
            ) from None
        problem = _replayed_problem(copy, base, identity)
        if problem is not None:
            names = " and ".join(str(j) for j in journals)
            raise DatabaseError(
                f"{names} does not belong to {path}: replayed on a copy, it {problem}; warroom left both as they "
                f"are: move {journals[0].name} out of the folder to open {path.name} without it, or put back the "
                f"copy of {path.name} it came with"
            )
        return Replayed(folder, copy, journals, stamps)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _refuse_if_not_ours(copy: Path, identity) -> None:
    """The file alone is not a readable warroom file: if it is plainly another application's
    (or a newer warroom's), say so about the file, not about its journal."""
    try:
        conn = sqlite3.connect(f"{copy.as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return
    try:
        found = identity(conn)
    except sqlite3.Error:
        return
    finally:
        conn.close()
    if found is not None and found[0] in ("another application's file", "a newer warroom's file"):
        raise DatabaseError(found[1])


def _replayed_problem(copy: Path, base: set[str] | None, identity) -> str | None:
    try:
        conn = sqlite3.connect(copy, isolation_level=None)
    except sqlite3.Error as exc:
        return f"cannot be opened ({exc})"
    try:
        found = identity(conn)
        if found is not None:
            return f"leaves {found[0]}"
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            return f"leaves it damaged ({check.splitlines()[0][:120]})"
        if base is not None:
            lost = len(base - {row[0] for row in conn.execute("SELECT id FROM events")})
            if lost:
                return f"would erase {lost} of its {len(base)} events"
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in copy.db: read without journals
        conn.execute("PRAGMA journal_mode = DELETE")
        return None
    except sqlite3.Error as exc:
        return f"leaves it damaged ({exc})"
    finally:
        conn.close()


def keep_backup(path: str | os.PathLike[str], replayed: Replayed) -> Path:
    """Copy the file and its journals as they are now, before SQLite recovers them: 0600,
    beside the file, `<file>.before-recovery-<UTC time>` (its journals keep their suffixes)."""
    real = real_path(path)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    n = 1
    while True:
        backup = real.with_name(f"{real.name}.before-recovery-{stamp}" + (f"-{n}" if n > 1 else ""))
        try:
            _copy_private(real, backup)
            break
        except FileExistsError:
            n += 1
    made = [backup]
    try:
        for journal in replayed.journals:
            target = side(backup, journal.name[len(real.name) :])
            _copy_private(journal, target)
            made.append(target)
    except BaseException:
        for p in made:
            p.unlink(missing_ok=True)
        raise
    return backup
