"""The peers row: other Textual apps' first screen beside warroom's, when they are installed.

Toolong (`tl`, a log viewer) and Harlequin (`harlequin`, a SQL IDE) are what a commander might
also have open; neither is installed by CI (this row is context, not a gate). Each program
(the bare Textual app and warroom too, so all four are timed alike) runs on a pseudo-terminal
of 140×45, timed from just before the fork until what it opens is drawn: a needle found in
its output with the escape sequences taken out. Runs are rotated, medians reported.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import shutil
import signal
import sqlite3
import struct
import subprocess
import termios
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.data import DemoDb
from benchmarks.procs import python_argv
from benchmarks.stats import Row, median, secs

SIZE = (140, 45)
TIMEOUT = 60.0  # seconds a program may take to draw what it opened before the run fails
LOG_LINES = 20_000  # Toolong's file, as the issue measured it
# Colours and styles split a line's words: taken out; any other escape (a cursor move) ends a piece.
_STYLES = re.compile(r"\x1b\[[0-9;:]*m")
_ESCAPES = re.compile(r"\x1b\[[0-9;?<>=]*[a-zA-Z~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>]")


# The bare Textual app of the start-up rows, run as a program (the driver runs it headless).
BARE = """
from textual.app import App
from textual.widgets import Footer, Header, Static


class Bare(App):
    def compose(self):
        yield Header()
        yield Static("A bare Textual app: the start-up baseline.")
        yield Footer()


Bare().run()
"""


class PeerFailed(Exception):
    pass


def drawn_after(argv: list[str], needle: str, env: dict[str, str]) -> float:
    """Seconds from the fork until `needle` is drawn; the program is killed then."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    env = {**env, "TERM": "xterm-256color", "COLUMNS": str(SIZE[0]), "LINES": str(SIZE[1])}
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    seen = ""
    try:
        while True:
            left = started + TIMEOUT - time.monotonic()
            if left <= 0:
                raise PeerFailed(f"{Path(argv[0]).name}: {needle!r} not drawn within {TIMEOUT:.0f}s")
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the program ended
                chunk = b""
            if not chunk:
                last = [line.strip() for line in seen.splitlines() if line.strip()][-1:] or ["no output"]
                raise PeerFailed(f"{Path(argv[0]).name} ended before drawing {needle!r}: {last[0][-160:]}")
            at = time.monotonic()
            seen += _ESCAPES.sub("\n", _STYLES.sub("", chunk.decode("utf-8", errors="replace")))
            if needle in seen:
                return at - started
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        os.close(master)


def write_log(path: Path, lines: int = LOG_LINES) -> str:
    """A plain application log; returns a text of its last line (Toolong opens at the tail)."""
    with path.open("w") as out:
        for n in range(lines):
            out.write(f"2026-11-30T14:{n // 60 % 60:02d}:{n % 60:02d}Z INFO checkout-api request {n} served in 12ms\n")
    return f"request {lines - 1} served"


def installed() -> dict[str, str]:
    """The peers on PATH, by name."""
    return {
        name: found
        for name, command in (("Toolong", "tl"), ("Harlequin", "harlequin"))
        if (found := shutil.which(command))
    }


def peers_row(short: DemoDb, folder: Path, repeats: int, env: dict[str, str]) -> Row | None:
    """None when no peer is installed (CI): the row is context, not a gate."""
    peers = installed()
    if not peers:
        return None
    copy = folder / "peers-harlequin.db"  # Harlequin may write to the file it opens: its own copy
    with sqlite3.connect(short.path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    log = folder / "peers.log"
    log_needle = write_log(log)
    programs: dict[str, tuple[list[str], str]] = {
        "bare": (python_argv("-c", BARE), "A bare Textual app"),
        "warroom": (python_argv("-m", "warroom", "--db", str(short.path)), "Checkout failing"),
    }
    if "Toolong" in peers:
        programs["Toolong"] = ([peers["Toolong"], str(log)], log_needle)
    if "Harlequin" in peers:
        programs["Harlequin"] = ([peers["Harlequin"], "-a", "sqlite", str(copy)], "events")
    failed = []
    for name in [n for n in programs if n in peers]:  # a peer that cannot start is named, not timed
        try:
            drawn_after(*programs[name], env)
        except PeerFailed as exc:
            failed.append(f"{name} did not start here ({exc})")
            del programs[name]
    times = _rotated(programs, repeats, lambda argv, needle: drawn_after(argv, needle, env))
    bare = median(times["bare"])
    shown = ", ".join(
        f"{name} {secs(median(t))} ({median(t) / bare:.2f}×)" for name, t in times.items() if name != "bare"
    )
    return Row(
        "peers: first screen showing what was opened (pty, from the fork)",
        shown,
        f"{secs(bare)} (bare Textual app)",
        "—",
        "context, not a gate",
        None,
        note=f"{repeats} rotated runs each on a 140×45 pseudo-terminal: warroom on the {short.events:,}-event file,"
        f" Toolong on a {LOG_LINES:,}-line log, Harlequin opening a copy of the same SQLite file (-a sqlite);"
        f" installed: {', '.join(f'{n} ({p})' for n, p in peers.items())}." + "".join(f" {f}." for f in failed),
    )


def _rotated(programs: dict[str, tuple[list[str], str]], repeats: int, run: Callable[[list[str], str], float]):
    names = list(programs)
    for name in names:  # warm-up: page cache, .pyc files
        run(*programs[name])
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(repeats):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            times[name].append(run(*programs[name]))
    return times
