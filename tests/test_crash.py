"""Crash safety: writers SIGKILLed at random moments lose no acknowledged write.

Each round starts two writers on the same file and kills each at its own random moment:
a shell loop of `warroom log` (the CLI a deploy script runs) and a war room's write path
without its screen (tests/helpers_proc.py store-writer: `await store.append` in a loop and
the handoff draft's autosave, each acknowledgement printed and flushed the moment the
commit returned). Afterwards every acknowledged event is there exactly once, the writes of
each writer form an unbroken run (at most the one in flight when it died, committed but not
acknowledged, follows), the handoff draft is the last acknowledged one or the one in
flight, and `PRAGMA integrity_check` is ok.

The war room itself is killed too: `python -m warroom` on a pseudo-terminal, an entry typed
and committed, the handoff editor typed into and autosaved, then SIGKILL; both are there
when it is opened again.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from helpers_proc import HELPER, PtyApp, declare_checkout_down, isolated_env, wait_for_row, wait_for_text

from warroom.core.store import HANDOFF_DRAFT, Store

pytestmark = pytest.mark.slow

# Why 25 rounds are enough: the store writer's loop does nothing but write (append, autosave,
# print the acknowledgement), so each of its kills lands inside a write cycle, at a uniformly
# random point of it; the commit (fsync, synchronous=FULL) is most of that cycle. A write path
# that acknowledged before its commit was durable, or that committed twice, loses or doubles a
# write at most such kills, so 25 of them find it all but surely. The CLI is killed 25 times
# too (its commit is a small part of its cycle, most of which is the interpreter starting).
# Each round checks every acknowledged write, each writer's unbroken run and the draft, and
# the file's integrity every 10 rounds. A round costs ~1 s of CPU (the children starting).
ROUNDS = 25
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _kill_group(proc: subprocess.Popen) -> bytes:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    out, _ = proc.communicate(timeout=30)
    return out


def _complete_lines(out: bytes) -> list[str]:
    """Lines the writer finished printing (a kill can cut the last one short)."""
    text = out.decode("utf-8", errors="replace")
    lines = text.split("\n")
    return lines[:-1]  # the part after the last newline was never acknowledged


def _numbers(conn, prefix: str) -> list[int]:
    rows = conn.execute(
        # notes (the store writer) and alerts (the CLI): drafts are stored as events too
        "SELECT text FROM events WHERE substr(text, 1, ?) = ? AND kind IN ('note', 'alert') ORDER BY seq",
        (len(prefix), prefix),
    ).fetchall()
    return [int(r[0][len(prefix) :]) for r in rows]


def test_sigkill_loses_no_acknowledged_write(tmp_path, db_path):
    incident = asyncio.run(declare_checkout_down(db_path))
    env = isolated_env(tmp_path / "home", db_path)
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    acked: dict[str, str] = {}  # event id -> the writer that saw it acknowledged
    store_rounds_with_writes = cli_rounds_with_writes = 0
    shell = f'i=0; while :; do i=$((i+1)); "{sys.executable}" -m warroom log "cli $R $i" --kind alert || exit 1; done'
    for r in range(ROUNDS):
        store_proc = subprocess.Popen(
            [sys.executable, str(HELPER), "store-writer", str(db_path), incident, "0", f"tui {r}"],
            bufsize=0,  # unbuffered: readline() below must not swallow acknowledgements past the first
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        cli_proc = subprocess.Popen(
            ["sh", "-c", shell],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**env, "R": str(r)},
            start_new_session=True,
        )
        # The random moments count from the store writer's first acknowledgement: its start-up
        # (Python and the store's imports, 0.3-0.5 s on a loaded machine) would otherwise eat
        # most of the window, and most rounds would kill it before it wrote anything.
        started = store_proc.stdout.readline()
        first, second = (store_proc, cli_proc) if rng.random() < 0.5 else (cli_proc, store_proc)
        time.sleep(rng.uniform(0.0, 0.5))
        outputs = {first.pid: _kill_group(first)}
        time.sleep(rng.uniform(0.0, 0.2))
        outputs[second.pid] = _kill_group(second)
        outputs[store_proc.pid] = started + outputs[store_proc.pid]

        store_lines = _complete_lines(outputs[store_proc.pid])
        store_events = [line.split()[1] for line in store_lines if line.startswith("event ")]
        drafts = [int(line.split()[1]) for line in store_lines if line.startswith("draft ")]
        cli_events = [line for line in _complete_lines(outputs[cli_proc.pid]) if UUID_RE.match(line)]
        assert all(UUID_RE.match(e) for e in store_events), store_lines
        for event_id in store_events:
            acked[event_id] = f"store round {r}"
        for event_id in cli_events:
            acked[event_id] = f"cli round {r}"
        store_rounds_with_writes += bool(store_events)
        cli_rounds_with_writes += bool(cli_events)

        conn = sqlite3.connect(db_path)
        try:
            # Each writer's writes form an unbroken run 1..m: m is the last acknowledged
            # write, or the one in flight when the kill came (committed, never acknowledged).
            for prefix, acked_count in ((f"tui {r} ", len(store_events)), (f"cli {r} ", len(cli_events))):
                stored = _numbers(conn, prefix)
                assert stored == list(range(1, len(stored) + 1)), (seed, prefix, stored)
                assert len(stored) in (acked_count, acked_count + 1), (seed, prefix, stored, acked_count)
            if drafts:
                (draft,) = conn.execute(
                    "SELECT text FROM texts WHERE incident_id = ? AND name = ?", (incident, HANDOFF_DRAFT)
                ).fetchone()
                assert draft in (f"tui {r} draft {drafts[-1]}", f"tui {r} draft {drafts[-1] + 5}"), (seed, draft)
            if r % 10 == 9:
                assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], seed
        finally:
            conn.close()

    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], seed
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        counts = dict(conn.execute("SELECT id, count(*) FROM events GROUP BY id").fetchall())
    finally:
        conn.close()
    missing = [(i, who) for i, who in acked.items() if counts.get(i) != 1]
    assert not missing, (seed, missing[:5])
    print(
        f"seed {seed}: {len(acked)} acknowledged events, writers cut off in "
        f"{store_rounds_with_writes}/{cli_rounds_with_writes} of {ROUNDS} rounds (store/cli)"
    )
    # The test only proves something if writers were really cut off mid-stream.
    assert store_rounds_with_writes >= ROUNDS // 4, (seed, store_rounds_with_writes)
    assert cli_rounds_with_writes >= ROUNDS // 4, (seed, cli_rounds_with_writes)
    assert len(acked) > 100, (seed, len(acked))

    async def reopen():
        store = await Store.open(db_path, create=False)
        try:
            keys = await store.timeline_keys(incident)
            return await store.events_by_seq(keys)
        finally:
            await store.close()

    shown = {e.id for e in asyncio.run(reopen())}
    assert set(acked) <= shown


def test_tui_killed_keeps_committed_entry_and_handoff_draft(tmp_path, db_path):
    incident = asyncio.run(declare_checkout_down(db_path))
    env = isolated_env(tmp_path / "home", db_path)

    app = PtyApp("--db", str(db_path), env=env)
    try:
        assert app.wait_for("since start")
        # The handoff pane has its template before anything is typed into it (typed into an
        # empty pane on a busy machine, the text would be saved without it).
        assert app.wait_for("## Incident Handoff")
        app.press_until("l", "backdates")  # the entry line is open (its hint is drawn)
        app.type("a: rollback-0042 started\r")  # the action prefix, then Enter commits
        wait_for_row(db_path, "rollback-0042 started")
        # The handoff editor has focus when the key bar, which lists the focused widget's
        # keys first, starts with its "esc Done" rather than the timeline's "l Log" (letters
        # typed before that would be taken as the timeline's keys).
        app.press_until("h", "esc Done", at=(app.lines, 1))
        since = app.mark()
        # `h` puts the cursor under the prefilled template: the text goes at its end. (No
        # escape sequences here: a lone ESC read before the rest would leave the pane.)
        app.type("watch-5xx-rate\rowner alex")
        assert app.wait_for("owner alex", since)
        # Killed once the autosave has committed the text (how soon it saves is tested in
        # test_tui_nothing_lost.py; a fixed pause here failed on a busy machine).
        wait_for_text(db_path, incident, HANDOFF_DRAFT, "watch-5xx-rate\nowner alex")
    finally:
        app.kill()

    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = conn.execute("SELECT kind FROM events WHERE text = 'rollback-0042 started'").fetchall()
        assert rows == [("action",)]
        (draft,) = conn.execute(
            "SELECT text FROM texts WHERE incident_id = ? AND name = ?", (incident, HANDOFF_DRAFT)
        ).fetchone()
        assert draft.startswith("## Incident Handoff") and draft.endswith("\nwatch-5xx-rate\nowner alex")
    finally:
        conn.close()

    # Opened again, the war room shows both; an entry committed just before a second kill stays.
    app = PtyApp("--db", str(db_path), env=env)
    try:
        assert app.wait_for("rollback-0042")
        assert app.wait_for("## Incident Handoff")  # the stored draft (its top) is back in the pane
        app.press_until("l", "backdates")
        app.type("-12m c: flag-off-0043\r")
        wait_for_row(db_path, "flag-off-0043")
    finally:
        app.kill()

    async def reopen():
        store = await Store.open(db_path, create=False)
        try:
            return await store.load_state(incident)
        finally:
            await store.close()

    state = asyncio.run(reopen())
    shown = {e.text: e for e in state.events}
    assert shown["rollback-0042 started"].kind == "action"
    assert shown["flag-off-0043"].kind == "change" and shown["flag-off-0043"].backdated
    assert state.handoff_draft.endswith("\nwatch-5xx-rate\nowner alex")
