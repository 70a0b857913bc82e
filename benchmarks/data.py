"""The databases the benchmarks read and write, built fresh in a scratch folder each run."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from warroom.core import playbook as playbook_module
from warroom.core.demo import seed_demo
from warroom.core.store import Store
from warroom.core.timeutil import now

# The raw baseline's table: an id, a time and a text, as small as a timeline row gets.
BASELINE_SCHEMA = "CREATE TABLE IF NOT EXISTS t (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, ts TEXT NOT NULL, text TEXT NOT NULL)"
BASELINE_INSERT = "INSERT INTO t (id, ts, text) VALUES (?, ?, ?)"
# What warroom uses too (db.PRAGMAS, db.configure): WAL journal, fsync at every commit.
BASELINE_PRAGMAS = ("PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL")


@dataclass(frozen=True)
class DemoDb:
    path: Path
    incident_id: str
    events: int  # routine events added to the demo story


def build_demo(folder: Path, events: int, name: str | None = None) -> DemoDb:
    """The demo incident with `events` routine events, as `warroom demo --events N` builds it."""
    path = folder / (name or f"demo-{events}.db")
    pb = playbook_module.load()

    async def build() -> str:
        store = await Store.open(path, create=True)
        try:
            return await seed_demo(store, pb, now(), events)
        finally:
            await store.close()

    return DemoDb(path, asyncio.run(build()), events)


def open_baseline(path: Path) -> sqlite3.Connection:
    """The raw baseline: stdlib sqlite3, autocommit, the same pragmas as warroom."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in BASELINE_PRAGMAS:
        conn.execute(pragma)
    conn.execute(BASELINE_SCHEMA)
    return conn


# `python -c` doing one insert+commit with the same pragmas: the floor for `warroom log`.
BASELINE_LOG_SCRIPT = f"""
import sqlite3, sys, uuid, datetime
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
for pragma in {BASELINE_PRAGMAS!r}:
    conn.execute(pragma)
conn.execute({BASELINE_SCHEMA!r})
conn.execute({BASELINE_INSERT!r}, (str(uuid.uuid4()), datetime.datetime.now(datetime.timezone.utc).isoformat(), sys.argv[2]))
conn.close()
"""
