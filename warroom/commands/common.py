"""What several commands share: where the database is, who is typing, the playbook, a store
opened for one command, and which incident to show. Stdlib only at import: `warroom log`
comes through here."""

from __future__ import annotations

import sys
from pathlib import Path


def db_path(given: Path | None) -> Path:
    """--db, else WARROOM_DB, else the user data folder."""
    if given is not None:
        return given
    from warroom.core.locations import default_db

    return default_db()


def author(given: str | None) -> str:
    """--author, else WARROOM_AUTHOR, else the OS user."""
    if given and given.strip():
        return given.strip()
    from warroom.core.author import default_author

    return default_author()


def playbook(given: Path | None):
    """--playbook, else the user's playbook, else the shipped one."""
    from warroom.core import playbook as playbook_module
    from warroom.core.locations import user_playbook

    return playbook_module.load(given or user_playbook())


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
