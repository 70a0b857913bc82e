"""`warroom log` runs in deploy scripts and alert hooks: it must not pay for modules only
other commands use (measured in benchmarks/, never timed here)."""

from __future__ import annotations

import subprocess
import sys

from warroom import cli
from warroom.core import kinds

_PROBE = """
import sys
from warroom.cli import main
code = main(sys.argv[1:])
print('MODULES=' + ','.join(sorted(sys.modules)), file=sys.stderr)
raise SystemExit(code)
"""


def test_log_kinds_are_the_user_kinds():
    assert cli.USER_KINDS == kinds.USER_KINDS
    assert all(type(k) is str for k in cli.USER_KINDS)


def test_log_path_skips_the_kinds_enum_argparse_and_the_copy_helpers(tmp_path):
    db = tmp_path / "w.db"
    env = {"WARROOM_AUTHOR": "dana", "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}

    def run(*args: str) -> set[str]:
        proc = subprocess.run(
            [sys.executable, "-c", _PROBE, "--db", str(db), *args], capture_output=True, env=env, text=True, timeout=60
        )
        assert proc.returncode == 0, proc.stderr
        (line,) = [x for x in proc.stderr.splitlines() if x.startswith("MODULES=")]
        return set(line[len("MODULES=") :].split(","))

    run("declare", "Checkout down")
    loaded = run("log", "--kind", "decision", "roll back")
    assert "warroom.core.sql" in loaded  # the probe sees the write path
    # kinds builds an Enum and TypedDicts; tempfile is for a crash's leftovers only; the usual
    # form is read without argparse (with gettext and shutil, ~10 ms of every call)
    assert not loaded & {"warroom.core.kinds", "tempfile", "argparse", "gettext", "shutil"}, sorted(loaded)
    commands = {m for m in loaded if m.startswith("warroom.commands.")}
    assert commands == {"warroom.commands.log", "warroom.commands.common"}  # no other command's module
    unusual = run("log", "--kind", "decision", "--", "-2 replicas")  # not the plain form: argparse reads it
    assert "argparse" in unusual


def test_the_open_probe_reads_no_table_whole(tmp_path):
    """db.open_db probes the tables on every open (every `warroom log`): each probe must be a
    seek, not a scan of the events (min and max in one SELECT scanned all 100,000: 23 ms)."""
    import sqlite3

    from warroom.core import db

    path = tmp_path / "w.db"
    db.open_db(path).close()
    conn = sqlite3.connect(path)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    db._probe(conn)
    conn.set_trace_callback(None)
    assert any("events" in s for s in statements)
    for statement in statements:
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + statement)]
        assert not [step for step in plan if step.startswith("SCAN events")], (statement, plan)
    conn.close()
