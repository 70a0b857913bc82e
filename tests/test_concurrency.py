"""Two war rooms and several shell writers on one file at once: nothing lost, nothing doubled,
no "database is locked" reaching anyone, and both war rooms show the same timeline."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from collections import Counter

import pytest
from helpers_proc import HELPER, declare_checkout_down, isolated_env

from warroom.core.store import Store

# Seven writers at once. The counts were 1000/300/25 (16 s in the suite); at half of that each
# writer still writes for seconds while the others do (the whole test takes ~4 s), so every
# pair still meets in the lock many times: more events repeat the same collisions.
STORE_WRITERS = 2
STORE_EVENTS = 500  # each; every 5th write is also a handoff-draft autosave
CLI_LOOPS = 3
CLI_LOOP_EVENTS = 150  # each: cli.main(["log", ...]) in one process, the `warroom log` code path
SHELL_LOOPS = 2
SHELL_EVENTS = 12  # each: a real `python -m warroom log` process per event


async def _read_timeline(path, incident):
    store = await Store.open(path, create=False)
    try:
        keys = await store.timeline_keys(incident)
        events = await store.events_by_seq(keys)
        return {"keys": keys, "events": [[e.seq, e.id, e.kind, e.text] for e in events]}
    finally:
        await store.close()


def _lines_until_written(proc: subprocess.Popen) -> list[str]:
    """A store writer's output up to its `written` line (read line by line from its buffered
    stdout, which the caller goes on reading: communicate() would skip what is buffered)."""
    lines = []
    for raw in proc.stdout:
        line = raw.decode().rstrip("\n")
        if line == "written":
            return lines
        lines.append(line)
    proc.wait(timeout=60)
    raise AssertionError(f"a war room stopped before writing everything ({proc.returncode}): {proc.stderr.read()!r}")


@pytest.mark.slow
def test_many_writers_one_file(tmp_path, db_path):
    incident = asyncio.run(declare_checkout_down(db_path))
    env = isolated_env(tmp_path / "home", db_path)
    pipes = dict(stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    war_rooms = [
        subprocess.Popen(
            [sys.executable, str(HELPER), "store-writer", str(db_path), incident, str(STORE_EVENTS), f"room{n}"],
            stdin=subprocess.PIPE,
            **pipes,
        )
        for n in range(STORE_WRITERS)
    ]
    cli_loops = [
        subprocess.Popen(
            [sys.executable, str(HELPER), "cli-loop", str(db_path), f"loop{n}", str(CLI_LOOP_EVENTS)],
            stdin=subprocess.DEVNULL,
            **pipes,
        )
        for n in range(CLI_LOOPS)
    ]
    shell = f'for i in $(seq {SHELL_EVENTS}); do "{sys.executable}" -m warroom log "shell$N $i" || exit 1; done'
    shells = [
        subprocess.Popen(["sh", "-c", shell], stdin=subprocess.DEVNULL, **{**pipes, "env": {**env, "N": str(n)}})
        for n in range(SHELL_LOOPS)
    ]

    acked: list[str] = []
    for proc in cli_loops + shells:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
        assert err == b"", err.decode()  # no "database is locked", no warning of any kind
        acked += out.decode().split()
    # Both war rooms must have finished writing before either reads its timeline: a room that
    # read while the other still wrote would see fewer rows (this raced under load).
    room_lines = [_lines_until_written(proc) for proc in war_rooms]
    timelines = []
    for proc, lines in zip(war_rooms, room_lines):
        proc.stdin.write(b"go\n")
        proc.stdin.close()
        lines += proc.stdout.read().decode().splitlines()  # the same buffered reader, nothing skipped
        err = proc.stderr.read()
        assert proc.wait(timeout=300) == 0, err.decode()
        assert err == b"", err.decode()
        acked += [line.split()[1] for line in lines if line.startswith("event ")]
        (timeline,) = [json.loads(line[len("timeline ") :]) for line in lines if line.startswith("timeline ")]
        timelines.append(timeline)

    expected_total = STORE_WRITERS * STORE_EVENTS + CLI_LOOPS * CLI_LOOP_EVENTS + SHELL_LOOPS * SHELL_EVENTS
    assert len(acked) == expected_total
    assert len(set(acked)) == expected_total  # every acknowledgement names a different event

    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute(
            "SELECT id, text FROM events WHERE incident_id = ? AND kind != 'draft'", (incident,)
        ).fetchall()  # drafts are revisions, not timeline rows
        every_id = [r[0] for r in conn.execute("SELECT id FROM events WHERE incident_id = ?", (incident,))]
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()
    stored_ids = Counter(r[0] for r in rows)
    assert all(stored_ids[i] == 1 for i in acked)  # none lost, none doubled
    texts = Counter(r[1] for r in rows)
    writers = (
        [(f"room{n}", STORE_EVENTS) for n in range(STORE_WRITERS)]
        + [(f"loop{n}", CLI_LOOP_EVENTS) for n in range(CLI_LOOPS)]
        + [(f"shell{n}", SHELL_EVENTS) for n in range(SHELL_LOOPS)]
    )
    for tag, count in writers:
        for i in range(1, count + 1):
            assert texts[f"{tag} {i}"] == 1, (tag, i, texts[f"{tag} {i}"])
    assert len(rows) == expected_total + 3  # plus declared, severity, phase

    # Both war rooms, open throughout, see the same timeline, and so does a fresh reader.
    first, second = timelines
    assert first == second
    assert len(first["keys"]) == len(rows)
    assert sorted(first["after"]) == sorted(every_id)  # the live feed carries drafts too
    fresh = asyncio.run(_read_timeline(db_path, incident))
    assert fresh["keys"] == first["keys"] and fresh["events"] == first["events"]


# ----- a writer that holds the lock ----------------------------------------------------------


def _hold_write_lock(path):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO meta (key, value) VALUES ('lock', 'x')")
    return conn


def test_writer_waits_for_a_short_lock(tmp_path, db_path):
    """A lock held for a moment (another terminal committing) makes `warroom log` wait, not fail."""
    incident = asyncio.run(declare_checkout_down(db_path))
    env = isolated_env(tmp_path / "home", db_path)
    holder = _hold_write_lock(db_path)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "warroom", "log", "waited"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        # Reads never wait for a writer (WAL): listing works while the lock is held.
        listed = subprocess.run(
            [sys.executable, "-m", "warroom", "list"], capture_output=True, text=True, env=env, timeout=60
        )
        assert listed.returncode == 0 and incident in listed.stdout, listed.stderr
    finally:
        holder.execute("COMMIT")
        holder.close()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and err == b"", err.decode()
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT id FROM events WHERE text = 'waited'").fetchone() == (out.decode().strip(),)
    conn.close()


@pytest.fixture
def short_busy_timeout(monkeypatch):
    """A lock held longer than the busy timeout, without waiting the real ten seconds."""
    from warroom.core import db

    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(
        db, "PRAGMAS", tuple(p for p in db.PRAGMAS if "busy_timeout" not in p) + ("PRAGMA busy_timeout = 200",)
    )


def test_cli_log_locked_too_long_is_one_line(db_path, short_busy_timeout, capsys):
    from warroom import cli

    asyncio.run(declare_checkout_down(db_path))
    holder = _hold_write_lock(db_path)
    try:
        code = cli.main(["--db", str(db_path), "log", "blocked"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert code == 1, err  # once, under load, this was 2: the line says why if it comes back
    assert err.count("\n") == 1 and err.startswith(f"warroom: {db_path} stayed locked")
    assert "try again" in err and "0.2s" in err
    assert cli.main(["--db", str(db_path), "log", "after"]) == 0  # the lock gone, it works


async def test_store_append_locked_too_long_then_retry(db_path, short_busy_timeout):
    """The war room's write path: a clear error while another writer holds the file, then
    the same store writes once the lock is gone."""
    from warroom.core.errors import DatabaseError

    incident = await declare_checkout_down(db_path)
    store = await Store.open(db_path)
    try:
        holder = _hold_write_lock(db_path)
        try:
            with pytest.raises(DatabaseError, match="stayed locked") as info:
                await store.append(incident, "note", "blocked", "dana")
            assert str(db_path) in str(info.value)
            assert await store.count_events(incident) == 3  # reading still works
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        event = await store.append(incident, "note", "retried", "dana")
        assert (await store.events_by_seq([event.seq]))[0].text == "retried"
    finally:
        await store.close()


# ----- several processes creating or migrating the same file -----------------------------------


def _run_all(commands, env):
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "warroom", *c],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for c in commands
    ]
    results = [(p.communicate(timeout=120), p.returncode) for p in procs]
    for (out, err), code in results:
        assert code == 0 and err == b"", err.decode()
    return [out.decode().strip() for (out, _), _ in results]


@pytest.mark.slow
def test_six_declares_create_one_file_at_once(tmp_path, db_path):
    env = isolated_env(tmp_path / "home", db_path)
    ids = _run_all([("declare", f"Outage {n}") for n in range(6)], env)
    conn = sqlite3.connect(db_path)
    try:
        assert sorted(r[0] for r in conn.execute("SELECT id FROM incidents")) == sorted(ids)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        conn.close()


@pytest.mark.slow
def test_loggers_migrate_an_old_file_once(tmp_path):
    from test_bad_files import _first_schema_file

    from warroom.core import schema

    path = tmp_path / "old.db"
    incident, old_ids = _first_schema_file(path)
    env = isolated_env(tmp_path / "home", path)
    ids = _run_all([("log", f"after upgrade {n}") for n in range(6)], env)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        rows = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM events WHERE incident_id = ? AND id NOT LIKE 'legacy-%' ORDER BY seq", (incident,)
            )
        ]  # legacy-*: the old file's drafts and action items, now revisions
        # The search index was built once: old and new rows are each found exactly once.
        old_hits = conn.execute("SELECT rowid FROM events_fts WHERE events_fts MATCH 'gateway'").fetchall()
        new_hits = conn.execute("SELECT rowid FROM events_fts WHERE events_fts MATCH 'upgrade'").fetchall()
    finally:
        conn.close()
    assert rows[: len(old_ids)] == old_ids and sorted(rows[len(old_ids) :]) == sorted(ids)
    assert len(old_hits) == 1 and len(new_hits) == 6


def test_a_new_file_busy_at_open_is_retried_not_failed(tmp_path, monkeypatch):
    """Opening a brand-new file while other processes do can get 'database is locked'
    at once (the WAL switch): the open tries again instead of failing."""
    from warroom.core import db

    real = db.configure
    calls = []

    def busy_twice(conn):
        calls.append(1)
        if len(calls) <= 2:
            raise sqlite3.OperationalError("database is locked")
        real(conn)

    monkeypatch.setattr(db, "configure", busy_twice)
    db.prepare(tmp_path / "new.db")
    assert len(calls) == 3

    def broken(conn):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(db, "configure", broken)
    with pytest.raises(db.DatabaseError, match="disk I/O error"):
        db.prepare(tmp_path / "other.db")
