"""Child processes: wall time from just before the fork, and that child's own peak memory.

`resource.getrusage(RUSAGE_CHILDREN)` keeps the maximum over every child ever reaped, so a
small child after a big one would report the big one's memory; `os.wait4` reports the
child it reaps and nothing else.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class ChildRun:
    wall: float  # seconds, from just before the fork to the child's exit
    maxrss_kib: int  # the child's peak resident memory
    stdout: str
    stderr: str
    started: float  # time.monotonic() just before the fork (CLOCK_MONOTONIC: shared by all processes)


class ChildFailed(RuntimeError):
    pass


def run_child(
    argv: list[str], *, env: dict[str, str] | None = None, stdin: str | None = None, keep_stdout: bool = True
) -> ChildRun:
    """Run argv to completion; its output goes to unlinked temp files (no pipe can fill up)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=out if keep_stdout else subprocess.DEVNULL,
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
        out.seek(0)
        err.seek(0)
        run = ChildRun(wall, usage.ru_maxrss, out.read().decode(errors="replace"),
                       err.read().decode(errors="replace"), started)
    if proc.returncode != 0:
        raise ChildFailed(f"{' '.join(map(str, argv[:4]))} ... exited {proc.returncode}: {run.stderr.strip()[-400:]}")
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
