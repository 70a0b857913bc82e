"""Laptops converging through a real PostgreSQL, written to as users do (`warroom declare`,
`warroom log`) and synced by the engine over the store's replica (warroom/core/replica.py):
two and three files, partitions with logging on every side then healing, a new laptop joining,
`warroom sync` following in two processes. After healing: identical event sets everywhere,
identical incidents (`warroom list --json`, the folded state)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers_proc import isolated_env

pytest.register_assert_rewrite("tests.pg")
from tests.pg import cli, make_cluster  # noqa: E402

HAS_REPLICA = importlib.util.find_spec("warroom.core.replica") is not None
pytestmark = pytest.mark.skipif(not HAS_REPLICA, reason="needs warroom/core/replica.py (the store's side of sync)")


def declare(path: Path, title: str) -> str:
    return cli(path, "declare", title)


def log(path: Path, text: str, incident: str | None = None) -> str:
    return cli(path, "log", text, *(["--incident", incident] if incident else []))


def sync(path: Path, url: str):
    from warroom.team.engine import SyncEngine

    async def run():
        engine = SyncEngine(path, url)
        try:
            return await engine.once()
        finally:
            await engine.local.close()

    return asyncio.run(run())


def event_ids(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM events ORDER BY id")]
    finally:
        conn.close()


def incidents(path: Path) -> list[dict]:
    return json.loads(cli(path, "list", "--all", "--json"))


def assert_converged(*paths: Path) -> None:
    first = paths[0]
    for other in paths[1:]:
        assert event_ids(other) == event_ids(first), f"{other.name} and {first.name} hold different events"
        assert incidents(other) == incidents(first), f"{other.name} and {first.name} fold to different incidents"


def test_two_laptops_one_declares_the_other_joins_and_logs(tmp_path, pg_url):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    incident = declare(a, "Checkout errors")
    for i in range(3):
        log(a, f"commander note {i}")
    sync(a, pg_url)
    assert not b.exists()
    joined = sync(b, pg_url)  # a new laptop: the file is made by its first pull
    assert joined.pulled == len(event_ids(a))
    assert [i["id"] for i in incidents(b)] == [incident]
    log(b, "scribe: rollback started", incident)
    sync(b, pg_url)
    sync(a, pg_url)
    assert_converged(a, b)
    again = sync(a, pg_url)
    assert (again.sent, again.pulled) == (0, 0)


@pytest.fixture(scope="module")
def own_cluster():
    cluster = make_cluster()
    yield cluster
    cluster.remove()


@pytest.mark.slow  # a cluster of its own
def test_three_laptops_apart_logging_on_every_side_then_healed(tmp_path, own_cluster):
    url = own_cluster.url(own_cluster.new_database())
    laptops = [tmp_path / f"laptop{n}.db" for n in range(3)]
    incident = declare(laptops[0], "Payments degraded")
    log(laptops[0], "first note")
    for path in [laptops[0], *laptops]:
        sync(path, url)
    assert_converged(*laptops)
    own_cluster.stop("immediate")  # the network goes
    try:
        for n, path in enumerate(laptops):
            before = path.read_bytes()
            from warroom.team.server import ServerUnreachable

            with pytest.raises(ServerUnreachable):
                sync(path, url)
            assert path.read_bytes() == before
            for i in range(4):
                log(path, f"laptop {n} apart {i}", incident)
    finally:
        own_cluster.start()
    for _ in range(2):
        for path in laptops:
            sync(path, url)
    assert_converged(*laptops)
    conn = sqlite3.connect(laptops[2])
    texts = {r[0] for r in conn.execute("SELECT text FROM events")}
    conn.close()
    assert {f"laptop {n} apart {i}" for n in range(3) for i in range(4)} <= texts


def test_sync_following_in_two_processes_brings_a_log_across(tmp_path, pg_url):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    declare(a, "Search slow")
    sync(a, pg_url)
    sync(b, pg_url)
    home = tmp_path / "home"
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "warroom", "--db", str(p), "sync", "--server", pg_url],
            env=isolated_env(home),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for p in (a, b)
    ]
    try:
        for proc in procs:
            assert proc.stderr.readline().decode().startswith("team: live")
        event = log(a, "logged on a while b follows")
        deadline = time.monotonic() + 20
        while event not in event_ids(b):
            assert time.monotonic() < deadline, "a's event never reached b"
            time.sleep(0.02)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)
    assert all(proc.returncode == 0 for proc in procs)


def test_a_laptop_five_minutes_ahead_does_not_reorder_the_incident(tmp_path, pg_url, monkeypatch):
    """Order is (hlc, id): a file's next hlc is above every hlc it holds, pulled ones too. So
    an event logged on B after B saw A's sorts after it, though A's clock is five minutes ahead."""
    from datetime import UTC, datetime, timedelta

    a, b = tmp_path / "a.db", tmp_path / "b.db"
    ahead = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    monkeypatch.setenv("WARROOM_NOW", ahead)
    incident = declare(a, "Clock skew")
    first = log(a, "a: rollback started (clock 5 min ahead)", incident)
    monkeypatch.delenv("WARROOM_NOW")
    sync(a, pg_url)
    sync(b, pg_url)
    after = log(b, "b: rollback confirmed, after seeing a's note", incident)
    sync(b, pg_url)
    sync(a, pg_url)

    def order(path: Path) -> list[str]:
        conn = sqlite3.connect(path)
        try:
            return [r[0] for r in conn.execute("SELECT id FROM events ORDER BY hlc, id")]
        finally:
            conn.close()

    assert order(a) == order(b)
    assert order(a).index(after) > order(a).index(first)
    assert_converged(a, b)
