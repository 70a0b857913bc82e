"""The sync crash drill: a syncing process killed with SIGKILL at random points, again and
again, while the file keeps being written; then one clean round. Nothing lost (every event
of both files on the server and on both files), nothing doubled (each id once everywhere).

With warroom/core/replica.py in the tree the process is the real `warroom sync --once`;
until then a child running the engine over the stand-in replica in small batches."""

from __future__ import annotations

import asyncio
import importlib.util
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers_proc import ROOT, isolated_env
from warroom.core import db
from warroom.team import server as srv

pytest.register_assert_rewrite("tests.pg")
from tests.pg import StandinReplica, cli  # noqa: E402

pytestmark = pytest.mark.slow  # ~20 s: a few dozen processes started and killed

HAS_REPLICA = importlib.util.find_spec("warroom.core.replica") is not None

STANDIN_CHILD = """
import asyncio, sys
sys.path.insert(0, sys.argv[3])
from tests.pg import StandinReplica
from warroom.team.engine import SyncEngine

async def main():
    e = SyncEngine(sys.argv[1], sys.argv[2], replica=StandinReplica, push_batch=25, pull_batch=40, apply_chunk=15)
    try:
        await e.once()
    finally:
        await e.local.close()

asyncio.run(main())
"""


def child(db: Path, url: str, home: Path) -> subprocess.Popen:
    if HAS_REPLICA:
        argv = [sys.executable, "-m", "warroom", "--db", str(db), "sync", "--once", "--server", url]
    else:
        argv = [sys.executable, "-c", STANDIN_CHILD, str(db), url, str(ROOT)]
    return subprocess.Popen(argv, env=isolated_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def write_many(path: Path, n: int, tag: str) -> list[str]:
    """n events in one transaction: through the store's write path (sql.append, into the file's
    open incident, declared here first if there is none), or the stand-in's."""
    conn = db.open_db(path)
    try:
        if not HAS_REPLICA:
            conn.execute("BEGIN IMMEDIATE")
            out = [StandinReplica.write(conn, f"{tag} {i}")["id"] for i in range(n)]
            conn.execute("COMMIT")
            return out
        from warroom.core import sql
        from warroom.core.timeutil import now

        incident = sql.latest_open(conn)
        if incident is None:
            conn.close()
            cli(path, "declare", f"incident of {path.stem}")
            conn = db.open_db(path)
            incident = sql.latest_open(conn)
        host = sql.host_id(conn)
        with sql.transaction(conn):
            return [sql.append(conn, host, incident, "note", f"{tag} {i}", "dana", now=now())[1] for i in range(n)]
    finally:
        conn.close()


def local_ids(path: Path) -> list[str]:
    if HAS_REPLICA:
        conn = sqlite3.connect(path)
        try:
            return [r[0] for r in conn.execute("SELECT id FROM events ORDER BY id")]
        finally:
            conn.close()
    conn = db.open_db(path, create=False)
    try:
        return StandinReplica.ids(conn)
    finally:
        conn.close()


def test_sigkill_at_random_points_loses_and_doubles_nothing(tmp_path, pg_url):
    rng = random.Random(20260310)
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    written_a = write_many(a, 400, "a")
    written_b = write_many(b, 150, "b")
    kills = 0
    for round_no in range(14):
        for path in (a, b):
            proc = child(path, pg_url, tmp_path / "home")
            time.sleep(rng.uniform(0.05, 0.9))
            if proc.poll() is None:
                proc.kill()
                kills += 1
            proc.wait(timeout=30)
        written_a += write_many(a, 20, f"a{round_no}")  # the war room kept logging between crashes
    assert kills >= 5, "the drill never caught a sync in the middle"
    for path in (a, b, a):
        proc = child(path, pg_url, tmp_path / "home")
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    assert local_ids(a) == local_ids(b)
    everything = local_ids(a)
    assert set(written_a + written_b) <= set(everything)  # (with the store, declarations add their own events)

    async def server_counts():
        conn = await srv.connect(pg_url)
        try:
            cur = await conn.execute("SELECT count(*), count(DISTINCT id) FROM warroom.events")
            return await cur.fetchone()
        finally:
            await conn.close()

    assert asyncio.run(server_counts()) == (len(everything), len(everything))
