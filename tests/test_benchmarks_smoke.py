"""The benchmark harness runs end to end at tiny sizes. No timing is asserted: only that
every row is produced, each beside its baseline and goal, and the Markdown is written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from benchmarks import run, stats
from benchmarks.procs import ChildFailed, python_argv, run_child

TINY = ["--quick", "--events", "300"]
# One sample of each figure (one block of 10 appends): the smoke
# test checks that every row is produced, not the numbers, and each repeat is a child process.
ONCE = run.Sizes(
    events=300, short=30, repeats=1, doc_repeats=1, appends=10, tui_repeats=1, keypresses=1, live=1, pages=1
)


def test_percentile_is_nearest_rank():
    samples = list(range(1, 101))
    assert stats.percentile(samples, 99) == 99
    assert stats.percentile(samples, 50) == 50
    assert stats.percentile([5.0], 99) == 5.0
    with pytest.raises(ValueError):
        stats.percentile([], 50)


def test_alternate_interleaves_and_counts():
    order: list[str] = []
    subj, base = stats.alternate(lambda: order.append("s") or 2.0, lambda: order.append("b") or 1.0, 4)
    assert order == ["b", "s", "s", "b", "b", "s", "s", "b"]
    assert subj == [2.0] * 4 and base == [1.0] * 4


def test_child_reports_its_own_peak_memory():
    big = run_child(python_argv("-c", "x = bytearray(200 * 2**20); x[::4096] = b'1' * len(x[::4096])"))
    small = run_child(python_argv("-c", "pass"))
    # wait4 reports each child alone: the small one after the big one is not credited with its 200 MB.
    assert big.maxrss_kib > 150 * 1024 > small.maxrss_kib
    with pytest.raises(ChildFailed):
        run_child(python_argv("-c", "raise SystemExit(3)"))


@pytest.mark.slow
def test_harness_runs_every_row(tmp_path, capsys, monkeypatch):
    import tempfile

    scratch = tmp_path / "scratch"  # not tmp_path itself: the data folder (WARROOM_DATA_DIR) is there
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # the harness's scratch folder goes here
    monkeypatch.setattr(run, "QUICK", ONCE)
    out = tmp_path / "results.md"
    assert run.main([*TINY, "--markdown", str(out)]) == 0
    printed = capsys.readouterr().out
    for figure in (
        "`warroom log` from a shell",
        "`warroom log` imports",
        "Store.append commit",
        "search (FTS5)",
        "store.timeline_keys",
        "events_by_seq at the start",
        "events_by_seq at the end",
        "`warroom doc postmortem`",
        "`warroom export --format json`",
        "start-up to first frame",
        "keypress to committed, ",
        "keypress to committed and shown",
        "live: event written by another process",
        "start-up, ",
        "page up through the timeline",
    ):
        assert figure in printed, figure
    assert "heavy: none" in printed  # the log path loads no pydantic/aiosqlite/textual
    assert "driver failed" not in printed and "app not built yet" not in printed
    text = Path(out).read_text(encoding="utf-8")
    assert text.startswith("## Machine") and "| Figure |" in text and "SQLite" in text
    assert list(scratch.iterdir()) == []  # the harness's scratch folder is removed


def test_unknown_group_is_a_usage_error(capsys):
    assert run.main(["--quick", "--only", "nope"]) == 2
    assert "unknown group" in capsys.readouterr().err


def test_search_reads_the_full_text_index_first(tmp_path):
    """The search plan starts from the FTS index: from the incident's events instead, it probed
    the index once per event (2 s for a 100,000-event incident instead of 30 ms); and it never
    scans the events table (whole rows are read only for the hits kept)."""
    import asyncio

    from benchmarks.data import build_demo
    from warroom.core.reads import search_sql
    from warroom.core.store import Store

    demo = build_demo(tmp_path, 50)

    async def search():
        store = await Store.open(demo.path, create=False)
        try:
            return await store.search(demo.incident_id, "rollback")
        finally:
            await store.close()

    assert asyncio.run(search())
    conn = sqlite3.connect(demo.path)
    for in_incident in (True, False):
        params = ('"rollback"*', demo.incident_id, 200) if in_incident else ('"rollback"*', 200)
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + search_sql(in_incident), params)]
        scans = [step for step in plan if step.startswith("SCAN")]
        assert scans == ["SCAN events_fts VIRTUAL TABLE INDEX 0:M1"], plan
    conn.close()


# ----- guards for the store changes the benchmarks prompted ---------------------------------


async def _declared(db_path):
    from warroom.core.store import Store

    store = await Store.open(db_path)
    incident = await store.declare("Checkout down", 2, "dana", first_phase="assess")
    return store, incident.id


async def test_append_is_committed_when_it_returns(db_path):
    """The append (one INSERT in autocommit on the store's thread) returns the stored row only
    once another connection can read it."""
    store, iid = await _declared(db_path)
    event = await store.append(iid, "note", "[red]rollback[/red]", "dana", data={"k": 1})
    other = sqlite3.connect(db_path)
    row = other.execute("SELECT seq, text, data FROM events WHERE id = ?", (event.id,)).fetchone()
    other.close()
    again = await store.append(iid, "note", "[red]rollback[/red]", "dana", event_id=event.id)
    await store.close()
    assert row == (event.seq, "[red]rollback[/red]", '{"k": 1}')
    assert event.data == {"k": 1} and event.text == "[red]rollback[/red]"
    assert again.seq == event.seq  # a retried id returns the row already there


async def test_concurrent_writes_each_commit_on_their_own(db_path):
    """An append sent while another coroutine's transaction is open waits for it instead of
    joining it (it would then commit, or roll back, with the other write)."""
    import asyncio

    store, iid = await _declared(db_path)
    results = await asyncio.gather(
        store.set_phase(iid, "contain", "dana"),
        *(store.append(iid, "note", f"n{i}", "dana") for i in range(5)),
        store.set_severity(iid, 1, "dana"),
        return_exceptions=True,
    )
    count = await store.count_events(iid)
    await store.close()
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert count == 3 + 7  # declared, severity, phase + the seven writes


async def test_a_second_open_in_the_same_process_leaves_the_store_live(tmp_path):
    """Opening the file again in this process (the TUI reads a big incident's state through a
    second store) must not cost the first connection its locks: it used to go stale, never
    seeing another process's commits again, and then read the file as 'malformed'."""
    import subprocess
    import sys

    from warroom.core import db
    from warroom.core.store import Store

    writer = (  # another process logging: a plain sqlite3 insert+commit
        "import sqlite3, sys\n"
        "from warroom.core import schema\n"
        "conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)\n"
        "conn.execute(schema.INSERT_EVENT, schema.event_params(id=sys.argv[3], incident_id=sys.argv[2],"
        " ts='2026-03-10T14:55:00.000Z', recorded_at='2026-03-10T14:55:00.000Z', kind='alert',"
        " text='from outside', author='hook'))\n"
    )
    path = tmp_path / "war.db"
    store = await Store.open(path)
    incident = await store.declare("Checkout down", 2, "dana", first_phase="assess")
    seen = []
    for i in range(3):
        db.open_db(path, create=False).close()
        subprocess.run([sys.executable, "-c", writer, str(path), incident.id, f"outside-{i}"], check=True)
        seen.append(len(await store.events_after(incident.id, 0)))
    await store.close()
    assert seen == [4, 5, 6]  # declared, severity, phase, then each outside write as it lands
