"""The team server against a real PostgreSQL: schema versions and refusals, push and pull,
duplicates, NUL text, and the sequence-gap trap with concurrent pushers."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from warroom.team import server as srv

pytest.register_assert_rewrite("tests.pg")
from tests.pg import wire_row  # noqa: E402


async def _conn(url):
    return await srv.connect(url)


async def test_first_sync_creates_the_schema_and_the_second_finds_it(pg_url):
    conn = await _conn(pg_url)
    try:
        info = await srv.ensure_schema(conn, pg_url)
        assert info.version == srv.SCHEMA_VERSION
        again = await srv.ensure_schema(conn, pg_url)
        assert again == info  # same server id: each file's cursor stays valid
        cur = await conn.execute("SELECT key, value FROM warroom.meta ORDER BY key")
        meta = dict(await cur.fetchall())
        assert meta["application"] == "warroom"
        assert meta["schema_version"] == str(srv.SCHEMA_VERSION)
    finally:
        await conn.close()


async def test_two_laptops_creating_the_schema_at_once_both_succeed(pg_url):
    conns = [await _conn(pg_url) for _ in range(4)]
    try:
        infos = await asyncio.gather(*(srv.ensure_schema(c, pg_url) for c in conns))
        assert len({i.server_id for i in infos}) == 1
    finally:
        for c in conns:
            await c.close()


async def test_an_older_schema_is_upgraded_keeping_its_events_and_id(pg_url):
    conn = await _conn(pg_url)
    try:
        for statement in srv.MIGRATIONS[0]:
            await conn.execute(statement)
        await conn.execute(
            "INSERT INTO warroom.meta VALUES ('application', 'warroom'), ('schema_version', '1'), ('server_id', 'old-id')"
        )
        await conn.execute(
            "INSERT INTO warroom.events (id, incident_id, host, hlc, body) VALUES ('e1', 'INC-1', 'h', 1, '{}')"
        )
        info = await srv.ensure_schema(conn, pg_url)
        assert info == srv.ServerInfo("old-id", srv.SCHEMA_VERSION)
        cur = await conn.execute("SELECT id, received_at IS NOT NULL FROM warroom.events")
        assert await cur.fetchall() == [("e1", True)]
    finally:
        await conn.close()


async def test_a_newer_schema_is_refused_in_one_line(pg_url):
    conn = await _conn(pg_url)
    try:
        await srv.ensure_schema(conn, pg_url)
        await conn.execute("UPDATE warroom.meta SET value = '99' WHERE key = 'schema_version'")
        with pytest.raises(srv.ServerRefused) as caught:
            await srv.ensure_schema(conn, pg_url)
        message = str(caught.value)
        assert "schema 99" in message and "upgrade warroom" in message and "\n" not in message
    finally:
        await conn.close()


@pytest.mark.parametrize(
    "setup",
    [
        ["CREATE SCHEMA warroom", "CREATE TABLE warroom.events (id int)"],
        ["CREATE SCHEMA warroom", "CREATE TABLE warroom.meta (key text, value text)"],
        [
            "CREATE SCHEMA warroom",
            "CREATE TABLE warroom.meta (key text, value text)",
            "INSERT INTO warroom.meta VALUES ('application', 'other')",
        ],
    ],
    ids=["foreign-tables", "empty-meta", "other-application"],
)
async def test_a_warroom_schema_that_is_not_warrooms_is_refused_and_left_alone(pg_url, setup):
    conn = await _conn(pg_url)
    try:
        for statement in setup:
            await conn.execute(statement)
        with pytest.raises(srv.ServerRefused, match="not warroom's"):
            await srv.ensure_schema(conn, pg_url)
        cur = await conn.execute("SELECT count(*) FROM pg_class WHERE relnamespace = 'warroom'::regnamespace")
        assert (await cur.fetchone())[0] == 1  # nothing was added
    finally:
        await conn.close()


async def test_an_empty_warroom_schema_made_by_a_dba_is_filled(pg_url):
    conn = await _conn(pg_url)
    try:
        await conn.execute("CREATE SCHEMA warroom")
        info = await srv.ensure_schema(conn, pg_url)
        assert info.version == srv.SCHEMA_VERSION
    finally:
        await conn.close()


async def test_push_then_pull_returns_the_rows_in_order_and_the_same_batch_twice_adds_nothing(pg_url):
    conn = await _conn(pg_url)
    try:
        await srv.ensure_schema(conn, pg_url)
        rows = [wire_row(text=f"n{i}", hlc=i) for i in range(5)]
        rows[2]["data"] = {"impact_pct": 12.5, "nested": {"a": [1, "b"]}}
        assert await srv.push(conn, rows, pg_url) == 5
        assert await srv.push(conn, rows, pg_url) == 0  # a lost ack: the retry is harmless
        assert await srv.push(conn, rows[1:3] + [wire_row(text="late")], pg_url) == 1
        pulled = await srv.pull(conn, 0, 100, pg_url)
        assert [r for _, r in pulled][:5] == rows
        assert [r["text"] for _, r in pulled] == ["n0", "n1", "n2", "n3", "n4", "late"]
        seqs = [s for s, _ in pulled]
        assert seqs == sorted(seqs)
        assert await srv.pull(conn, seqs[2], 2, pg_url) == pulled[3:5]
        assert await srv.pull(conn, seqs[-1], 100, pg_url) == []
    finally:
        await conn.close()


async def test_text_jsonb_cannot_hold_travels_whole(pg_url):
    conn = await _conn(pg_url)
    try:
        await srv.ensure_schema(conn, pg_url)
        odd = [
            wire_row(text="nul\x00 inside"),
            wire_row(text="a literal \\u0000 and \x1b[31m"),
            wire_row(text="ünï 🚒"),
        ]
        odd[1]["data"] = {"k": "v\x00"}
        assert await srv.push(conn, odd, pg_url) == 3
        assert [r for _, r in await srv.pull(conn, 0, 10, pg_url)] == odd
    finally:
        await conn.close()


async def test_push_notifies_each_incident_touched_once(pg_url):
    conn = await _conn(pg_url)
    listen = await _conn(pg_url)
    try:
        await srv.ensure_schema(conn, pg_url)
        await listen.execute("LISTEN warroom")
        await srv.push(conn, [wire_row("INC-1"), wire_row("INC-2"), wire_row("INC-1")], pg_url)
        got = []
        async for n in listen.notifies(timeout=5, stop_after=2):
            got.append((n.channel, n.payload))
        assert sorted(got) == [("warroom", "INC-1"), ("warroom", "INC-2")]
    finally:
        await conn.close()
        await listen.close()


async def test_a_slow_pusher_cannot_commit_below_what_a_puller_already_read(pg_url):
    """The sequence-gap trap: writer S takes its sequence number, then stalls before COMMIT
    while writer F pushes. Without push's advisory lock, F commits the higher number first, a
    puller reads past it and never sees S's row. With it, F waits for S."""
    setup = await _conn(pg_url)
    await srv.ensure_schema(setup, pg_url)
    slow_row = wire_row(text="slow")
    slow = await psycopg.AsyncConnection.connect(pg_url)  # a push, done by hand to stall in the middle
    fast = await _conn(pg_url)
    try:
        await slow.execute("SELECT pg_advisory_xact_lock(%s)", (srv.LOCK_PUSH,))
        await slow.execute(
            "INSERT INTO warroom.events (id, incident_id, host, hlc, body) VALUES (%s, %s, 'h', 0, '{}')",
            (slow_row["id"], slow_row["incident_id"]),
        )
        fast_push = asyncio.create_task(srv.push(fast, [wire_row(text="fast")], pg_url))
        # The fast push is waiting on the lock (not merely not yet started):
        for _ in range(500):
            cur = await setup.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND pid = %s",
                (fast.info.backend_pid,),
            )
            if (await cur.fetchone())[0]:
                break
            await asyncio.sleep(0.01)
        else:
            pytest.fail("the second push never waited for the lock")
        assert not fast_push.done()
        assert await srv.pull(setup, 0, 10, pg_url) == []  # nothing committed yet: a puller reads nothing
        await slow.commit()
        assert await fast_push == 1
        pulled = await srv.pull(setup, 0, 10, pg_url)
        assert [r.get("text") for _, r in pulled] == [None, "fast"]  # the slow row first, in commit order
    finally:
        for c in (setup, slow, fast):
            await c.close()


