"""Runs inside the child process for the TUI figures: `python -m benchmarks.tui_driver MODE ...`.

Every frame Textual composes goes through `App._display` (headless too: the compositor
renders, only the terminal write is skipped). The driver wraps it, stamps each frame with
`time.monotonic()` (CLOCK_MONOTONIC, the same clock the parent read before the fork) and
checks what the frame shows, so "first frame showing the incident" means the frame in
which the header carries the title and the timeline rows are drawn, not merely mounted.
Results go to fd 1 as one JSON line (Textual redirects sys.stdout while an app runs).

Modes:
  bare                    a bare Textual app (Header, one Static, Footer) to its first frame
  warroom DB              `warroom --db DB` (the real CLI path) to the first frame showing the incident
  interact DB BASE N L P S [Q]  in one Pilot session: N quick entries, L events written by
                          another process (each given S seconds to appear), P page-ups, Q
                          searches, plus jumps home/end; BASE is the raw baseline db
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
import threading
import time
import uuid
from datetime import UTC, datetime

import textual.app as textual_app

from benchmarks.shadow import Shadow

SIZE = (140, 45)
# Seconds before a driver gives up: a start-up that never shows its frame, or an interaction
# session (each of its waits has its own shorter limit) must not hang the run.
STARTUP_TIMEOUT, SESSION_TIMEOUT = 120, 1200
DEMO_TITLE_START = "Checkout failing"
# The word searched: the demo's most common (16,500 rows at 100,000 events: the slowest search).
SEARCH_WORD = "latency"  # warroom.core.demo.DEMO_TITLE, kept literal: bare mode imports no warroom


def emit(payload: dict) -> None:
    os.write(1, (json.dumps(payload) + "\n").encode())


def _watchdog(seconds: float) -> None:
    def fire() -> None:
        emit({"error": f"no result within {seconds:.0f}s"})
        os._exit(3)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()


# ----- frames ------------------------------------------------------------------------------


class Watch:
    """Waits for the first frame for which `shows(app)` is true; `at` is that frame's time and
    `cpu` the main thread's CPU time then (time.thread_time: what other processes on a loaded
    machine take from it is not in it)."""

    def __init__(self, shows) -> None:
        self.shows = shows
        self.at: float | None = None
        self.cpu: float | None = None
        self.seen = asyncio.Event()


WATCHES: list[Watch] = []
_original_display = textual_app.App._display


SHADOW = Shadow(*SIZE)


def _display(self, screen, renderable) -> None:
    stamp, cpu = time.monotonic(), time.thread_time()
    _original_display(self, screen, renderable)
    if renderable is None:
        return
    SHADOW.paint(renderable)
    if not WATCHES:
        return
    for watch in list(WATCHES):
        try:
            shown = watch.shows(self)
        except Exception:
            shown = False
        if shown:
            watch.at, watch.cpu = stamp, cpu
            watch.seen.set()
            WATCHES.remove(watch)


textual_app.App._display = _display


def timeline_rows(app) -> list[str]:
    """The text of the timeline pane's rows as the frames drew them."""
    region = app.screen.query_one("#timeline").content_region
    return [SHADOW.crop(y, region.x, region.right).rstrip() for y in range(region.y, region.bottom)]


def incident_shown(app) -> bool:
    """The header names the incident and the timeline's visible rows are drawn (none still loading)."""
    if type(app.screen).__name__ != "WarRoomScreen":
        return False
    if not any(DEMO_TITLE_START in SHADOW.crop(y, 0, SIZE[0]) for y in range(3)):
        return False
    rows = [r for r in timeline_rows(app) if r.strip()]
    return bool(rows) and not any(r.strip() == "…" for r in rows)


# ----- start-up ----------------------------------------------------------------------------


def first_frame(shows, start) -> None:
    """Run `start()` (which runs an app) headless; report the first frame `shows` accepts, then exit."""
    original_run = textual_app.App.run

    def headless_run(self, **kwargs):
        kwargs.update(headless=True, size=SIZE)
        return original_run(self, **kwargs)

    textual_app.App.run = headless_run
    from warroom.commands import room

    room.has_terminal = lambda: True  # headless: the terminal the war room would need is not used

    def shows_then_exit(app) -> bool:
        if shows(app):
            app.call_later(app.exit)
            return True
        return False

    watch = Watch(shows_then_exit)
    WATCHES.append(watch)
    start()
    if watch.at is None:
        emit({"error": "the app exited before showing its first frame"})
        raise SystemExit(4)
    emit({"first_frame": watch.at})


def run_bare() -> None:
    from textual.app import App
    from textual.widgets import Footer, Header, Static

    class Bare(App[None]):
        def compose(self):
            yield Header()
            yield Static("A bare Textual app: the start-up baseline.")
            yield Footer()

    first_frame(lambda app: True, lambda: Bare().run())


