"""`warroom sync [--server URL] [--once]`: the command line's side of team sync."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from warroom.core.errors import WarroomError
from warroom.team.config import config_file, server_url


def _url(flag: str | None) -> str:
    url = server_url(flag)
    if url is None:
        raise WarroomError(
            f'no team server: pass --server URL, set WARROOM_SERVER, or put server = "postgresql://..." in {config_file()}'
        )
    return url


def _check_driver() -> None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise WarroomError("team sync needs PostgreSQL's driver: pip install 'warroom[team]'") from None


def sync(db_path: Path, flag: str | None, once: bool) -> int:
    url = _url(flag)
    _check_driver()
    from warroom.team.engine import SyncEngine

    if once:
        engine = SyncEngine(db_path, url)

        async def one_round():
            try:
                return await engine.once()
            finally:
                await engine.local.close()

        result = asyncio.run(one_round())
        print(
            f"sent {result.sent} ({result.pushed} new to the server), received {result.received} ({result.pulled} new here)"
        )
        return 0
    return _follow(db_path, url)


def _follow(db_path: Path, url: str) -> int:
    """Follow until Ctrl-C or SIGTERM (exit 0); each change of the team's state is one line on stderr."""

    def show(status) -> None:
        print(status.line(), file=sys.stderr, flush=True)

    from warroom.team.engine import SyncEngine

    engine = SyncEngine(db_path, url, on_status=show)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, engine.stop)
        await engine.follow()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    return 0
