"""Child processes for the CLI, crash and concurrency tests.

As a module: `run_cli` runs `python -m warroom ...` in a subprocess with an environment
that points every user folder (HOME, XDG_*, WARROOM_*) at a scratch directory.

As a script: `python tests/helpers_proc.py store-writer DB INCIDENT N [TAG]` is a war room's
write path without the screen: it opens warroom.core.store.Store, awaits `store.append` (and the
handoff draft autosave, `store.save_text`) in a loop, and prints each acknowledged write,
flushed, the moment its commit returned. With N = 0 it writes until killed. After N writes
it prints `written`, waits for a line on stdin, then prints its timeline as one JSON line
(what its screen would show), so the concurrency test can compare two war rooms that stayed
open throughout, once every writer (the other war room too) has finished.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELPER = Path(__file__).resolve()


def isolated_env(home: Path, db: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment for a child: user folders in `home`, a fixed author and zone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WARROOM_", "XDG_"))}
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "xdg-data"),
        XDG_CONFIG_HOME=str(home / "xdg-config"),
        XDG_CACHE_HOME=str(home / "xdg-cache"),
        XDG_STATE_HOME=str(home / "xdg-state"),
        XDG_RUNTIME_DIR=str(home / "xdg-runtime"),
        WARROOM_DATA_DIR=str(home / "warroom-data"),
        WARROOM_CONFIG_DIR=str(home / "warroom-config"),
        WARROOM_AUTHOR="dana",
        TZ="UTC",
        PYTHONIOENCODING="utf-8",
    )
    env.pop("WARROOM_DEBUG", None)
    if db is not None:
        env["WARROOM_DB"] = str(db)
    env.update(extra)
    return env


@dataclass
class Result:
    code: int
    stdout: bytes
    stderr: bytes

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", errors="replace")


def run_cli(
    *args: str,
    env: dict[str, str],
    input: bytes | str | None = None,
    cwd: Path | None = None,
    python_args: tuple[str, ...] = (),
    timeout: float = 60,
) -> Result:
    """`python -m warroom ARGS` in a child; stdin is empty unless `input` is given."""
    if isinstance(input, str):
        input = input.encode("utf-8")
    proc = subprocess.run(
        [sys.executable, *python_args, "-m", "warroom", *args],
        input=input if input is not None else b"",
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def assert_one_line_error(result: Result, *needles: str, code: int = 1) -> None:
    """Exit `code` (1; 2 for a malformed argument), nothing on stdout, exactly one `warroom: ...`
    line on stderr, no traceback."""
    assert result.code == code, (result.code, result.err)
    assert result.stdout == b"", result.out
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("warroom: "), result.err
    assert "Traceback" not in result.err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def wait_for_row(path: Path, text: str, timeout: float = 30) -> None:
    """Wait until an event with this text is committed (a child process writes it)."""
    import sqlite3
    import time

    deadline = time.monotonic() + timeout
    while True:
        conn = sqlite3.connect(path)
        try:
            if conn.execute("SELECT count(*) FROM events WHERE text = ?", (text,)).fetchone()[0]:
                return
        finally:
            conn.close()
        assert time.monotonic() < deadline, f"{text!r} was never committed"
        time.sleep(0.05)


def wait_for_text(path: Path, incident_id: str, name: str, ending: str, timeout: float = 30) -> str:
    """Wait until the saved text `name` (a draft: handoff, postmortem section) ends with `ending`."""
    import sqlite3
    import time

    deadline = time.monotonic() + timeout
    while True:
        conn = sqlite3.connect(path)
        try:
            row = conn.execute(
                "SELECT text FROM texts WHERE incident_id = ? AND name = ?", (incident_id, name)
            ).fetchone()
        finally:
            conn.close()
        if row and row[0].endswith(ending):
            return row[0]
        assert time.monotonic() < deadline, f"{name!r} was never saved ending with {ending!r} (last: {row})"
        time.sleep(0.05)


# ----- the war room itself, in a pseudo-terminal ----------------------------------------


class PtyApp:
    """`python -m warroom ARGS` on a pseudo-terminal of the given size: keys in, screen out."""

    def __init__(self, *args: str, env: dict[str, str], columns: int = 140, lines: int = 45) -> None:
        import fcntl
        import pty
        import struct
        import termios
        import threading

        self.lines = lines
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "warroom", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(lines)},
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.output = bytearray()
        self._lock = threading.Lock()
        # Drain the terminal all the time: an app whose output is not read blocks on write.
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self.output += chunk

    def mark(self) -> int:
        """A place in the output: later waits look only at what was drawn after it."""
        with self._lock:
            return len(self.output)

    def screen_text(self, since: int = 0) -> str:
        """What was drawn since `since`: each cursor jump starts a new line, styles dropped."""
        import re

        with self._lock:
            raw = bytes(self.output[since:]).decode("utf-8", errors="replace")
        raw = re.sub(r"\x1b\[\d+;\d+H", "\n", raw)
        return re.sub(r"\x1b\[[0-9;?<>=]*[a-zA-Z~]", "", raw)

    def drawn_at(self, row: int, column: int, text: str, since: int = 0) -> bool:
        """Was `text` drawn starting at this cell (1-based) since `since`?"""
        import re

        with self._lock:
            raw = bytes(self.output[since:]).decode("utf-8", errors="replace")
        raw = re.sub(r"\x1b\[[0-9;]*m", "", raw)  # styles split a word into pieces
        return f"\x1b[{row};{column}H{text}" in raw

    def wait_for(self, needle: str, since: int = 0, timeout: float = 30, at: tuple[int, int] | None = None) -> bool:
        """Wait until `needle` is drawn (at a given cell, if asked); False on timeout."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            if at is not None and self.drawn_at(*at, needle, since):
                return True
            if at is None and needle in self.screen_text(since):
                return True
            if self.proc.poll() is not None:
                raise AssertionError(f"warroom exited ({self.proc.returncode}) before showing {needle!r}")
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def press_until(self, key: str, needle: str, at: tuple[int, int] | None = None, tries: int = 5) -> None:
        """Press `key` until the screen shows `needle` (a key sent while the screen is still
        loading may be dropped)."""
        for _ in range(tries):
            since = self.mark()
            self.type(key)
            if self.wait_for(needle, since, timeout=5, at=at):
                return
        raise AssertionError(f"pressing {key!r} never showed {needle!r}")

    def type(self, keys: str | bytes) -> None:
        os.write(self.master, keys.encode("utf-8") if isinstance(keys, str) else keys)

    def kill(self) -> None:
        import signal

        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
        os.close(self.master)
        self._reader.join(timeout=5)


