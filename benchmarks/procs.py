"""Child processes: wall time from just before the fork, and that child's own peak memory.

Peak memory is measured by GNU time (`/usr/bin/time -f %M`), not by our own wait4: Linux
hands a freshly exec'd program the peak RSS of the process it was forked from (the harness,
which holds databases and outputs), so wait4 in the harness would report the harness's peak
for every small child. GNU time is a small process, so the program it starts begins clean.
Without GNU time we fall back to wait4 and say the figure is an upper bound.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

GNU_TIME = shutil.which("time", path="/usr/bin:/bin")


@dataclass
class ChildRun:
    wall: float  # seconds, from just before the fork to the child's exit
    maxrss_kib: int  # the child's peak resident memory
    stdout: str  # empty when not kept
    stdout_bytes: int
    stderr: str
    started: float  # time.monotonic() just before the fork (CLOCK_MONOTONIC: shared by all processes)


class ChildFailed(RuntimeError):
    pass


def memory_method() -> str:
    if GNU_TIME:
        return "peak RSS of the child alone (GNU time %M)"
    return "peak RSS via wait4 (an upper bound: includes the harness's own peak; install GNU time)"


def run_child(
    argv: list[str], *, env: dict[str, str] | None = None, stdin: str | None = None, keep_stdout: bool = True
) -> ChildRun:
    """Run argv to completion; its output goes to unlinked temp files (no pipe can fill up)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile() as mem:
        command = [GNU_TIME, "-q", "-f", "%M", "-o", mem.name, *argv] if GNU_TIME else argv
        started = time.monotonic()
        proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=env,
        )
        if stdin is not None:
            assert proc.stdin is not None
            proc.stdin.write(stdin.encode())
            proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        size = out.tell()
        out.seek(0)
        err.seek(0)
        maxrss = usage.ru_maxrss
        if GNU_TIME:
            text = Path(mem.name).read_text().strip().splitlines()
            maxrss = int(text[-1]) if text and text[-1].isdigit() else maxrss
        run = ChildRun(
            wall,
            maxrss,
            out.read().decode(errors="replace") if keep_stdout else "",
            size,
            err.read().decode(errors="replace"),
            started,
        )
    if proc.returncode != 0:
        said = (run.stderr.strip() or run.stdout.strip())[-400:]
        raise ChildFailed(f"{' '.join(map(str, argv[:4]))} ... exited {proc.returncode}: {said}")
    return run


def python_argv(*args: str) -> list[str]:
    return [sys.executable, *args]


def warroom_argv(*args: str) -> list[str]:
    """The installed console script, as a shell would run it (falls back to python -m warroom)."""
    script = Path(sys.executable).with_name("warroom")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "warroom", *args]


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("WARROOM_NOW", None)
    env.update(extra)
    return env
