"""What several commands share: where the database is, who is typing, the playbook, a store
opened for one command, and which incident to show. Stdlib only at import: `warroom log`
comes through here."""

from __future__ import annotations

import os
import sys

# pathlib only for the annotations (see the future import): `warroom log` reads its paths as text
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path


def db_text(given: str | os.PathLike[str] | None) -> str:
    """--db, else WARROOM_DB, else the user data folder, as text (`warroom log` imports no pathlib)."""
    from warroom.core.locations import default_db_text, path_text

    return path_text(given) if given is not None else default_db_text()


def db_path(given: str | os.PathLike[str] | None) -> Path:
    """db_text as a Path, for the commands that open the store."""
    from pathlib import Path

    return Path(db_text(given))


def author(given: str | None) -> str:
    """--author, else WARROOM_AUTHOR, else the OS user."""
    if given and given.strip():
        return given.strip()
    from warroom.core.author import default_author

    return default_author()


def playbook(given: str | os.PathLike[str] | None):
    """--playbook, else the user's playbook, else the shipped one."""
    from warroom.core import playbook as playbook_module
    from warroom.core.locations import user_playbook

    return playbook_module.load(given if given is not None else user_playbook())


async def with_store(path: Path, create: bool, work, read_only: bool = False):
    """`await work(store)` on the store opened at `path`, closed whatever happens."""
    from warroom.core.store import Store

    store = await Store.open(path, create=create, read_only=read_only)
    try:
        return await work(store)
    finally:
        await store.close()


async def reading(path: Path, work):
    """with_store for the commands that only read (list, doc, export, actions, stats): they
    never change a byte of the file, its -wal or -shm."""
    return await with_store(path, False, work, read_only=True)


async def incident_to_show(store, wanted: str | None):
    """For set, doc and export: the incident given, else the latest open one, else (the
    postmortem is written after `warroom resolve`) the one resolved last, said on stderr."""
    if wanted is not None:
        return await store.find_incident(wanted)
    incident = await store.latest_open()
    if incident is not None:
        return incident
    from warroom.core import db
    from warroom.core.errors import WarroomError
    from warroom.core.safetext import one_line
    from warroom.core.timeutil import local

    resolved = [i for i in await store.incidents(include_resolved=True) if i.status == "resolved"]
    if not resolved:
        raise db.no_open_incident(store.path)

    def when(inc):
        return inc.resolved_at or inc.declared_at

    last = max(when(i) for i in resolved)
    latest = [i for i in resolved if when(i) == last]
    if len(latest) > 1:  # resolved in the same millisecond: refuse rather than guess
        raise WarroomError(
            f"no open incident, and {', '.join(i.id for i in latest)} were resolved at the same time: "
            "say which with --incident ID"
        )
    incident = latest[0]
    resolved_at = local(when(incident)).strftime("%Y-%m-%d %H:%M")
    print(
        f"warroom: no open incident; using {incident.id}, resolved {resolved_at}: {one_line(incident.title)}",
        file=sys.stderr,
    )
    return incident
