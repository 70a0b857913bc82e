"""The war room itself (`warroom` with no command), `warroom demo` and `warroom sync`: the
commands that open the screen or the team's server (Textual and psycopg, loaded here only)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from warroom.commands.common import db_path, playbook, with_store
from warroom.core.errors import WarroomError

if TYPE_CHECKING:
    from argparse import Namespace


def run_tui(path: Path, pb, server: str | None = None) -> int:
    """Open the war room on `path`, after refusing a bad file before the screen takes over."""
    from warroom.core import db

    prepared = db.prepare(path, create=True)  # the store adopts it: the file is checked once
    from warroom.tui.app import run

    return run(path, pb, server, prepared)


def cmd_room(args: Namespace) -> int:
    """`warroom` alone: the war room, synced with --server when given."""
    from warroom.tui.collector import starting

    with starting():  # no garbage collection until the first frame (the playbook's load included)
        return run_tui(db_path(args.db), playbook(args.playbook), args.team_server)


def cmd_demo(args: Namespace) -> int:
    import tempfile

    from warroom.core.demo import seed_demo
    from warroom.core.timeutil import now

    pb = playbook(args.playbook)
    path = args.db or Path(tempfile.mkdtemp(prefix="warroom-demo-")) / "demo.db"
    if path.exists():
        raise WarroomError(f"{path} already exists; the demo writes a new database (omit --db for a scratch one)")
    asyncio.run(with_store(path, True, lambda s: seed_demo(s, pb, now(), args.events)))
    if args.no_tui:
        print(path)
        return 0
    return run_tui(path, pb)


def cmd_sync(args: Namespace) -> int:
    from warroom.team.command import sync  # psycopg only for this command

    return sync(db_path(args.db), args.server or getattr(args, "team_server", None), args.once)
