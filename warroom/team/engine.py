"""Sync between one warroom file and the team's PostgreSQL: one round, or following live.

A round pushes what is new here (oldest first, in batches, each acknowledged locally only
after the server's COMMIT returned), then pulls what is new there (by server_seq, applied
in short local transactions that advance the file's cursor with the rows). Following: LISTEN
on the server, watch the file for commits of other connections (PRAGMA data_version), poll
every few seconds anyway, reconnect with backoff when the server goes.

The local file is used from one worker thread with its own sqlite3 connection, so a round
never runs on the event loop of the war room's screen, and each local transaction is short
(`apply_chunk` rows at most): a key press waits on no sync.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from warroom.core.errors import WarroomError
from warroom.team import server as srv
from warroom.team.config import redact

POLL_SECONDS = 3.0  # pull even without a NOTIFY (a lost notification, a proxy that drops them)
# A server that answers nothing for this long is gone: TCP keepalives see a dead network, not
# a server that hangs or a connection a proxy or a sleeping laptop's NAT holds open.
SERVER_SECONDS = 10.0
LOCAL_POLL_SECONDS = 0.05  # how often the file is checked for commits made by other connections
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 15.0
PUSH_BATCH = 500
PULL_BATCH = 2000
APPLY_CHUNK = 100  # rows in the first local transaction of a pull; then fitted to the target below
APPLY_TARGET_SECONDS = 0.04  # how long one local transaction of pulled rows holds the file
APPLY_MIN = 20
APPLY_MAX = 2000

T = TypeVar("T")


@dataclass(frozen=True)
class Status:
    """Where the team stands, for the header: `line()` is what it shows."""

    state: str = "connecting"  # connecting | live | offline | error
    pending: int = 0
    offline_since: datetime | None = None
    error: str | None = None
    pushed: int = 0  # totals since the engine started
    pulled: int = 0

    def line(self) -> str:
        if self.state == "live":
            return "team: live"
        if self.state == "offline":
            since = self.offline_since.astimezone().strftime("%H:%M") if self.offline_since else "now"
            return f"team: offline since {since}, {self.pending} to send"
        if self.state == "error":
            return f"team: {self.error}"
        return "team: connecting"


@dataclass
class RoundResult:
    pushed: int = 0  # rows the server did not have yet
    sent: int = 0  # rows sent (acknowledged), new or not
    pulled: int = 0  # rows new to this file
    received: int = 0  # rows read from the server


class Local:
    """The warroom file seen through the replica interface, from one worker thread."""

    def __init__(self, path: Path | str, replica: Any = None) -> None:
        self.path = Path(path)
        self._replica = replica
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="warroom-sync")
        self._conn: sqlite3.Connection | None = None
        self._version: int | None = None

    @property
    def replica(self):
        if self._replica is None:
            from warroom.core import replica

            self._replica = replica
        return self._replica

    def _open(self, create: bool) -> sqlite3.Connection:
        if self._conn is None:
            from warroom.core import db

            conn = db.open_db(self.path, create=create)
            try:
                self.replica.host_id(conn)  # the file's stable id, made now if it has none yet
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    async def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, fn, *args)

    async def compute(self, fn: Callable[..., Any], *args: Any) -> Any:
        """CPU work (JSON of a batch) in the worker thread, off the event loop."""
        return await self._call(fn, *args)

    async def open(self, create: bool) -> None:
        await self._call(self._open, create)

    @property
    def exists(self) -> bool:
        return self._conn is not None or self.path.exists()

    async def run(self, name: str, *args: Any) -> Any:
        """replica.<name>(conn, *args) in the worker thread."""

        def call():
            conn = self._open(create=False)
            try:
                return getattr(self.replica, name)(conn, *args)
            except sqlite3.Error as exc:
                from warroom.core import db

                db.rollback(conn)
                raise db.describe_sqlite_error(self.path, exc) from None

        return await self._call(call)

    async def apply(self, server: str, chunk: list[tuple[int, str]]) -> int:
        """Parse pulled bodies and apply them with the cursor at the chunk's last server_seq."""

        def call() -> int:
            rows = [srv.parse(body) for _, body in chunk]
            conn = self._open(create=False)
            try:
                return self.replica.apply_pulled(conn, server, rows, chunk[-1][0])
            except sqlite3.Error as exc:
                from warroom.core import db

                db.rollback(conn)
                raise db.describe_sqlite_error(self.path, exc) from None

        return await self._call(call)

    async def changed(self) -> bool:
        """Did another connection commit to the file since the last call?"""

        def check() -> bool:
            if self._conn is None:
                return False
            version = self._conn.execute("PRAGMA data_version").fetchone()[0]
            seen, self._version = self._version, version
            return seen is not None and seen != version

        return await self._call(check)

    async def close(self) -> None:
        def shut():
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        with contextlib.suppress(Exception):
            await self._call(shut)
        self._pool.shutdown(wait=False)


