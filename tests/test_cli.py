"""The CLI: every command, standard input, exit codes, bad usage, imports.

The argument and error matrix runs in-process (the `cli` fixture calls warroom.cli.main);
real processes are kept where the process is what is tested: the exit status and standard
streams of `python -m warroom`, a closed pipe, `| head` (what a command imports: test_log_imports.py)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import subprocess
import sys

import pytest
from fixed_clock import FIXED_NOW_ISO
from helpers_proc import assert_one_line_error, isolated_env, run_cli

from warroom import __version__
from warroom.core.store import Store

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
INCIDENT_RE = re.compile(r"^INC-\d{8}-[0-9a-z]{4}$")
NOW = FIXED_NOW_ISO  # timeutil.now honours WARROOM_NOW: 14:55 UTC


@pytest.fixture
def env(tmp_path, db_path):
    """The environment of a child process (the real-process tests)."""
    return isolated_env(tmp_path / "home", db_path, WARROOM_NOW=NOW)


@pytest.fixture
def incident(cli):
    result = cli("declare", "Checkout down", "--sev", "1")
    assert result.code == 0, result.err
    return result.out.strip()


def _events(db_path, incident_id=None):
    conn = sqlite3.connect(db_path)
    try:
        sql = "SELECT id, incident_id, kind, text, ts, author, data FROM events"
        if incident_id:
            return conn.execute(sql + " WHERE incident_id = ? ORDER BY seq", (incident_id,)).fetchall()
        return conn.execute(sql + " ORDER BY seq").fetchall()
    finally:
        conn.close()


# ----- version, help, usage -------------------------------------------------------------


def test_version(cli):
    result = cli("--version")
    assert result.code == 0
    assert result.out.strip() == f"warroom {__version__}"


def test_commands_skip_pydantic_plugin_scan_unless_the_user_set_it(cli, monkeypatch):
    # pydantic scans every installed distribution for plugins at its first validation:
    # 20-80 ms of the war room's start-up, and warroom uses no plugin.
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    assert cli("list", "--json").code == 0
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "someplugin")
    assert cli("list", "--json").code == 0
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "someplugin"


def test_help_lists_every_command(cli):
    result = cli("--help")
    assert result.code == 0
    for command in ("demo", "declare", "log", "resolve", "list", "doc", "export", "--db"):
        assert command in result.out
    sub = cli("log", "--help")
    assert sub.code == 0 and "--kind" in sub.out and "--at" in sub.out and "--incident" in sub.out


def test_every_command_has_a_body():
    """The parser's subcommands and the bodies main() dispatches to name the same commands."""
    from warroom import cli

    assert set(cli.COMMANDS) - {None} == set(cli.SUBCOMMANDS)
    for name in cli.COMMANDS:
        assert callable(cli._command(name)), name


@pytest.mark.parametrize(
    "args",
    [
        ("frobnicate",),
        ("declare",),
        ("declare", "x", "--sev", "5"),
        ("log", "x", "--kind", "declared"),  # system kinds cannot be forged from the shell
        ("log", "x", "--kind", "phase"),
        ("list", "--bogus"),
        ("export", "--format", "xml"),
        ("doc", "novel"),
        ("--db",),
    ],
)
def test_usage_errors_exit_2(cli, db_path, args):
    result = cli(*args)
    assert result.code == 2, result.err
    assert "usage:" in result.err and "Traceback" not in result.err
    assert not db_path.exists()  # bad usage never creates the file


@pytest.mark.parametrize("args", [("log", "x"), ("list",), ("list", "--all"), ("export",), ("doc", "timeline")])
def test_missing_database_is_one_line(cli, db_path, args):
    result = cli(*args)
    assert_one_line_error(result, str(db_path), "declare")
    assert not db_path.exists()  # only `declare` creates a database


def test_a_real_process_passes_the_exit_status_and_streams(env, db_path, cli):
    """`python -m warroom`: 1, 2 and 0 reach the shell, errors on stderr, ids on stdout, and
    `log` reads a real pipe (the rest of the matrix runs in-process)."""
    assert_one_line_error(run_cli("log", "x", env=env), str(db_path), "declare")
    usage = run_cli("frobnicate", env=env)
    assert usage.code == 2 and "usage:" in usage.err and usage.stdout == b""
    assert cli("declare", "Checkout down").code == 0  # in this process: the setting
    logged = run_cli("log", env=env, input="from a pipe\n")
    assert logged.code == 0 and UUID_RE.match(logged.out.strip()) and logged.stderr == b"", logged.err
    assert [r[3] for r in _events(db_path) if r[0] == logged.out.strip()] == ["from a pipe"]


