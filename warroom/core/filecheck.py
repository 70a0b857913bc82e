"""The database file on disk, checked before SQLite opens it: a folder, a dangling link, a
pipe, an empty file, missing permissions, unusable -wal/-shm/-journal beside it are each
refused with one line saying what to do, and warroom leaves them as they are.

Stdlib only, and no pathlib: `warroom log` goes through here. The path is text (as
locations.path_text writes it); each test answers as pathlib's would (_stat).
"""

from __future__ import annotations

import errno
import os
import stat

from warroom.core import leftover
from warroom.core.errors import DatabaseError
from warroom.core.locations import parent_text

SQLITE_HEADER = b"SQLite format 3\x00"
# What pathlib's exists(), is_dir(), is_file() and is_symlink() read as "no" (any other error is raised)
_ABSENT = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


def _stat(path: str, follow: bool = True) -> os.stat_result | None:
    """os.stat (os.lstat) of `path`, None where pathlib's tests would answer False."""
    try:
        return os.stat(path) if follow else os.lstat(path)
    except OSError as exc:
        if exc.errno not in _ABSENT:
            raise
        return None
    except ValueError:  # a NUL in the path
        return None


def check_file(path: str, create: bool, write: bool = True) -> bool:
    """Refuse, with one line saying what to do, a path warroom cannot use; True when a file
    is there to open, False when none is and `create` says the caller makes one. `write`
    False (a command that only reads): a file warroom could not write is not refused."""
    found = _stat(path)
    if found is not None and stat.S_ISDIR(found.st_mode):
        raise DatabaseError(f"{path} is a folder, not a database file: pass a file path with --db")
    if found is None:
        link = _stat(path, follow=False)
        if link is not None and stat.S_ISLNK(link.st_mode):
            raise DatabaseError(
                f"{path} is a symbolic link to {os.readlink(path)}, which does not exist; "
                "point --db at the database itself or remove the link"
            )
        if not create:
            raise DatabaseError(f"no database at {path}: declare an incident first (warroom declare TITLE)")
        return False
    if not stat.S_ISREG(found.st_mode):  # opening a pipe would hang; a device is no place for a database
        raise DatabaseError(f"{path} is not a regular file (a device or a pipe?); pass a file path with --db")
    # The file is never opened here: closing any descriptor of it releases every POSIX lock
    # this process holds on it, so a read while another connection of ours is open (the TUI
    # opens a second store) let SQLite reset the WAL under that connection: it went stale,
    # then "malformed". SQLite reads the header itself; not_sqlite() explains a refusal.
    if not os.access(path, os.R_OK):
        raise DatabaseError(f"cannot read {path}: permission denied")
    if os.stat(path).st_size == 0:  # warroom builds a new file whole before it appears (db._create_file)
        raise DatabaseError(
            f"{path} is an empty file (0 bytes), not a warroom database; delete it to start a new one there, "
            "or choose another --db"
        )
    if write and not os.access(path, os.W_OK):
        raise DatabaseError(f"{path} is read-only: warroom must write to it; fix its permissions or copy it")
    folder = parent_text(path)
    if write and not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseError(
            f"cannot write in {folder} (SQLite keeps its journal beside {os.path.basename(path)}); "
            "fix the folder's permissions"
        )
    _check_side_files(path, write)
    return True


def writable(path: str) -> bool:
    """Whether SQLite could write the file and its journals beside it (not so on a read-only
    mount, an immutable file, a folder without write permission)."""
    real = leftover.real_text(path)  # SQLite writes beside the file a link points to
    return os.access(real, os.W_OK) and os.access(parent_text(real), os.W_OK | os.X_OK)


def _check_side_files(path: str, write: bool = True) -> None:
    """The -wal, -shm and -journal SQLite keeps beside the file must be files it can use
    (read, for a command that only reads)."""
    real = leftover.real_text(path)
    for suffix in leftover.SIDE_FILES:
        extra = leftover.side_text(real, suffix)
        if not os.path.lexists(extra):
            continue
        what = "the shared-memory file" if suffix == "-shm" else "the journal"
        found = _stat(extra)
        if found is None or not stat.S_ISREG(found.st_mode):  # a folder, a pipe, a link to nothing
            raise DatabaseError(
                f"{extra}, {what} SQLite keeps beside {path}, is not a regular file; move it out of the folder "
                "(warroom left both as they are)"
            )
        if not os.access(extra, os.R_OK | (os.W_OK if write else 0)):
            raise DatabaseError(
                f"cannot open {extra}, {what} SQLite keeps beside {path}: permission denied; give it the owner "
                f"and permissions of {os.path.basename(path)} (warroom left both as they are)"
            )


def not_sqlite(path: str) -> bool:
    """Only after SQLite refused the file (so it is unusable anyway): is it not SQLite at all?"""
    try:
        with open(path, "rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError:
        return False
    return bool(header) and header != SQLITE_HEADER
