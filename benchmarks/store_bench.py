"""The store in-process: append (the commit the TUI awaits), FTS5 search, and paging the
timeline at its start, middle and end for a short and a long incident."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.data import BASELINE_INSERT, DemoDb, open_baseline
from benchmarks.stats import Row, median, ms, percentile, ratio
from warroom.core.schema import INSERT_EVENT, event_params
from warroom.core.store import Store
from warroom.core.timeutil import now, to_db

PAGE = 60  # rows a tall terminal shows, give or take the margin a virtual list keeps
SEARCHES = ("latency", "rollback", "gateway timeouts", "nosuchwordanywhere")


def append_rows(db: DemoDb, folder: Path, samples: int) -> list[Row]:
    """Store.append vs a raw sqlite3 insert+commit into a minimal table (the goal's baseline), and
    vs the same INSERT into the same schema through plain sqlite3 (what the store layer adds)."""

    async def run() -> tuple[list[float], list[float], list[float]]:
        store = await Store.open(db.path, create=False)
        raw = open_baseline(folder / "baseline-append.db")
        same = sqlite3.connect(db.path, isolation_level=None)
        same.execute("PRAGMA synchronous = FULL")
        subj: list[float] = []
        base: list[float] = []
        schema: list[float] = []
        try:
            for block in range(samples // 10):
                for i in range(10):
                    t = time.perf_counter()
                    await store.append(db.incident_id, "note", f"bench append {block}.{i}", "bench")
                    subj.append(time.perf_counter() - t)
                for i in range(10):
                    ts = datetime.now(UTC).isoformat()
                    t = time.perf_counter()
                    raw.execute(BASELINE_INSERT, (str(uuid.uuid4()), ts, f"bench append {block}.{i}"))
                    base.append(time.perf_counter() - t)
                for i in range(10):
                    stamp = to_db(now())
                    params = event_params(
                        id=str(uuid.uuid4()),
                        incident_id=db.incident_id,
                        ts=stamp,
                        recorded_at=stamp,
                        kind="note",
                        text=f"bench same {block}.{i}",
                        author="bench",
                    )
                    t = time.perf_counter()
                    same.execute(INSERT_EVENT, params)
                    same.execute("SELECT * FROM events WHERE id = ?", (params["id"],)).fetchall()
                    schema.append(time.perf_counter() - t)
        finally:
            await store.close()
            raw.close()
            same.close()
        return subj, base, schema

    subj, base, schema = asyncio.run(run())
    p50, p99 = median(subj), percentile(subj, 99)
    b50, b99 = median(base), percentile(base, 99)
    s50, s99 = median(schema), percentile(schema, 99)
    goal = Row(
        f"Store.append commit, into {db.events:,} events (p50 / p99)",
        f"{ms(p50)} / {ms(p99)}",
        f"{ms(b50)} / {ms(b99)} (raw sqlite3 insert+commit)",
        f"{p50 / b50:.2f}× / {p99 / b99:.2f}×",
        "p99 ≤ 2×",
        p99 / b99 <= 2,
        note=f"{len(subj)} appends each, alternating blocks of 10; WAL, synchronous=FULL on both. The raw table is"
        " minimal (id, time, text); warroom's also feeds FTS5 and three indexes: see the next row.",
    )
    layer = Row(
        "Store.append vs the same INSERT and read-back, same schema, plain sqlite3 (p50 / p99)",
        f"{ms(p50)} / {ms(p99)}",
        f"{ms(s50)} / {ms(s99)} (sqlite3, same file and schema)",
        f"{p50 / s50:.2f}× / {p99 / s99:.2f}×",
        "report (the store layer's own cost)",
        None,
        note="the store's thread hop and building the Event it returns; the schema's cost is in the baseline.",
    )
    return [goal, layer]


def search_row(db: DemoDb, repeats: int) -> Row:
    """store.search (FTS5, folded, pydantic rows) vs the same SQL through plain sqlite3."""

    async def run() -> dict[str, tuple[float, float, int]]:
        store = await Store.open(db.path, create=False)
        raw = sqlite3.connect(db.path)
        results = {}
        try:
            for query in SEARCHES:
                subj, base, hits = [], [], 0
                match = " ".join(f'"{w}"' for w in query.split())
                for _ in range(repeats):
                    t = time.perf_counter()
                    hits = len(await store.search(db.incident_id, query))
                    subj.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    raw.execute(
                        "SELECT e.* FROM events_fts CROSS JOIN events e ON e.seq = events_fts.rowid"
                        " WHERE events_fts MATCH ? AND e.incident_id = ? ORDER BY e.ts DESC, e.seq DESC LIMIT 200",
                        (match, db.incident_id),
                    ).fetchall()
                    base.append(time.perf_counter() - t)
                results[query] = (median(subj), median(base), hits)
        finally:
            await store.close()
            raw.close()
        return results

    results = asyncio.run(run())
    worst = max(results, key=lambda q: results[q][0])
    s, b, _ = results[worst]
    detail = "; ".join(f"{q!r} {ms(v[0])} ({v[2]} hits)" for q, v in results.items())
    return Row(
        f"search (FTS5), {db.events:,}-event incident (slowest query, median)",
        f"{ms(s)} ({worst!r})",
        f"{ms(b)} (same SQL, plain sqlite3)",
        ratio(s, b),
        "< 100 ms",
        s < 0.1,
        note=f"{repeats} runs per query, limit 200: {detail}.",
    )


def paging_rows(short: DemoDb, long: DemoDb, repeats: int) -> list[Row]:
    """timeline_keys (all seqs, grows with length) and one page of events_by_seq (must not)."""

    async def measure(db: DemoDb) -> tuple[float, dict[str, float]]:
        store = await Store.open(db.path, create=False)
        try:
            keys_times, keys = [], []
            for _ in range(repeats):
                t = time.perf_counter()
                keys = await store.timeline_keys(db.incident_id)
                keys_times.append(time.perf_counter() - t)
            spots = {"start": 0, "middle": len(keys) // 2, "end": max(0, len(keys) - PAGE)}
            pages = {}
            for name, at in spots.items():
                times = []
                for _ in range(repeats):
                    t = time.perf_counter()
                    page = await store.events_by_seq(keys[at : at + PAGE])
                    times.append(time.perf_counter() - t)
                assert page, "an empty page measures nothing"
                pages[name] = median(times)
            return median(keys_times), pages
        finally:
            await store.close()

    async def both():
        # Alternate short and long a few times; keep each one's best median (least disturbed).
        s_keys, l_keys, s_pages, l_pages = [], [], [], []
        for _ in range(3):
            k, p = await measure(short)
            s_keys.append(k), s_pages.append(p)
            k, p = await measure(long)
            l_keys.append(k), l_pages.append(p)
        pick = lambda ps, name: median([p[name] for p in ps])  # noqa: E731
        return median(s_keys), median(l_keys), {n: (pick(l_pages, n), pick(s_pages, n)) for n in s_pages[0]}

    s_keys, l_keys, pages = asyncio.run(both())
    rows = [
        Row(
            f"store.timeline_keys, {long.events:,} vs {short.events:,} events",
            ms(l_keys),
            ms(s_keys),
            ratio(l_keys, s_keys),
            "report (grows with length)",
            None,
            note="every seq in display order: the virtual list's index; linear in the timeline's length by nature.",
        )
    ]
    for name, (l_page, s_page) in pages.items():
        rows.append(
            Row(
                f"one page ({PAGE} rows) of events_by_seq at the {name}, {long.events:,} vs {short.events:,}",
                ms(l_page),
                ms(s_page),
                ratio(l_page, s_page),
                "≈ 1× (≤ 1.5×)",
                l_page / s_page <= 1.5,
            )
        )
    return rows
