"""Private cache files: a pickled value under a header naming what it was made from.

The cache is an optimisation only: a file that is missing, torn, written under another header,
or writable by anyone but us is not read (the value is made again), and a folder that cannot
be written is no error. Only a file this user alone could have written is unpickled.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any


def read(path: Path, header: bytes) -> Any | None:
    """The value cached in `path` under `header`, or None."""
    try:
        with open(path, "rb") as file:
            info = os.fstat(file.fileno())
            if info.st_uid != os.getuid() or info.st_mode & 0o022:  # only what we alone could write
                return None
            if file.read(len(header) + 1) != header + b"\n":
                return None
            return pickle.load(file)
    except Exception:  # anything wrong with it (torn, another version's classes): made again
        return None


def write(path: Path, header: bytes, value: Any) -> bool:
    """Cache `value` in `path` under `header` (atomically, 0600 in a 0700 folder); False when
    it could not be written."""
    from warroom.core.locations import make_private_dirs

    scratch = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        make_private_dirs(path.parent)
        # A new file of our own: never one planted at this name (a link to truncate) in a shared folder.
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(header + b"\n")
            pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(scratch, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        try:
            scratch.unlink(missing_ok=True)
        except OSError:  # the folder itself could not be made
            pass
        return False
    return True