class SyncEngine:
    """Sync one file with one server. `status` is always current; `on_status` hears changes."""

    def __init__(
        self,
        db_path: Path | str,
        url: str,
        *,
        replica: Any = None,
        on_status: Callable[[Status], None] | None = None,
        poll_seconds: float = POLL_SECONDS,
        server_seconds: float = SERVER_SECONDS,
        push_batch: int = PUSH_BATCH,
        pull_batch: int = PULL_BATCH,
        apply_chunk: int = APPLY_CHUNK,
    ) -> None:
        self.url = url
        self.local = Local(db_path, replica)
        self.on_status = on_status
        self.poll_seconds = poll_seconds
        self.server_seconds = server_seconds
        self.push_batch = push_batch
        self.pull_batch = pull_batch
        self.apply_chunk = apply_chunk
        self._chunk = apply_chunk  # rows in the next local transaction: starts here, then fitted
        self.status = Status()
        self._wake: asyncio.Event | None = None
        self._stopping = False
        self._was_live = False

    # -- status -----------------------------------------------------------------------
    def _set(self, **changes: Any) -> None:
        new = replace(self.status, **changes)
        if new != self.status:
            self.status = new
            if self.on_status is not None:
                self.on_status(new)

    def _went_offline(self, exc: srv.TeamError, pending: int) -> None:
        if isinstance(exc, srv.ServerRefused):
            self._set(state="error", error=str(exc), pending=pending)
        else:
            since = self.status.offline_since if self.status.state == "offline" else None
            self._set(state="offline", offline_since=since or datetime.now().astimezone(), pending=pending, error=None)

    async def _pending(self) -> int:
        if not self.local.exists:
            return 0
        try:
            return await self.local.run("pending_count")
        except Exception:  # the count is for the header only: keep the last one known
            return self.status.pending

    async def _answered(self, conn, call: Awaitable[T]) -> T:
        """A call to the server on `conn`, given up when it answers nothing for
        `server_seconds` (the header said "team: live" for minutes while a frozen server held
        every write back). The connection is closed first, so psycopg does not then spend 10 s
        asking the silent server to cancel the query; the follow loop reconnects."""
        task = asyncio.ensure_future(call)
        try:
            done, _ = await asyncio.wait({task}, timeout=self.server_seconds)
        except BaseException:  # stopped meanwhile
            await _abandon(conn, task)
            raise
        if task in done:
            return task.result()
        await _abandon(conn, task)
        raise srv.ServerUnreachable(f"the team server stopped answering (nothing for {self.server_seconds:g} s)")

    # -- one round --------------------------------------------------------------------
    async def sync_round(self, conn, info: srv.ServerInfo) -> RoundResult:
        """Push everything unpushed, then pull everything new, on an open server connection."""
        result = RoundResult()
        last_first: str | None = None
        while True:
            rows = await self.local.run("unpushed", self.push_batch, info.server_id)
            if not rows:
                break
            if rows[0]["id"] == last_first:
                # mark_pushed did not take: stop rather than loop (it would push the same rows forever)
                raise WarroomError(f"{self.local.path}: pushed rows stay unacknowledged; sync stopped")
            last_first = rows[0]["id"]
            prepared = await self.local.compute(srv.payload, rows)
            result.pushed += await self._answered(conn, srv.push(conn, rows, self.url, prepared))
            await self.local.run("mark_pushed", rows, info.server_id)  # only now: a lost ack is a harmless re-push
            result.sent += len(rows)
            self._set(pending=max(0, self.status.pending - len(rows)))
        # Pull: the next batch is fetched while this one is applied (the worker thread parses
        # and writes; the event loop only waits on the network).
        cursor = await self.local.run("pull_cursor", info.server_id)
        fetch: asyncio.Task | None = asyncio.create_task(
            self._answered(conn, srv.pull_raw(conn, cursor, self.pull_batch, self.url))
        )
        try:
            while fetch is not None:
                batch = await fetch
                fetch = None
                if not batch:
                    break
                result.received += len(batch)
                if len(batch) >= self.pull_batch:
                    fetch = asyncio.create_task(
                        self._answered(conn, srv.pull_raw(conn, batch[-1][0], self.pull_batch, self.url))
                    )
                start = 0
                while start < len(batch):
                    chunk = batch[start : start + self._chunk]
                    began = time.monotonic()
                    result.pulled += await self.local.apply(info.server_id, chunk)
                    self._fit_chunk(len(chunk), time.monotonic() - began)
                    start += len(chunk)
        finally:
            if fetch is not None:
                fetch.cancel()
                with contextlib.suppress(BaseException):
                    await fetch
        self._set(
            pushed=self.status.pushed + result.pushed,
            pulled=self.status.pulled + result.pulled,
            pending=await self._pending(),
        )
        return result

    def _fit_chunk(self, rows: int, seconds: float) -> None:
        """Size the next local transaction to last about APPLY_TARGET_SECONDS: short enough for a
        key press waiting behind it, long enough that a catch-up does not drown in commits
        (each commit also makes the full-text index merge its segments)."""
        per_row = max(seconds / max(rows, 1), 1e-6)
        self._chunk = int(min(APPLY_MAX, max(APPLY_MIN, APPLY_TARGET_SECONDS / per_row)))

    async def once(self) -> RoundResult:
        """Connect, check the schema, open (or create) the file, one round, close.

        Raises TeamError (one line) when the server cannot be used: the file is then untouched."""
        conn = await srv.connect(self.url)
        try:
            info = await self._answered(conn, srv.ensure_schema(conn, self.url))
            await self.local.open(create=True)  # only now: a new laptop's file is made by its first pull
            result = await self.sync_round(conn, info)
            self._set(state="live", error=None, offline_since=None)
            return result
        finally:
            with contextlib.suppress(Exception):
                await conn.close()

    # -- following ----------------------------------------------------------------------
    def nudge(self) -> None:
        """Something was written here: push it now rather than at the next check."""
        if self._wake is not None:
            self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self.nudge()

    async def _sleep(self, seconds: float) -> None:
        """Sleep, waking early on stop(); keep the pending count current meanwhile."""
        deadline = time.monotonic() + seconds
        while not self._stopping and time.monotonic() < deadline:
            assert self._wake is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=min(1.0, max(0.0, deadline - time.monotonic())))
            self._wake.clear()
            if self.local.exists:
                self._set(pending=await self._pending())

    async def follow(self) -> None:
        """Sync until stop() (or cancellation): live while the server is there, retrying when not."""
        self._wake = asyncio.Event()
        backoff = BACKOFF_FIRST
        if self.local.exists:
            self._set(pending=await self._pending())
        try:
            while not self._stopping:
                self._was_live = False
                try:
                    await self._follow_connected()
                except srv.TeamError as exc:
                    if self._was_live:  # it had worked: the first retry comes soon again
                        backoff = BACKOFF_FIRST
                    self._went_offline(exc, await self._pending())
                    wait = backoff if isinstance(exc, srv.ServerUnreachable) else max(backoff, 5.0)
                    await self._sleep(wait)
                    backoff = min(backoff * 2, BACKOFF_MAX)
                except Exception as exc:  # the local file, or a bug: show it in one line, keep trying
                    self._set(state="error", error=_one_line(exc, self.url))
                    await self._sleep(max(backoff, 5.0))
                    backoff = min(backoff * 2, BACKOFF_MAX)
        finally:
            await self.local.close()

    async def _follow_connected(self) -> None:
        assert self._wake is not None
        wake = self._wake
        work = await srv.connect(self.url)
        listen = None
        listener: asyncio.Task | None = None
        try:
            info = await self._answered(work, srv.ensure_schema(work, self.url))
            listen = await srv.connect(self.url)
            try:
                await self._answered(listen, listen.execute(f"LISTEN {srv.CHANNEL}"))
            except Exception as exc:
                raise srv.describe(exc, self.url) from None
            listener = asyncio.create_task(self._listen(listen, wake))
            await self.local.open(create=True)
            await self.local.changed()  # the baseline for data_version
            next_poll = 0.0
            while not self._stopping:
                wake.clear()
                await self.sync_round(work, info)
                self._was_live = True
                self._set(state="live", error=None, offline_since=None)
                next_poll = time.monotonic() + self.poll_seconds
                while not self._stopping and not wake.is_set():
                    if listener.done():
                        exc = listener.exception() or srv.ServerUnreachable("the team server closed the connection")
                        raise srv.describe(exc, self.url)
                    if time.monotonic() >= next_poll or await self.local.changed():
                        break
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), timeout=LOCAL_POLL_SECONDS)
        finally:
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(BaseException):
                    await listener
            for conn in (listen, work):
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()

    @staticmethod
    async def _listen(conn, wake: asyncio.Event) -> None:
        try:
            async for _ in conn.notifies():
                wake.set()
        finally:
            wake.set()  # the connection ended: let the loop see it at once


async def _abandon(conn, task: asyncio.Future) -> None:
    """Close `conn` at once (libpq's finish: nothing is sent to the server, nothing waited
    for), then end the call still waiting on it."""
    with contextlib.suppress(Exception):
        await conn.close()
    task.cancel()
    with contextlib.suppress(BaseException):
        await task


def _one_line(exc: BaseException, url: str) -> str:
    from warroom.core.safetext import one_line

    text = str(exc) if isinstance(exc, WarroomError) else f"sync failed: {type(exc).__name__}: {exc}"
    return one_line(redact(text, url), limit=200)
