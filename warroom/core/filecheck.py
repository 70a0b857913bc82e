"""The database file on disk, checked before SQLite opens it: a folder, a dangling link, a
pipe, an empty file, missing permissions, unusable -wal/-shm/-journal beside it are each
refused with one line saying what to do, and warroom leaves them as they are.

Stdlib only: `warroom log` goes through here.
"""

from __future__ import annotations

import os
from pathlib import Path

from warroom.core import leftover
from warroom.core.errors import DatabaseError

SQLITE_HEADER = b"SQLite format 3\x00"


def check_file(path: Path, create: bool) -> bool:
    """Refuse, with one line saying what to do, a path warroom cannot use; True when a file
    is there to open, False when none is and `create` says the caller makes one."""
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
        return False
    if not path.is_file():  # opening a pipe would hang; a device is no place for a database
        raise DatabaseError(f"{path} is not a regular file (a device or a pipe?); pass a file path with --db")
    # The file is never opened here: closing any descriptor of it releases every POSIX lock
    # this process holds on it, so a read while another connection of ours is open (the TUI
    # opens a second store) let SQLite reset the WAL under that connection: it went stale,
    # then "malformed". SQLite reads the header itself; not_sqlite() explains a refusal.
    if not os.access(path, os.R_OK):
        raise DatabaseError(f"cannot read {path}: permission denied")
    if path.stat().st_size == 0:  # warroom builds a new file whole before it appears (db._create_file)
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
    return True


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


def not_sqlite(path: Path) -> bool:
    """Only after SQLite refused the file (so it is unusable anyway): is it not SQLite at all?"""
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError:
        return False
    return bool(header) and header != SQLITE_HEADER
