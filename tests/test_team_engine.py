"""The sync engine between files and a real PostgreSQL: rounds, following, cuts and heals.

Every test runs twice: over the store's replica (warroom/core/replica.py, files written through
the store's write path) and over the minimal stand-in of tests/pg.py (so the engine's own
logic is pinned down whatever the store does). The server is always real."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import time
from pathlib import Path

import pytest

from warroom.core import db
from warroom.team import server as srv
from warroom.team.engine import SyncEngine

pytest.register_assert_rewrite("tests.pg")
from tests.pg import StandinReplica, StoreReplica, make_cluster  # noqa: E402

HAS_REPLICA = importlib.util.find_spec("warroom.core.replica") is not None
R: type = StandinReplica


@pytest.fixture(autouse=True, params=["store", "standin"])
def _replica(request):
    """Which local side this run of the test drives (module global R)."""
    global R
    if request.param == "store" and not HAS_REPLICA:
        pytest.skip("needs warroom/core/replica.py")
    R = StoreReplica if request.param == "store" else StandinReplica
    yield
    R = StandinReplica


def write(path: Path, text: str) -> dict:
    conn = db.open_db(path)
    try:
        return R.write(conn, text)
    finally:
        conn.close()


def ids(path: Path) -> list[str]:
    conn = db.open_db(path, create=False)
    try:
        return R.ids(conn)
    finally:
        conn.close()


def engine(path: Path, url: str, **kw) -> SyncEngine:
    return SyncEngine(path, url, replica=kw.pop("replica", R), **kw)


async def once(path: Path, url: str, **kw):
    e = engine(path, url, **kw)
    try:
        return await e.once()
    finally:
        await e.local.close()


async def until(condition, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def test_two_files_converge_in_rounds_and_a_second_round_moves_nothing(tmp_path, pg_url):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    mine = [write(a, f"a{i}")["id"] for i in range(3)]
    theirs = [write(b, f"b{i}")["id"] for i in range(2)]
    on_a, on_b = ids(a), ids(b)
    first = await once(a, pg_url)
    assert (first.sent, first.pushed) == (len(on_a), len(on_a))
    second = await once(b, pg_url)
    assert (second.sent, second.pulled) == (len(on_b), len(on_a))
    await once(a, pg_url)
    assert ids(a) == ids(b) == sorted(on_a + on_b)
    assert set(mine + theirs) <= set(ids(a))
    again = await once(a, pg_url)
    assert (again.sent, again.pulled) == (0, 0)


async def test_a_new_laptop_file_is_created_by_its_first_pull(tmp_path, pg_url):
    a, new = tmp_path / "a.db", tmp_path / "fresh" / "new.db"
    write(a, "declared elsewhere")
    await once(a, pg_url)
    new.parent.mkdir()
    assert not new.exists()
    result = await once(new, pg_url)
    assert result.pulled == len(ids(a)) and ids(new) == ids(a)


async def test_pull_in_many_small_batches_and_short_local_transactions(tmp_path, pg_url):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for i in range(23):
        write(a, f"n{i}")
    n = len(ids(a))
    assert (await once(a, pg_url, push_batch=4)).sent == n
    result = await once(b, pg_url, pull_batch=5, apply_chunk=2)
    assert (result.received, result.pulled) == (n, n)
    assert ids(a) == ids(b)


async def test_unreachable_server_is_one_line_and_leaves_the_file_untouched(tmp_path):
    a = tmp_path / "a.db"
    write(a, "kept")
    before = a.read_bytes()
    url = f"postgresql://postgres@/x?host={tmp_path / 'nowhere'}"
    with pytest.raises(srv.ServerUnreachable) as caught:
        await once(a, url)
    assert "\n" not in str(caught.value) and "cannot reach the team server" in str(caught.value)
    assert a.read_bytes() == before
    missing = tmp_path / "never.db"
    with pytest.raises(srv.ServerUnreachable):
        await once(missing, url)
    assert not missing.exists()


async def test_the_server_cut_in_the_middle_of_a_push_then_healed(tmp_path, pg_cluster, pg_url):
    """Another writer holds one of the batch's ids uncommitted, so the push stops mid-INSERT
    (rows before it inserted, in its open transaction); its connection is cut there."""
    import psycopg

    a, b = tmp_path / "a.db", tmp_path / "b.db"
    rows = [write(a, f"n{i}") for i in range(6)]
    await once(b, pg_url)  # the schema exists
    blocker = await psycopg.AsyncConnection.connect(pg_url)
    await blocker.execute(
        "INSERT INTO warroom.events (id, incident_id, host, hlc, body) VALUES (%s, 'INC', 'h', 0, '{}')",
        (rows[3]["id"],),
    )
    e = engine(a, pg_url)
    pushing = asyncio.create_task(e.once())
    admin = await psycopg.AsyncConnection.connect(pg_url, autocommit=True)

    async def push_waiting() -> int:
        cur = await admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
            ("%INSERT INTO warroom.events%jsonb_array_elements%",),
        )
        row = await cur.fetchone()
        return row[0] if row else 0

    pid = 0
    deadline = time.monotonic() + 15
    while not pid and time.monotonic() < deadline:
        pid = await push_waiting()
        await asyncio.sleep(0.01)
    assert pid, "the push never reached the blocked row"
    await admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(srv.ServerUnreachable):
        await pushing
    await e.local.close()
    await blocker.rollback()
    await blocker.close()
    cur = await admin.execute("SELECT count(*) FROM warroom.events")
    assert (await cur.fetchone())[0] == 0  # the cut transaction left nothing behind
    await admin.close()
    n = len(ids(a))
    conn = db.open_db(a)
    assert R.pending_count(conn) == n  # nothing was marked pushed
    conn.close()
    healed = await once(a, pg_url)
    assert (healed.sent, healed.pushed) == (n, n)
    await once(b, pg_url)
    assert ids(b) == ids(a)
    assert {r["id"] for r in rows} <= set(ids(a))


def cut_after_first_apply(base: type, admin_url: str) -> type:
    """The local side as usual, but the server connection is cut (pg_terminate_backend) right
    after the first pulled batch is applied: the middle of a pull, exactly."""

    class CutAfterFirstApply(base):
        cut = False

        @classmethod
        def apply_pulled(cls, conn, server, rows, cursor):
            new = super().apply_pulled(conn, server, rows, cursor)
            if not cls.cut:
                cls.cut = True
                import psycopg

                with psycopg.connect(admin_url, autocommit=True) as admin:
                    admin.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE application_name = 'warroom-sync' AND datname = current_database()"
                    )
            return new

    return CutAfterFirstApply


async def test_the_server_cut_in_the_middle_of_a_pull_then_healed(tmp_path, pg_url):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for i in range(12):
        write(a, f"n{i}")
    await once(a, pg_url)
    n = len(ids(a))
    with pytest.raises(srv.ServerUnreachable):
        await once(b, pg_url, replica=cut_after_first_apply(R, pg_url), pull_batch=5, apply_chunk=5)
    got = len(ids(b))
    assert got in (5, 10)  # the first batch with its cursor (and the next, if it was fetched before the cut)
    healed = await once(b, pg_url, pull_batch=5)
    assert (healed.received, healed.pulled) == (n - got, n - got)  # from the cursor on: nothing doubled
    assert ids(b) == ids(a)


def ack_lost(base: type) -> type:
    """The server committed the push, but the laptop died before it recorded the ack."""

    class AckLost(base):
        @classmethod
        def mark_pushed(cls, conn, rows, server=""):
            raise RuntimeError("power cut before the ack was written")

    return AckLost


async def test_a_lost_ack_means_a_harmless_re_push(tmp_path, pg_url):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for i in range(4):
        write(a, f"n{i}")
    with pytest.raises(RuntimeError):
        await once(a, pg_url, replica=ack_lost(R))
    again = await once(a, pg_url)
    assert (again.sent, again.pushed) == (len(ids(a)), 0)  # sent again, nothing new to the server
    await once(b, pg_url)
    assert ids(b) == ids(a)


async def test_following_files_see_each_others_writes_live(tmp_path, pg_url):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    write(a, "before")
    write(b, "before too")
    both = len(ids(a)) + len(ids(b))
    ea, eb = engine(a, pg_url), engine(b, pg_url)
    tasks = [asyncio.create_task(ea.follow()), asyncio.create_task(eb.follow())]
    try:
        await until(lambda: ea.status.state == eb.status.state == "live", what="both live")
        await until(lambda: ids(a) == ids(b) and len(ids(a)) == both, what="the first exchange")
        row = write(a, "logged on a while b watches")  # another connection: the engine sees the commit
        await until(lambda: row["id"] in ids(b), what="a's event on b")
        row_b = write(b, "and back")
        eb.nudge()
        await until(lambda: row_b["id"] in ids(a), what="b's event on a")
        assert ea.status.line() == "team: live"
    finally:
        ea.stop()
        eb.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=10)


class FreezingProxy:
    """TCP on 127.0.0.1 in front of the cluster's unix socket. `freeze()` stops passing bytes
    either way while every connection stays open: a server that hangs, or a half-open
    connection (a laptop waking, a NAT that forgot it), which TCP keepalives do not see."""

    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_unix_connection(str(self.socket_path))

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await source.read(65536):
                    await self.flowing.wait()
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def freeze(self) -> None:
        self.flowing.clear()

    def thaw(self) -> None:
        self.flowing.set()

    async def close(self) -> None:
        self.thaw()
        if self.server is not None:
            self.server.close()


async def test_a_server_that_stops_answering_is_offline_then_live_again(tmp_path, pg_cluster, pg_url):
    """Not "team: live" while nothing gets through (a walker froze the server: live for minutes,
    no write sent): offline after `server_seconds` without an answer, what is written meanwhile
    counted to send, and all of it there once the server answers again."""
    db_name = pg_url.split("/")[3].split("?")[0]
    proxy = FreezingProxy(pg_cluster.socket_dir / f".s.PGSQL.{pg_cluster.port}")
    await proxy.start()
    url = f"postgresql://postgres@127.0.0.1:{proxy.port}/{db_name}"
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    write(a, "before the freeze")
    ea, eb = engine(a, url, server_seconds=1.0, poll_seconds=0.2), engine(b, pg_url)
    tasks = [asyncio.create_task(ea.follow()), asyncio.create_task(eb.follow())]
    try:
        await until(lambda: ea.status.state == eb.status.state == "live", what="both live")
        proxy.freeze()
        written = [write(a, f"during the freeze {i}")["id"] for i in range(2)]
        ea.nudge()
        await until(lambda: ea.status.state == "offline", timeout=10, what="a offline")
        await until(lambda: ea.status.pending >= 2, what="a's writes counted to send")
        assert "stopped answering" in str(ea.status) or ea.status.line().startswith("team: offline since ")
        proxy.thaw()
        await until(lambda: ea.status.state == "live", timeout=30, what="a live again")
        await until(lambda: set(written) <= set(ids(b)), what="a's writes on b")
        assert sorted(ids(a)) == sorted(ids(b)) and len(set(ids(b))) == len(ids(b))
    finally:
        ea.stop()
        eb.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=20)
        await proxy.close()


@pytest.fixture(scope="module")
def own_cluster():
    """A cluster of this module's own: these tests stop and restart it."""
    cluster = make_cluster()
    yield cluster
    cluster.remove()