# ----- the store writer (a war room without its screen) ---------------------------------


async def _store_writer(db: str, incident_id: str, count: int, tag: str) -> None:
    import json

    from warroom.core.store import HANDOFF_DRAFT, Store

    store = await Store.open(db, create=False)
    n = 0
    while count == 0 or n < count:
        n += 1
        if n % 5 == 0:  # the handoff editor's autosave, as the TUI does it
            await store.save_text(incident_id, HANDOFF_DRAFT, f"{tag} draft {n}")
            print(f"draft {n}", flush=True)
        event = await store.append(incident_id, "note", f"{tag} {n}", "dana")
        print(f"event {event.id}", flush=True)
    print("written", flush=True)  # every write acknowledged: the test waits for all writers
    sys.stdin.readline()  # the test says every writer has finished
    keys = await store.timeline_keys(incident_id)
    events = await store.events_by_seq(keys)
    after = await store.events_after(incident_id, 0)
    print(
        "timeline "
        + json.dumps(
            {
                "keys": keys,
                "events": [[e.seq, e.id, e.kind, e.text] for e in events],
                "after": [e.id for e in after],
            }
        ),
        flush=True,
    )
    await store.close()


def _main(argv: list[str]) -> int:
    import asyncio

    if argv[:1] == ["store-writer"]:
        db, incident_id, count = argv[1], argv[2], int(argv[3])
        tag = argv[4] if len(argv) > 4 else "store"
        asyncio.run(_store_writer(db, incident_id, count, tag))
        return 0
    if argv[:1] == ["cli-loop"]:
        # The CLI's own code path (cli.main(["log", ...])), many times in one process:
        # each call opens, writes and closes the file exactly as a `warroom log` does.
        from warroom.cli import main

        db, tag, count = argv[1], argv[2], int(argv[3])
        for n in range(1, count + 1):
            code = main(["--db", db, "log", f"{tag} {n}", "--kind", "alert"])
            if code != 0:
                return code
        return 0
    print(f"unknown helper command {argv!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(_main(sys.argv[1:]))


async def declare_checkout_down(path) -> str:
    """A fresh SEV-1 incident in the database at `path`; its id."""
    from warroom.core.store import Store

    store = await Store.open(path)
    try:
        return (await store.declare("Checkout down", 1, "dana", first_phase="assess")).id
    finally:
        await store.close()