# ----- declare, log -----------------------------------------------------------------------


def test_declare_prints_id_and_creates_file(cli, db_path):
    result = cli("declare", "Checkout down", "--sev", "1")
    assert result.code == 0, result.err
    incident_id = result.out.strip()
    assert INCIDENT_RE.match(incident_id)
    kinds = [row[2] for row in _events(db_path, incident_id)]
    assert kinds[:3] == ["declared", "severity", "phase"]
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT severity, title FROM incidents").fetchone() == (1, "Checkout down")
    conn.close()


def test_declare_with_db_flag_beats_env(cli, tmp_path):
    other = tmp_path / "flag.db"
    result = cli("--db", str(other), "declare", "Elsewhere")
    assert result.code == 0, result.err
    assert other.exists()
    assert not (tmp_path / "war.db").exists()


def test_declare_default_location_is_the_data_folder(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("WARROOM_DB")  # no WARROOM_DB, no --db
    monkeypatch.setenv("WARROOM_DATA_DIR", str(tmp_path / "data-folder"))
    result = cli("declare", "Default place")
    assert result.code == 0, result.err
    assert (tmp_path / "data-folder" / "warroom.db").exists()


def test_declare_empty_title_is_refused(cli, db_path):
    result = cli("declare", "   ")
    assert_one_line_error(result, "title")


def test_log_text_prints_id_and_stores_it(cli, db_path, incident):
    result = cli("log", "rolled back v2.3.4", "--kind", "action")
    assert result.code == 0, result.err
    event_id = result.out.strip()
    assert UUID_RE.match(event_id)
    row = [r for r in _events(db_path) if r[0] == event_id]
    assert len(row) == 1
    _id, incident_id, kind, text, ts, author, data = row[0]
    assert (incident_id, kind, text, author) == (incident, "action", "rolled back v2.3.4", "dana")
    assert ts == "2026-03-10T14:55:00.000Z"
    assert json.loads(data) == {"source": "cli"}


@pytest.mark.parametrize("args", [("log", "-"), ("log",)])
def test_log_reads_stdin(cli, db_path, incident, args):
    result = cli(*args, input="line one\nline two\n")
    assert result.code == 0, result.err
    (row,) = [r for r in _events(db_path) if r[0] == result.out.strip()]
    assert row[3] == "line one\nline two"


@pytest.mark.parametrize("kind", ["note", "action", "decision", "change", "alert", "comms", "hypothesis"])
def test_log_every_user_kind(cli, db_path, incident, kind):
    result = cli("log", f"a {kind}", "--kind", kind)
    assert result.code == 0, result.err
    (row,) = [r for r in _events(db_path) if r[0] == result.out.strip()]
    assert row[2] == kind


@pytest.mark.parametrize(
    "at, stored",
    [
        ("14:30", "2026-03-10T14:30:00.000Z"),
        ("14:30:15", "2026-03-10T14:30:15.000Z"),
        ("-12m", "2026-03-10T14:43:00.000Z"),
        ("-1h30m", "2026-03-10T13:25:00.000Z"),
        ("23:50", "2026-03-09T23:50:00.000Z"),  # later than now: yesterday
        ("2026-03-10T12:00:00Z", "2026-03-10T12:00:00.000Z"),
    ],
)
def test_log_at(cli, db_path, incident, at, stored):
    assert _logged_at(cli, db_path, at) == stored


def _logged_at(cli, db_path, at: str) -> str:
    """Log an event `--at` this time; the time stored for it."""
    result = cli("log", "backdated", "--at", at)
    assert result.code == 0, result.err
    (row,) = [r for r in _events(db_path) if r[0] == result.out.strip()]
    return row[4]


@pytest.mark.parametrize(
    "now, at, stored",
    [
        # 2026-03-08, New York: 02:00 EST jumps to 03:00 EDT. Now is 14:55 EDT (18:55Z).
        ("2026-03-08T18:55:00Z", "14:30", "2026-03-08T18:30:00.000Z"),
        ("2026-03-08T18:55:00Z", "01:30", "2026-03-08T06:30:00.000Z"),  # EST, not 05:30Z
        ("2026-03-08T18:55:00Z", "23:00", "2026-03-08T04:00:00.000Z"),  # yesterday, EST
        ("2026-03-08T18:55:00Z", "-12h", "2026-03-08T06:55:00.000Z"),
        # 2026-11-01: 02:00 EDT goes back to 01:00 EST. Now is 14:55 EST (19:55Z).
        ("2026-11-01T19:55:00Z", "00:30", "2026-11-01T04:30:00.000Z"),  # EDT, not 05:30Z
        ("2026-11-01T19:55:00Z", "2026-11-01T01:30-04:00", "2026-11-01T05:30:00.000Z"),
    ],
)
def test_log_at_in_new_york_across_dst(cli, db_path, now, at, stored):
    cli.env(WARROOM_NOW=now, TZ="America/New_York")
    assert cli("declare", "x").code == 0
    assert _logged_at(cli, db_path, at) == stored


@pytest.mark.parametrize(
    "now, at, needle",
    [("2026-03-08T18:55:00Z", "02:30", "did not happen"), ("2026-11-01T19:55:00Z", "01:30", "-05:00")],
)
def test_log_at_refuses_a_skipped_or_repeated_local_time(cli, db_path, now, at, needle):
    cli.env(WARROOM_NOW=now, TZ="America/New_York")
    assert cli("declare", "x").code == 0
    before = len(_events(db_path))
    assert_one_line_error(cli("log", "backdated", "--at", at), needle, "nothing was logged", code=2)
    assert len(_events(db_path)) == before


def test_log_incident_by_full_id_and_suffix(cli, db_path, incident):
    second = cli("declare", "Second").out.strip()
    assert second != incident
    # Without --incident: the most recently declared open one.
    latest = cli("log", "to latest")
    by_full = cli("log", "to first", "--incident", incident)
    by_suffix = cli("log", "to first again", "--incident", incident[-4:].upper())
    for r in (latest, by_full, by_suffix):
        assert r.code == 0, r.err
    rows = {r[0]: r[1] for r in _events(db_path)}
    assert rows[latest.out.strip()] == second
    assert rows[by_full.out.strip()] == incident
    assert rows[by_suffix.out.strip()] == incident
    # Two open: the one without --incident says where it went, and which others are open (a
    # deploy hook's line may belong to the SEV-1 declared first); the named ones say nothing.
    assert latest.err == (
        f"warroom: 2 incidents are open; logged to {second}, the latest declared (also open: {incident}); "
        "--incident ID names one\n"
    )
    assert by_full.err == by_suffix.err == ""


def test_log_with_one_incident_open_says_nothing(cli, incident):
    result = cli("log", "deploy v2")
    assert result.code == 0 and result.err == ""


def test_log_unknown_and_ambiguous_incident(cli, db_path, incident):
    cli("declare", "Second")
    before = len(_events(db_path))
    unknown = cli("log", "x", "--incident", "zzzzzz")
    assert_one_line_error(unknown, "zzzzzz", str(db_path))
    ambiguous = cli("log", "x", "--incident", "INC-")  # a prefix is not a suffix
    assert ambiguous.code == 1
    both = cli("log", "x", "--incident", "%")  # LIKE wildcards are taken literally
    assert_one_line_error(both, "'%'")
    assert len(_events(db_path)) == before


def test_log_without_any_incident(cli, db_path):
    from warroom.core import db

    db.prepare(db_path)  # an empty warroom file
    result = cli("log", "x")
    assert_one_line_error(result, "no open incident", str(db_path))


def test_log_into_a_resolved_incident_keeps_the_event(cli, db_path):
    """An alert hook firing after the incident was resolved: kept, marked, exit 0, a warning."""
    incident = asyncio.run(_declare_and_resolve(db_path))
    result = cli("log", "--kind", "alert", "5xx again")
    assert result.code == 0, result.err
    assert f"{incident} is resolved" in result.err and result.err.count("\n") == 1
    conn = sqlite3.connect(db_path)
    try:
        (data,) = conn.execute("SELECT data FROM events WHERE text = '5xx again'").fetchone()
    finally:
        conn.close()
    assert json.loads(data)["after_resolution"] is True


async def _declare_and_resolve(db_path, title="Old one"):
    store = await Store.open(db_path)
    try:
        incident = await store.declare(title, 3, "dana", first_phase="assess")
        await store.resolve(incident.id, "dana")
        return incident.id
    finally:
        await store.close()


# ----- list ---------------------------------------------------------------------------------


def test_list_open_and_all(cli, db_path, incident):
    resolved = asyncio.run(_declare_and_resolve(db_path))
    open_only = cli("list")
    assert open_only.code == 0, open_only.err
    assert incident in open_only.out and resolved not in open_only.out
    assert "SEV-1" in open_only.out and "Checkout down" in open_only.out
    everything = cli("list", "--all")
    assert incident in everything.out and resolved in everything.out
    data = json.loads(cli("list", "--all", "--json").out)
    assert {d["id"]: d["status"] for d in data} == {incident: "open", resolved: "resolved"}
    assert {d["id"] for d in json.loads(cli("list", "--json").out)} == {incident}


def test_list_empty_database(cli, db_path):
    asyncio.run(_declare_and_resolve(db_path))
    result = cli("list")
    assert result.code == 0 and result.out.strip() == "no open incidents"
    assert json.loads(cli("list", "--json").out) == []


# ----- export -------------------------------------------------------------------------------


async def _lived_in(db_path, incident_id):
    store = await Store.open(db_path)
    try:
        await store.set_severity(incident_id, 2, "dana", "contained")
        await store.set_phase(incident_id, "contain", "dana")
        await store.tick(incident_id, "assess", "declare", "Declare the incident", True, "dana")
    finally:
        await store.close()


def test_export_json_is_the_whole_incident(cli, db_path, incident, tmp_path):
    logged = cli("log", "deploy v2.3.4", "--kind", "change", "--at", "-20m").out.strip()
    asyncio.run(_lived_in(db_path, incident))
    result = cli("export", "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["format"] == "warroom-incident"
    assert data["incident"]["id"] == incident and data["incident"]["severity"] == 2
    events = {e["id"]: e for e in data["events"]}
    assert events[logged]["text"] == "deploy v2.3.4" and events[logged]["kind"] == "change"
    assert [e["ts"] for e in data["events"]] == sorted(e["ts"] for e in data["events"])
    assert [p["phase"] for p in data["phases"]] == ["assess", "contain"]
    assert [(s["old"], s["new"]) for s in data["severity_history"]] == [(None, 1), (1, 2)]
    assert [(m["item"], m["done"]) for m in data["checklist"]] == [("declare", True)]
    assert data["event_count"] == len(_events(db_path, incident))
    # -o FILE writes the same document and says where on stderr.
    out = tmp_path / "incident.json"
    to_file = cli("export", "--incident", incident, "-o", str(out))
    assert to_file.code == 0 and to_file.stdout == b""
    assert str(out) in to_file.err
    assert json.loads(out.read_text("utf-8")) == data


def test_export_to_unwritable_path_is_one_line(cli, db_path, incident, tmp_path):
    result = cli("export", "-o", str(tmp_path))  # a folder
    assert_one_line_error(result, str(tmp_path))


# ----- kinds, pipes ---------------------------------------------------------------------------


def test_one_list_of_user_kinds():
    """The CLI's --kind choices, the models and the entry-line prefixes share one tuple."""
    from warroom import cli
    from warroom.core import kinds, models
    from warroom.core.entry import KIND_PREFIXES

    assert cli.USER_KINDS == models.USER_KINDS and models.USER_KINDS is kinds.USER_KINDS
    assert all(type(k) is str for k in cli.USER_KINDS)  # cli's own copy: `warroom log` imports no kinds
    (log,) = [a for a in cli._parser()._subparsers._group_actions[0].choices["log"]._actions if a.dest == "kind"]
    assert tuple(log.choices) == kinds.USER_KINDS
    assert set(KIND_PREFIXES.values()) == set(kinds.USER_KINDS)


def _spawn_into_closed_pipe(env, *args):
    """Run the CLI with a stdout pipe whose reader has already gone (as after `| head`)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "warroom", *args],
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=env,
            timeout=60,
        )
    finally:
        os.close(write_end)
    return proc


@pytest.mark.parametrize("args", [("export",), ("list",), ("list", "--json"), ("log", "piped")])
def test_closed_pipe_is_quiet(env, incident, args):
    proc = _spawn_into_closed_pipe(env, *args)
    assert proc.stderr == b"", proc.stderr.decode()
    assert proc.returncode == 141  # 128 + SIGPIPE, as `cat` reports it


def test_export_into_head_gives_no_traceback(env, db_path, incident):
    # Enough events that the export is far bigger than a pipe buffer.
    from warroom.core.demo import add_bulk_events
    from warroom.core.timeutil import parse_iso

    add_bulk_events(db_path, incident, parse_iso("2026-03-10T12:00:00Z"), parse_iso(NOW), 3000)
    proc = subprocess.run(
        f"'{sys.executable}' -m warroom export | head -c 10",
        shell=True,
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0
    assert len(proc.stdout) == 10
    assert proc.stderr == b"", proc.stderr.decode()


@pytest.mark.parametrize("suffix", ["", "-wal"])
def test_export_never_overwrites_the_database(cli, db_path, incident, suffix):
    """`export -o` pointed at the database (or its WAL) is refused; the incident survives."""
    target = db_path.parent / f"{db_path.name}{suffix}"
    if suffix:
        target.write_bytes(b"")  # as while another war room has the file open
    alias = db_path.parent / "link-to-db"
    alias.symlink_to(target)
    for output in (target, alias):
        before = db_path.read_bytes()
        result = cli("export", "-o", str(output))
        assert_one_line_error(result, str(output), "database")
        assert db_path.read_bytes() == before
    if suffix:
        target.unlink()
    assert incident in cli("list").out


def test_resolve_and_reopen(cli, db_path, incident):
    done = cli("resolve")
    assert done.code == 0, done.err
    assert done.out.strip() == f"{incident} resolved"
    again = cli("resolve", "--incident", incident)
    assert again.code == 1 and "already resolved" in again.err
    assert cli("list").out.strip() == "no open incidents"
    reopened = cli("resolve", "--reopen", "--incident", incident[-4:])
    assert reopened.code == 0, reopened.err
    kinds = [e[2] for e in _events(db_path, incident)]
    # Resolving moved it to Postmortem; reopening took it back (the fire is back).
    assert kinds[-4:] == ["resolved", "phase", "reopened", "phase"]
    assert incident in cli("list").out


# ----- demo --------------------------------------------------------------------------------


def test_demo_saves_no_empty_handoff_draft(cli, tmp_path):
    """An empty saved draft would stop the war room prefilling the handoff pane from the
    template (a saved draft, even '', counts as the commander's words)."""
    path = tmp_path / "demo.db"
    result = cli("--db", str(path), "demo", "--no-tui")
    assert result.code == 0, result.err
    assert result.out.strip() == str(path)
    conn = sqlite3.connect(path)
    try:
        handoff = conn.execute("SELECT text FROM texts WHERE name = 'handoff'").fetchall()
        drafts = conn.execute("SELECT count(*) FROM texts WHERE name LIKE 'postmortem.%' AND text != ''").fetchone()
    finally:
        conn.close()
    assert handoff == []
    assert drafts[0] > 0  # the demo's other drafts are still there


def test_read_commands_open_read_only_and_leave_later_opens_writable(cli, db_path):
    from warroom.core import db

    assert cli("declare", "Checkout down").code == 0
    for command in (("list",), ("doc", "status"), ("export",), ("actions",), ("stats",)):
        assert cli(*command).code == 0, command
    # Read-only is a parameter of the open, not a mode of the process: a write after a read works.
    assert cli("log", "still writable").code == 0
    conn = db.open_db(db_path)
    try:
        assert conn.execute("PRAGMA query_only").fetchone()[0] == 0
    finally:
        conn.close()
    reader = db.open_db(db_path, create=False, read_only=True)
    try:
        with pytest.raises(sqlite3.OperationalError):
            reader.execute("DELETE FROM events")
    finally:
        reader.close()


@pytest.mark.parametrize(
    "args, said",
    [
        (("--playbok", "team.toml"), "unknown option --playbok (did you mean --playbook?)"),
        (("--playbok=team.toml", "list"), "unknown option --playbok (did you mean --playbook?)"),
        (("--db", "w.db", "--sever", "postgresql://h/db"), "unknown option --sever (did you mean --server?)"),
        (("--frobnicate",), "unknown option --frobnicate (warroom --help lists them)"),
    ],
)
def test_a_misspelt_option_before_the_command_is_named(cli, db_path, args, said):
    """argparse took the misspelt option's value for the command: "invalid choice: 'team.toml'"."""
    result = cli(*args)
    assert result.code == 2 and result.err == f"warroom: {said}\n"
    assert not db_path.exists()


def test_an_abbreviated_option_still_reads_as_argparse_reads_it(cli, db_path, tmp_path):
    assert cli("declare", "Checkout down").code == 0
    assert cli("--db", str(db_path), "--play", str(tmp_path / "missing.toml"), "list").code == 0  # --playbook


def test_the_global_options_may_follow_the_command(cli, tmp_path):
    """`warroom demo --no-tui --db x.db` as `warroom --db x.db demo --no-tui` (a walker's
    first command was refused: 'unrecognized arguments: --db')."""
    path = tmp_path / "after.db"
    result = cli("demo", "--no-tui", "--db", str(path))
    assert result.code == 0, result.err
    assert result.out.strip() == str(path)
    assert "Checkout failing" in cli("list", "--db", str(path)).out
    logged = cli("log", "rolled back", "--db", str(path))
    assert logged.code == 0, logged.err
    texts = [row[0] for row in sqlite3.connect(path).execute("SELECT text FROM events WHERE text = 'rolled back'")]
    assert texts == ["rolled back"]