def run_warroom(db_path: str) -> None:
    from warroom.cli import main

    first_frame(incident_shown, lambda: main(["--db", db_path]))


# ----- interaction (Pilot) -------------------------------------------------------------------

# Another process logging: a plain sqlite3 insert+commit of schema.event_params, then the time.
WRITER = """
import sqlite3, sys, time
from warroom.core import schema
from warroom.core.ids import uuid7
from warroom.core.timeutil import now, to_db
path, incident_id, text = sys.argv[1:4]
conn = sqlite3.connect(path, isolation_level=None, timeout=10)
conn.execute("PRAGMA synchronous = FULL")
stamp = to_db(now())
conn.execute(schema.INSERT_EVENT, schema.event_params(id=uuid7(), incident_id=incident_id, ts=stamp,
    recorded_at=stamp, kind="alert", text=text, author="bench-writer"))
print(time.monotonic(), flush=True)
"""


async def until(shows, action=None, timeout: float = 30, watch: Watch | None = None) -> float:
    """Register a watch, then run `action` (a coroutine), then wait for the frame. Returns its time."""
    watch = watch or Watch(shows)
    WATCHES.append(watch)
    if action is not None:
        await action
    try:
        await asyncio.wait_for(watch.seen.wait(), timeout)
    finally:
        if watch in WATCHES:
            WATCHES.remove(watch)
    assert watch.at is not None
    return watch.at


async def type_text(app, pilot, text: str) -> None:
    """Type into the focused widget through the driver, as Pilot does, without Pilot's idle wait
    after every key (about 60 ms each): only the Enter that follows is measured."""
    from textual import events

    for char in text:
        key = events.Key(char, char)
        key.set_sender(app)
        app._driver.send_message(key)
    await pilot.pause()
    if getattr(app.focused, "value", None) != text:
        raise RuntimeError(f"typed {text!r} but the focused widget holds {getattr(app.focused, 'value', None)!r}")


def match_shown(timeline, before: int):
    """The cursor left `before`, its row on screen holds the search word, no row still loading."""

    def shows(app) -> bool:
        if timeline.cursor == before:
            return False
        rows = timeline_rows(app)
        at = timeline.cursor - int(timeline.scroll_y)
        return 0 <= at < len(rows) and SEARCH_WORD in rows[at].lower() and not any(r.strip() == "…" for r in rows)

    return shows


def row_shown(token: str):
    return lambda app: any(token in row for row in timeline_rows(app))


