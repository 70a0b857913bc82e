"""A soak you can rerun: war rooms open on one file while `warroom log` writers are killed at random.

    python -m benchmarks.soak                       # 2 war rooms, 4 writers x 2,000 events, up to 10 minutes
    python -m benchmarks.soak --writers 2 --events 30 --seconds 60 --json    # the slow test's short run

Every writer runs `warroom log "<writer> <n>"` (the real CLI, one process per event) one after
the other; a killer SIGKILLs a running writer at random every 0.2-1 s. A write counts as
acknowledged when its process printed the new id and exited 0 (a killed write's outcome is
unknown: it is neither acknowledged nor retried). Every two seconds a probe event is logged
(never killed) and both war rooms, each at the tail of its timeline in a real pseudo-terminal,
must draw it: the time from the probe's acknowledgement to its first appearance on each
screen is recorded.

Figures: acknowledged, killed, lost (acknowledged but not in the file), doubled (a text
stored twice), locked (a writer that failed with "locked"), other failures, probes, the
probes a war room drew later than 1 s or never (5 s), and the slowest draw.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from helpers_proc import PtyApp, isolated_env  # noqa: E402

LATE_AFTER, MISSING_AFTER = 1.0, 5.0


class Soak:
    def __init__(self, folder: Path, writers: int, events: int, seconds: float, tuis: int, seed: int) -> None:
        self.folder = folder
        self.db = folder / "soak.db"
        self.env = isolated_env(folder / "home", self.db)
        self.writers, self.events, self.seconds, self.tuis = writers, events, seconds, tuis
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.running: dict[int, subprocess.Popen] = {}
        self.acked: dict[str, str] = {}  # text -> id
        self.killed = 0
        self.locked: list[str] = []
        self.failed: list[str] = []
        self.probes: list[dict] = []
        self.stop = threading.Event()

    def _log(self, text: str, killable: bool) -> tuple[int, str, str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "warroom", "log", text],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.env,
        )
        if killable:
            with self.lock:
                self.running[proc.pid] = proc
        out, err = proc.communicate()
        if killable:
            with self.lock:
                self.running.pop(proc.pid, None)
        return proc.returncode, out.decode(errors="replace").strip(), err.decode(errors="replace").strip()

    def _record(self, text: str, code: int, out: str, err: str) -> None:
        with self.lock:
            if code == 0:
                self.acked[text] = out
            elif code == -signal.SIGKILL:
                self.killed += 1
            elif "locked" in err:
                self.locked.append(f"{text}: {err}")
            else:
                self.failed.append(f"{text}: exit {code}: {err}")

    def writer(self, k: int) -> None:
        for n in range(1, self.events + 1):
            if self.stop.is_set():
                return
            text = f"soak-w{k}-{n:05d}"
            self._record(text, *self._log(text, killable=True))

    def killer(self) -> None:
        while not self.stop.wait(self.random.uniform(0.2, 1.0)):
            with self.lock:
                victims = list(self.running.values())
            if victims:
                try:
                    self.random.choice(victims).send_signal(signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def prober(self, apps: list[PtyApp]) -> None:
        n = 0
        while not self.stop.wait(2.0):
            n += 1
            text = f"probe-{n:04d}"
            marks = [app.mark() for app in apps]
            code, out, err = self._log(text, killable=False)
            acked_at = time.monotonic()
            self._record(text, code, out, err)
            if code != 0:
                continue
            seen = []
            for app, mark in zip(apps, marks, strict=True):
                shown = app.wait_for(text, since=mark, timeout=MISSING_AFTER - (time.monotonic() - acked_at))
                seen.append(round(time.monotonic() - acked_at, 3) if shown else None)
            with self.lock:
                self.probes.append({"text": text, "seen_after": seen})

    def run(self) -> dict:
        declared = subprocess.run(
            [sys.executable, "-m", "warroom", "declare", "Soak"], capture_output=True, env=self.env, timeout=60
        )
        if declared.returncode != 0:
            raise SystemExit(f"declare failed: {declared.stderr.decode()}")
        apps = [PtyApp("--db", str(self.db), env=self.env) for _ in range(self.tuis)]
        try:
            for app in apps:
                if not app.wait_for("since start", timeout=60):
                    raise SystemExit("a war room never showed the incident")
            started = time.monotonic()
            threads = [threading.Thread(target=self.writer, args=(k,), daemon=True) for k in range(self.writers)]
            helpers = [threading.Thread(target=self.killer, daemon=True)]
            if apps:
                helpers.append(threading.Thread(target=self.prober, args=(apps,), daemon=True))
            for thread in threads + helpers:
                thread.start()
            deadline = started + self.seconds
            for thread in threads:
                thread.join(max(0.0, deadline - time.monotonic()))
            self.stop.set()
            for thread in threads + helpers:
                thread.join(60)
            elapsed = time.monotonic() - started
            alive = [app.proc.poll() is None for app in apps]
        finally:
            for app in apps:
                app.kill()
        return self._figures(elapsed, alive)

    def _figures(self, elapsed: float, alive: list[bool]) -> dict:
        conn = sqlite3.connect(self.db)
        try:
            stored: dict[str, int] = {}
            for (text,) in conn.execute("SELECT text FROM events WHERE text LIKE 'soak-%' OR text LIKE 'probe-%'"):
                stored[text] = stored.get(text, 0) + 1
            ids = {row[0] for row in conn.execute("SELECT id FROM events")}
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
        draws = [s for p in self.probes for s in p["seen_after"]]
        shown = [s for s in draws if s is not None]
        return {
            "seconds": round(elapsed, 1),
            "writers": self.writers,
            "war_rooms": self.tuis,
            "war_rooms_alive_at_end": sum(alive),
            "acknowledged": len(self.acked),
            "killed": self.killed,
            "lost": sorted(t for t, i in self.acked.items() if i not in ids or stored.get(t, 0) == 0),
            "doubled": sorted(t for t, c in stored.items() if c > 1),
            "locked": self.locked,
            "other_failures": self.failed,
            "probes": len(self.probes),
            "draws_late": sum(1 for s in shown if s > LATE_AFTER),
            "draws_missing": len(draws) - len(shown),
            "slowest_draw_s": max(shown, default=None),
            "integrity_check": integrity,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--events", type=int, default=2000, help="events per writer")
    parser.add_argument("--seconds", type=float, default=600, help="stop the writers after this long")
    parser.add_argument("--war-rooms", type=int, default=2)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--json", action="store_true", help="one JSON object instead of lines")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="warroom-soak-") as folder:
        figures = Soak(Path(folder), args.writers, args.events, args.seconds, args.war_rooms, args.seed).run()
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            shown = len(value) if isinstance(value, list) else value
            print(f"{key:>24}: {shown}")
    ok = not (figures["lost"] or figures["doubled"] or figures["locked"] or figures["draws_missing"])
    return 0 if ok and figures["integrity_check"] == "ok" else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    raise SystemExit(main())
