"""No silent failure: what nobody expected is written, with its traceback, to a log file.

`report(exc, what)` is the one call every catch-all makes. An expected error (a
`WarroomError`: a locked file, a bad playbook) is already written for the commander and
comes back as one line. Anything else is logged with its traceback to `warroom.log` in the
data folder (created 0600 in a 0700 folder, rotated at 1 MB, three old files kept) and
comes back as the one line the user sees, naming the log:

    red-flag rule rollback_first failed (ZeroDivisionError: division by zero): see ~/.local/share/warroom/warroom.log

Stdlib only (logging is imported when something fails, not when `warroom log` starts).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from warroom.core.errors import WarroomError
from warroom.core.locations import data_dir, make_private_dirs

LOG_NAME = "warroom.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
# How much of an exception's own message the user's line quotes (the log has it whole).
MESSAGE_CHARS = 120

logger = logging.getLogger("warroom")
_lock = threading.Lock()
_handler: logging.FileHandler | None = None


def _private_rotating_handler(path: Path) -> logging.FileHandler:
    """A rotating file that only its owner can read: every file it opens is created 0600.
    (logging.handlers is imported here, when something is first logged: not at every start-up.)"""
    from logging.handlers import RotatingFileHandler

    class PrivateRotatingHandler(RotatingFileHandler):
        def _open(self):  # type: ignore[override]
            fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            return open(fd, self.mode, encoding=self.encoding, errors=self.errors)

    return PrivateRotatingHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")


def log_path() -> Path:
    """Where unexpected errors go: `warroom.log` in the data folder (WARROOM_DATA_DIR overrides)."""
    return data_dir() / LOG_NAME


def shown_path(path: Path) -> str:
    """The path as the user reads it: the home folder as ~."""
    try:
        return f"~/{path.relative_to(Path.home())}"
    except ValueError:
        return str(path)


def _attach(path: Path) -> None:
    """Log to `path` (a test or a second data folder moves it; the old file is closed)."""
    global _handler
    if _handler is not None and Path(_handler.baseFilename) == path.absolute():
        return
    make_private_dirs(path.parent)
    handler = _private_rotating_handler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if _handler is not None:
        logger.removeHandler(_handler)
        _handler.close()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    _handler = handler


def close() -> None:
    """Stop logging to the current file (the next report opens the log again, wherever it is then)."""
    global _handler
    with _lock:
        if _handler is not None:
            logger.removeHandler(_handler)
            _handler.close()
            _handler = None


def _summary(exc: BaseException) -> str:
    said = " ".join(str(exc).split())
    if len(said) > MESSAGE_CHARS:
        said = said[: MESSAGE_CHARS - 1] + "…"
    return f"{type(exc).__name__}: {said}" if said else type(exc).__name__


def report(exc: BaseException, what: str) -> str:
    """Log an unexpected `exc` with its traceback; return the one line the user sees.

    `what` names what failed ("red-flag rule rollback_first", "reading the incident").
    An expected error (`WarroomError`) is not logged: its own message, written for the
    commander, is the line.
    """
    if isinstance(exc, WarroomError):
        return str(exc) or f"{what} failed"
    path = log_path()
    try:
        with _lock:
            _attach(path)
            logger.error("%s failed", what, exc_info=(type(exc), exc, exc.__traceback__))
            if _handler is not None:
                _handler.flush()
    except OSError as log_error:  # a read-only or full disk: say so rather than hide the first error
        return f"{what} failed ({_summary(exc)}); the log {shown_path(path)} could not be written: {log_error}"
    return f"{what} failed ({_summary(exc)}): see {shown_path(path)}"