async def test_concurrent_pushers_and_a_puller_lose_nothing(pg_url):
    """Four laptops push 30 batches each while a fifth pulls with a cursor as it goes: the
    puller, having only ever asked for rows after its cursor, has every row exactly once."""
    setup = await _conn(pg_url)
    await srv.ensure_schema(setup, pg_url)
    pushers = [await _conn(pg_url) for _ in range(4)]
    puller = await _conn(pg_url)
    sent: list[str] = []
    done = asyncio.Event()

    async def pusher(conn, host):
        for b in range(30):
            batch = [wire_row(f"INC-{host}", f"{host}-{b}-{i}", host=host) for i in range(1 + b % 7)]
            sent.extend(r["id"] for r in batch)
            await srv.push(conn, batch, pg_url)

    async def pull_along():
        cursor, seen = 0, []
        while True:
            finished = done.is_set()
            rows = await srv.pull(puller, cursor, 13, pg_url)
            if rows:
                cursor = rows[-1][0]
                seen.extend(r["id"] for _, r in rows)
            elif finished:
                return seen
            else:
                await asyncio.sleep(0)

    try:
        reader = asyncio.create_task(pull_along())
        await asyncio.gather(*(pusher(c, f"h{n}") for n, c in enumerate(pushers)))
        done.set()
        seen = await reader
        assert len(seen) == len(set(seen)) == len(sent)
        assert set(seen) == set(sent)
    finally:
        for c in (setup, puller, *pushers):
            await c.close()