async def interact(
    db_path: str, baseline_path: str, keypresses: int, live: int, pages: int, live_limit: float, searches: int
) -> dict:
    from warroom.core import playbook
    from warroom.tui.app import build_app

    app = build_app(db_path, playbook.load())
    result: dict = {}
    raw = sqlite3.connect(baseline_path, isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = FULL")
    raw.execute(
        "CREATE TABLE IF NOT EXISTS t (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, ts TEXT NOT NULL, text TEXT NOT NULL)"
    )
    async with app.run_test(size=SIZE) as pilot:
        await until(incident_shown, timeout=60)
        screen = app.screen
        timeline = screen.query_one("#timeline")
        incident_id = screen.incident_id

        # Jump to the start and back to the end, then page up through the timeline: each time
        # until the frame shows the cursor's new place with every visible row drawn.
        def settled(cursor_check):
            return lambda app: cursor_check(timeline.cursor) and not any(r.strip() == "…" for r in timeline_rows(app))

        # A long timeline opens on its newest rows and reads every key just after the first
        # frame; the jumps measure the settled pane, not that read (start-up covers it).
        await until(lambda app: None not in timeline.keys, timeout=60)
        jumps = {}
        for key, check in (("home", lambda c: c == 0), ("end", lambda c: c == len(timeline.keys) - 1)):
            t = time.monotonic()
            jumps[key] = await until(settled(check), pilot.press(key)) - t
        page_times = []
        for _ in range(pages):
            if timeline.cursor <= 0:  # a short timeline: back to the end and page up again
                await until(settled(lambda c: c == len(timeline.keys) - 1), pilot.press("end"))
            before = timeline.cursor
            t = time.monotonic()
            page_times.append(await until(settled(lambda c, b=before: c != b), pilot.press("pageup")) - t)
        await pilot.press("end")
        result.update(jumps=jumps, pages=page_times, rows=len(timeline.keys))

        # Search: from Enter to the frame whose cursor row (moved) shows the newest match, every
        # visible row drawn. The store's part is stamped apart (its search, wrapped).
        store_search = app.store.search
        searched: list[float] = []

        async def timed_search(*args, **kwargs):
            started = time.monotonic()
            found = await store_search(*args, **kwargs)
            searched.append(time.monotonic() - started)
            return found

        app.store.search = timed_search
        search_times, search_store = [], []
        for i in range(searches + 1):
            # From the first row: the newest match is a jump across the whole timeline away.
            await until(settled(lambda c: c == 0), pilot.press("home"))
            await pilot.press("slash")
            await type_text(app, pilot, SEARCH_WORD)
            before = timeline.cursor
            searched.clear()
            t = time.monotonic()
            shown_at = await until(match_shown(timeline, before), pilot.press("enter"))
            if i >= 1:  # the first warms the caches
                search_times.append(shown_at - t)
                search_store.append(searched[0])
        app.store.search = store_search
        await pilot.press("end")
        result.update(search=search_times, search_store=search_store)

        # Keypress to committed and shown, alternating with the raw baseline. Stamped on the way:
        # the store's append called (the screen's side), the INSERT begun and returned committed
        # (on the store's thread: the figure), and the screen's side resumed with the row.
        from warroom.core import sql as sql_module

        stamps: dict[str, float] = {}
        real_append, real_insert = app.store.append, sql_module.append

        async def stamped_append(*args, **kwargs):
            stamps.setdefault("called", time.monotonic())
            result = await real_append(*args, **kwargs)
            stamps.setdefault("resumed", time.monotonic())
            return result

        def stamped_insert(*args, **kwargs):
            stamps.setdefault("begun", time.monotonic())
            row = real_insert(*args, **kwargs)
            stamps.setdefault("committed", time.monotonic())
            return row

        app.store.append, sql_module.append = stamped_append, stamped_insert
        steps: dict[str, list[float]] = {"called": [], "begun": [], "resumed": []}
        entry_times, entry_cpu, commit_times, raw_times, tokens = [], [], [], [], []
        for i in range(keypresses + 2):
            token = f"kp{i:04d}{uuid.uuid4().hex[:6]}"
            tokens.append(token)
            await pilot.press("l")  # the quick-entry key, through Pilot like a person
            await type_text(app, pilot, token)
            t, cpu = time.monotonic(), time.thread_time()
            stamps.clear()
            shown = Watch(row_shown(token))
            shown_at = await until(shown.shows, pilot.press("enter"), watch=shown)
            stamp = datetime.now(UTC).isoformat()
            r = time.perf_counter()
            raw.execute("INSERT INTO t (id, ts, text) VALUES (?, ?, ?)", (str(uuid.uuid4()), stamp, token))
            raw_elapsed = time.perf_counter() - r
            if i >= 2:  # the first two warm the caches
                entry_times.append(shown_at - t)
                entry_cpu.append((shown.cpu or cpu) - cpu)
                commit_times.append(stamps["committed"] - t)
                for step, times in steps.items():
                    times.append(stamps[step] - t)
                raw_times.append(raw_elapsed)
        # Shown means committed (the screen shows only what the store returned); check it anyway.
        check = sqlite3.connect(db_path)
        marks = ",".join("?" * len(tokens))
        committed = check.execute(f"SELECT count(*) FROM events WHERE text IN ({marks})", tokens).fetchone()[0]
        check.close()
        result.update(
            entry=entry_times,
            entry_cpu=entry_cpu,
            commit=commit_times,
            commit_steps=steps,
            raw=raw_times,
            committed=committed,
            typed=len(tokens),
        )

        # Live: written by another process, until it is on screen.
        live_times = []
        for i in range(live):
            token = f"live{i:04d}{uuid.uuid4().hex[:4]}"
            watch = Watch(row_shown(token))
            WATCHES.append(watch)
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-c", WRITER, db_path, incident_id, token, stdout=asyncio.subprocess.PIPE
            )
            out, _ = await proc.communicate()
            if proc.returncode != 0:
                raise RuntimeError("the writer process failed")
            written = float(out.decode().strip())
            try:
                await asyncio.wait_for(watch.seen.wait(), live_limit)
            except TimeoutError:
                WATCHES.remove(watch)
                live_times.append(None)  # never shown: reported as a miss, the session goes on
                continue
            live_times.append(watch.at - written)
        result.update(live=live_times)
    raw.close()
    return result


def main(argv: list[str]) -> int:
    mode = argv[0]
    _watchdog(SESSION_TIMEOUT if mode == "interact" else STARTUP_TIMEOUT)
    if mode == "bare":
        run_bare()
    elif mode == "warroom":
        run_warroom(argv[1])
    elif mode == "interact":
        db_path, baseline, keypresses, live, pages = argv[1], argv[2], *map(int, argv[3:6])
        searches = int(argv[7]) if len(argv) > 7 else 0
        emit(asyncio.run(interact(db_path, baseline, keypresses, live, pages, float(argv[6]), searches)))
    else:
        emit({"error": f"unknown mode {mode!r}"})
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
