"""Two war rooms and several shell writers on one file at once: nothing lost, nothing doubled,
no "database is locked" reaching anyone, and both war rooms show the same timeline."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from collections import Counter

from helpers_proc import HELPER, isolated_env
from warroom.store import Store

STORE_WRITERS = 2
STORE_EVENTS = 1000  # each; every 5th write is also a handoff-draft autosave
CLI_LOOPS = 3
CLI_LOOP_EVENTS = 300  # each: cli.main(["log", ...]) in one process, the `warroom log` code path
SHELL_LOOPS = 2
SHELL_EVENTS = 25  # each: a real `python -m warroom log` process per event


async def _declare(path) -> str:
    store = await Store.open(path)
    try:
        return (await store.declare("Checkout down", 1, "dana", first_phase="assess")).id
    finally:
        await store.close()


async def _read_timeline(path, incident):
    store = await Store.open(path, create=False)
    try:
        keys = await store.timeline_keys(incident)
        events = await store.events_by_seq(keys)
        return {"keys": keys, "events": [[e.seq, e.id, e.kind, e.text] for e in events]}
    finally:
        await store.close()


def test_many_writers_one_file(tmp_path, db_path):
    incident = asyncio.run(_declare(db_path))
    env = isolated_env(tmp_path / "home", db_path)
    pipes = dict(stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    war_rooms = [
        subprocess.Popen(
            [sys.executable, str(HELPER), "store-writer", str(db_path), incident, str(STORE_EVENTS), f"room{n}"],
            stdin=subprocess.PIPE, **pipes,
        )
        for n in range(STORE_WRITERS)
    ]
    cli_loops = [
        subprocess.Popen(
            [sys.executable, str(HELPER), "cli-loop", str(db_path), f"loop{n}", str(CLI_LOOP_EVENTS)],
            stdin=subprocess.DEVNULL, **pipes,
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
    # Every other writer is done: now each war room reads its timeline.
    timelines = []
    for proc in war_rooms:
        out, err = proc.communicate(input=b"go\n", timeout=300)
        assert proc.returncode == 0, err.decode()
        assert err == b"", err.decode()
        lines = out.decode().splitlines()
        acked += [line.split()[1] for line in lines if line.startswith("event ")]
        (timeline,) = [json.loads(line[len("timeline ") :]) for line in lines if line.startswith("timeline ")]
        timelines.append(timeline)

    expected_total = STORE_WRITERS * STORE_EVENTS + CLI_LOOPS * CLI_LOOP_EVENTS + SHELL_LOOPS * SHELL_EVENTS
    assert len(acked) == expected_total
    assert len(set(acked)) == expected_total  # every acknowledgement names a different event

    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute("SELECT id, text FROM events WHERE incident_id = ?", (incident,)).fetchall()
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
    assert sorted(first["after"]) == sorted(r[0] for r in rows)
    fresh = asyncio.run(_read_timeline(db_path, incident))
    assert fresh["keys"] == first["keys"] and fresh["events"] == first["events"]