@pytest.mark.slow  # a cluster of its own
async def test_server_gone_while_following_then_back_nothing_lost_nothing_doubled(tmp_path, own_cluster):
    url = own_cluster.url(own_cluster.new_database())
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    write(a, "first")
    first = len(ids(a))
    seen: list[str] = []
    ea = engine(a, url, on_status=lambda s: seen.append(s.line()))
    eb = engine(b, url)
    tasks = [asyncio.create_task(ea.follow()), asyncio.create_task(eb.follow())]
    try:
        await until(lambda: ea.status.state == eb.status.state == "live", what="both live")
        await until(lambda: b.exists() and len(ids(b)) == first, what="the first events on b")
        await asyncio.to_thread(own_cluster.stop, "immediate")
        await until(lambda: ea.status.state == "offline", what="a offline")
        apart_a = [write(a, f"a apart {i}")["id"] for i in range(3)]
        apart_b = [write(b, f"b apart {i}")["id"] for i in range(2)]
        await until(lambda: ea.status.pending == 3 and eb.status.pending == 2, what="pending counts")
        assert ea.status.line().startswith("team: offline since ") and ea.status.line().endswith(", 3 to send")
        await asyncio.to_thread(own_cluster.start)
        await until(lambda: ea.status.state == eb.status.state == "live", timeout=30, what="both live again")
        await until(lambda: len(ids(a)) == len(ids(b)) == first + 5, what="convergence")
        assert ids(a) == ids(b)
        assert set(apart_a + apart_b) <= set(ids(a))
        assert "team: live" in seen and any(line.startswith("team: offline since") for line in seen)
    finally:
        ea.stop()
        eb.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=10)
    conn = await srv.connect(url)
    cur = await conn.execute("SELECT count(*), count(DISTINCT id) FROM warroom.events")
    assert await cur.fetchone() == (first + 5, first + 5)
    await conn.close()


async def test_following_a_server_that_refuses_shows_its_one_line_error(tmp_path, pg_url):
    conn = await srv.connect(pg_url)
    await srv.ensure_schema(conn, pg_url)
    await conn.execute("UPDATE warroom.meta SET value = '99' WHERE key = 'schema_version'")
    await conn.close()
    a = tmp_path / "a.db"
    write(a, "waits here")
    before = a.read_bytes()
    e = engine(a, pg_url)
    task = asyncio.create_task(e.follow())
    try:
        await until(lambda: e.status.state == "error", what="the error state")
        line = e.status.line()
        assert line.startswith("team: the team server ") and "schema 99" in line and "\n" not in line
        assert e.status.pending == len(ids(a))
    finally:
        e.stop()
        await asyncio.wait_for(task, timeout=10)
    assert a.read_bytes() == before
