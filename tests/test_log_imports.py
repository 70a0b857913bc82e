"""What the shell commands import, in a fresh interpreter (what is loaded is the process's own
state: this is where a real process is what is tested). `warroom log` runs in deploy scripts
and alert hooks: stdlib only, and nothing only other commands use (its time is measured in
benchmarks/, never here). No shell command imports Textual. The stand-ins the log path uses
instead of pathlib and json must answer exactly as they would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import PurePosixPath

import pytest
from fixed_clock import FIXED_NOW_ISO
from helpers_proc import isolated_env
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.core import schema
from warroom.core.locations import parent_text, path_text

# Never on the way of `warroom log` to the disk.
HEAVY = {"textual", "rich", "pydantic", "aiosqlite", "psycopg", "jinja2", "platformdirs"}

# Runs `warroom ARGS` for each group of arguments (separated by "::") in one interpreter and
# prints, after each, its exit status and every module loaded so far (the interpreter's own
# start-up modules left out).
_PROBE = """
import sys
before = set(sys.modules)
from warroom.cli import main
commands, args = [], []
for arg in sys.argv[1:] + ["::"]:
    if arg == "::":
        commands.append(args)
        args = []
    else:
        args.append(arg)
for args in commands:
    code = main(args)
    print(f"LOADED {code} " + ",".join(sorted(set(sys.modules) - before)), file=sys.stderr)
"""


def _loaded(env, *commands: tuple[str, ...]) -> list[set[str]]:
    """The modules loaded once each command has run, in one fresh interpreter; each must exit 0."""
    argv = [arg for command in commands for arg in ("::", *command)][1:]
    proc = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True, env=env, text=True, timeout=60)
    lines = [line.split(" ", 2) for line in proc.stderr.splitlines() if line.startswith("LOADED ")]
    assert len(lines) == len(commands) and all(code == "0" for _, code, _ in lines), proc.stderr
    return [set(filter(None, modules.split(","))) for _, _, modules in lines]


@pytest.fixture
def env(tmp_path, cli):
    cli("declare", "Checkout down")  # in this process: the setting, not what is tested
    return isolated_env(tmp_path / "home", tmp_path / "war.db", WARROOM_NOW=FIXED_NOW_ISO)


def test_log_loads_the_stdlib_and_only_what_it_uses(env):
    plain, unusual = _loaded(env, ("log", "--kind", "decision", "roll back"), ("log", "--", "-2 replicas"))
    assert {"warroom.core.sql", "sqlite3"} <= plain  # the probe sees the write path
    packages = {m.split(".")[0] for m in plain}
    assert not packages & HEAVY
    assert packages - {"warroom"} <= set(sys.stdlib_module_names), sorted(packages - set(sys.stdlib_module_names))
    # kinds builds an Enum and TypedDicts; tempfile is for a crash's leftovers only; the usual
    # form is read without argparse (with gettext and shutil, ~10 ms of every call); getpass
    # (and termios) only when WARROOM_AUTHOR is not set
    assert not plain & {"warroom.core.kinds", "tempfile", "argparse", "gettext", "shutil", "getpass"}, sorted(plain)
    # Not even what the bare sqlite3 baseline's own imports (uuid) load: pathlib (with fnmatch
    # and urllib.parse), re and the enum it builds on, json, contextlib, typing; nor the
    # registers (only changes to single-valued things use them)
    lighter = {"pathlib", "fnmatch", "urllib.parse", "re", "enum", "json", "contextlib", "typing", "uuid", "platform"}
    assert not plain & (lighter | {"warroom.core.registers"}), sorted(plain & lighter)
    commands = {m for m in plain if m.startswith("warroom.commands.")}
    assert commands == {"warroom.commands.log", "warroom.commands.common"}  # no other command's module
    assert "argparse" in unusual  # not the plain form: argparse reads it


def test_shell_commands_never_import_textual(env):
    """One interpreter runs them all: if none loads Textual, what they loaded together has none."""
    commands = [("list",), ("export",), ("declare", "Another"), ("actions",), ("stats",), ("doc", "status")]
    *_, together = _loaded(env, *commands)
    assert {"warroom.commands.reports", "warroom.commands.declare", "pydantic"} <= together
    assert not {m for m in together if m.split(".")[0] in ("textual", "rich")}


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


_PATH_PARTS = st.sampled_from(["", ".", "..", "/", "//", "///", "a", "w.db", "é", " x", "a.b/", "./", "\udcff"])


@given(st.lists(_PATH_PARTS, max_size=6).map("".join))
@settings(max_examples=500, deadline=None)
def test_paths_as_text_read_as_pathlib_writes_them(text):
    """The log path's --db and WARROOM_DB are text (locations.path_text), named in its messages
    exactly as the other commands name their Path."""
    assert path_text(text) == str(PurePosixPath(text))
    assert parent_text(path_text(text)) == str(PurePosixPath(text).parent)
    assert path_text(PurePosixPath(text)) == str(PurePosixPath(text))


_JSON_TEXT = st.text(
    alphabet=st.sampled_from(["a", " ", '"', "\\", "\n", "\x00", "\x7f", "é", "\u2028", "\udc80", "😀"])
)
_JSON_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), _JSON_TEXT, st.lists(st.booleans())
)


@given(st.dictionaries(_JSON_TEXT, _JSON_VALUES, max_size=4) | st.dictionaries(st.integers(), _JSON_VALUES, max_size=2))
@settings(max_examples=500, deadline=None)
def test_the_payload_text_is_what_json_writes(data):
    """schema.json_text writes the flat payloads itself (no json on the log path), the rest through json."""
    assert schema.json_text(data) == json.dumps(data, ensure_ascii=False, sort_keys=True)


def test_the_schema_objects_are_read_without_a_regular_expression():
    """What a warroom file must hold is read from the migrations' words, as the regular
    expression it replaces read them (test_bad_files checks the result against SQLite)."""
    import re

    pattern = re.compile(
        r"\b(CREATE|DROP)\s+(?:UNIQUE\s+|VIRTUAL\s+)?(TABLE|INDEX|TRIGGER|VIEW)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?(\w+)",
        re.IGNORECASE,
    )
    scripts = [
        *schema.MIGRATIONS,
        "create unique index if not exists i_x on t(x); drop view if exists v;",
        "CREATE TABLE",
    ]
    for script in scripts:
        expected = [(verb.upper(), kind.lower(), name) for verb, kind, name in pattern.findall(script)]
        assert schema._created_and_dropped(script) == expected
