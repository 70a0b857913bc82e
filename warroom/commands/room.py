"""The war room itself (`warroom` with no command), `warroom demo` and `warroom sync`: the
commands that open the screen or the team's server (Textual and psycopg, loaded here only)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from warroom.commands.common import db_path, playbook, with_store
from warroom.core.errors import UsageError, WarroomError

if TYPE_CHECKING:
    from argparse import Namespace


NO_TERMINAL = "the war room needs a terminal; scripts use warroom log, doc or export"


def has_terminal() -> bool:
    """Keys on stdin and the screen on stderr (where Textual draws) are both a terminal. From a
    pipe or /dev/null, Textual's input thread would spin on the end of the file for ever."""
    return all(f is not None and f.isatty() for f in (sys.__stdin__, sys.__stderr__))


def run_tui(path: Path, pb, server: str | None = None) -> int:
    """Open the war room on `path`, after refusing a bad file before the screen takes over."""
    from warroom.core import db

    prepared = db.prepare(path, create=True)  # the store adopts it: the file is checked once
    if not has_terminal():  # a bad file is said first: it is the same with a terminal
        prepared.close()
        raise UsageError(NO_TERMINAL)
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

    if not args.no_tui and not has_terminal():  # before a demo file is made for nothing
        raise UsageError(f"{NO_TERMINAL} (warroom demo --no-tui makes the file only)")
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
