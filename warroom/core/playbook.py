"""The methodology as data: load and validate the playbook TOML.

The shipped file is `warroom/core/data/playbook.toml`. A team's own file (`--playbook FILE`,
or `playbook.toml` in the user config folder) replaces it whole; a malformed one is
refused with a message naming the file and the field. The models are in playbook_models.py.

Validating costs more than anything else before the war room's first frame (pydantic's import
and every record's validator), so a playbook that validated is kept, pickled (plain dataclasses:
unpickling it imports no pydantic), in the data folder's cache, keyed by its path and bytes, the
shipped playbook's bytes (a team's documents are merged over it), the code that validates it
and the versions of warroom, Python and pydantic. Any other bytes validate again; a bad playbook is
never cached.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from warroom import __version__
from warroom.core import cachefile
from warroom.core.errors import PlaybookError
from warroom.core.playbook_models import (
    ANSWERED,
    DOCUMENT_ROLES,
    PHASE_ROLES,
    QUESTION_ROLES,
    SHIPPED,
    SITUATION_ROLES,
    Answered,
    ChecklistItem,
    Containment,
    DataSource,
    DocumentSpec,
    Impact,
    Mitigation,
    Phase,
    Playbook,
    PostmortemSection,
    RedFlag,
    Severity,
    Spec,
    Thresholds,
    TriageQuestion,
    role_of,
    shipped_documents,
)

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

__all__ = [
    "ANSWERED",
    "DOCUMENT_ROLES",
    "PHASE_ROLES",
    "QUESTION_ROLES",
    "SHIPPED",
    "SITUATION_ROLES",
    "Answered",
    "ChecklistItem",
    "Containment",
    "DataSource",
    "DocumentSpec",
    "Impact",
    "Mitigation",
    "Phase",
    "Playbook",
    "PostmortemSection",
    "RedFlag",
    "Severity",
    "Spec",
    "Thresholds",
    "TriageQuestion",
    "load",
    "role_of",
    "shipped_documents",
    "validate_roles",
]

# Bumped when what the cache holds changes shape in a way the key below would not notice.
CACHE_FORMAT = 2  # 2: dataclasses (records.py), no longer pydantic models
# How many validated playbooks the cache keeps (each a few kilobytes).
CACHE_KEPT = 8
# The code whose changes make a cached playbook stale (an edited checkout keeps its version).
_VALIDATING_CODE = ("playbook.py", "playbook_models.py", "records.py", "rules.py", "redflags.py")


def validate_roles(book: Playbook) -> None:
    """Refuse a playbook in which a role the code needs is played by no entry, or by two,
    or an entry names a role that does not exist; one line naming the file and the field."""
    where = book.source or "(built in code)"
    for field, known, entries in book._role_tables():
        players: dict[str, int] = {}
        for n, entry in enumerate(entries):
            if entry.role is not None and entry.role not in known:
                raise PlaybookError(
                    f"playbook {where}: field {field}.{n}.role: unknown role {entry.role!r} (roles: {', '.join(known)})"
                )
            role = role_of(entry, known)
            if role is None:
                continue
            if role in players:
                raise PlaybookError(
                    f"playbook {where}: field {field}.{n}.role: role {role!r} is given twice"
                    f" ({field}.{players[role]} {entries[players[role]].key!r} and {field}.{n} {entry.key!r})"
                )
            players[role] = n
        missing = [role for role in known if role not in players]
        if missing:
            raise PlaybookError(
                f"playbook {where}: field {field}: no entry has role {missing[0]!r}"
                f' (add role = "{missing[0]}" to the one that plays it)'
            )


# pydantic's words for a record (a dataclass) where they are Python's, in the words it uses for a
# model (a team writing TOML knows no keyword arguments).
_WORDED = {"unexpected_keyword_argument": "Extra inputs are not permitted"}


def _field_path(error: ErrorDetails) -> str:
    return ".".join(str(part) for part in error["loc"]) or "(top level)"


def load(path: Path | str | None = None) -> Playbook:
    """Load and validate a playbook; the shipped one when no path is given.

    A playbook whose bytes validated before comes from the cache (see the module's docstring)."""
    path = Path(path) if path is not None else SHIPPED
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PlaybookError(f"cannot read playbook {path}: {exc.strerror}") from None
    key = _cache_key(path, data)
    book = _cached(key) if key is not None else None
    if book is None:
        book = _validated(path, data)
        if key is not None:
            _remember(key, book)
    return book


def _validated(path: Path, data: bytes) -> Playbook:
    import tomllib

    from pydantic import ValidationError

    try:
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # as read_text() reads it
        raw = tomllib.loads(text)
    except UnicodeDecodeError:
        raise PlaybookError(f"playbook {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise PlaybookError(f"playbook {path} is not valid TOML: {exc}") from None
    try:
        book = Playbook.model_validate({**raw, "source": str(path)})
    except ValidationError as exc:
        errors = exc.errors()
        # A misspelt key is two problems (an unknown key, a required one missing): the unknown key
        # is the one to show, it names what the team wrote.
        first = next((e for e in errors if e["type"] in _WORDED), errors[0])
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        said = _WORDED.get(first["type"], first["msg"])
        raise PlaybookError(f"playbook {path}: field {_field_path(first)}: {said}{more}") from None
    from warroom.core import rules  # here, not at the top: rules imports this module

    validate_roles(book)  # every role the code needs is played once
    rules.validate(book)  # every red flag names a rule (and phases) that exist
    return book


# ----- the cache of validated playbooks ---------------------------------------------------------


def cache_file(key: str) -> Path:
    """Where the playbook validated under `key` is kept: one file per key, so two versions or
    two playbooks in use side by side (a checkout and an install, a team's file and --playbook)
    do not evict each other."""
    from warroom.core.locations import data_dir

    return data_dir() / "cache" / f"playbook-{key[:32]}.pickle"


def _cache_key(path: Path, data: bytes) -> str | None:
    """What a cached playbook must have been made from; None when the code cannot be read."""
    digest = hashlib.sha256()
    for part in (str(CACHE_FORMAT), __version__, sys.version, str(path)):
        digest.update(part.encode() + b"\0")
    here = Path(__file__).parent
    try:
        validating = (*(here / name for name in _VALIDATING_CODE), _pydantic_version_file())
        for chunk in (data, SHIPPED.read_bytes(), *(file.read_bytes() for file in validating)):
            digest.update(len(chunk).to_bytes(8, "big") + chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _pydantic_version_file() -> Path:
    """pydantic's version.py, found without importing pydantic (a newer one may validate otherwise)."""
    from importlib.util import find_spec

    spec = find_spec("pydantic")
    if spec is None or spec.origin is None:
        raise OSError("pydantic is not installed")
    return Path(spec.origin).parent / "version.py"


def _cached(key: str) -> Playbook | None:
    """The playbook cached under `key`, or None (no file, another key, not ours, unreadable)."""
    book = cachefile.read(cache_file(key), key.encode())
    return book if isinstance(book, Playbook) else None


def _remember(key: str, book: Playbook) -> None:
    """Cache a validated playbook; a folder we cannot write is no error."""
    target = cache_file(key)
    if cachefile.write(target, key.encode(), book):
        _prune(target)


def _prune(written: Path) -> None:
    """Keep the playbook just written and the CACHE_KEPT - 1 others written last (a hit does
    not touch its file)."""
    others = [path for path in written.parent.glob("playbook-*.pickle") if path != written]
    others.sort(key=lambda path: path.stat().st_mtime_ns, reverse=True)
    for stale in others[CACHE_KEPT - 1 :]:
        stale.unlink(missing_ok=True)
