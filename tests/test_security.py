"""Security: private file modes, no network, nothing written outside what the user chose."""

from __future__ import annotations

import asyncio
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_proc import isolated_env, run_cli, wait_for_row

from warroom.core.store import Store

# Loaded by every child through PYTHONPATH: any attempt to reach the network is reported
# on stderr and fails, so a swallowed exception still shows up.
NO_NETWORK = """
import socket, sys

def _refuse(*args, **kwargs):
    sys.stderr.write("NETWORK ATTEMPT %r\\n" % (args[1:] if args else ()))
    sys.stderr.flush()
    raise OSError("network disabled by the warroom test suite")

for _name in ("connect", "connect_ex", "sendto", "sendmsg"):
    setattr(socket.socket, _name, _refuse)
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
socket.gethostbyname = _refuse
"""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir())


def _home_files(home: Path) -> list[str]:
    """What a child wrote in its HOME (isolated_env: every user folder is in there), leaving out
    what warroom keeps there on purpose, its caches in the data folder (the validated playbooks,
    cache/playbook-<key>.pickle, and Textual's parsed style sheets, cache/textual-css.pickle),
    which must be private."""
    cache = home / "warroom-data" / "cache"
    kept = sorted([*cache.glob("playbook-*.pickle"), *cache.glob("textual-css.pickle")])
    for path in kept:
        assert _mode(path) == 0o600 and _mode(cache) == 0o700, path
    return [name for name in _files(home) if home / name not in kept]


@pytest.fixture
def no_network(tmp_path) -> Path:
    folder = tmp_path / "sitecustomize"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(NO_NETWORK)
    return folder


def test_database_0600_and_created_folders_0700_whatever_the_umask(tmp_path):
    existing = tmp_path / "existing"
    existing.mkdir(mode=0o755)
    path = existing / "new" / "deeper" / "war.db"
    env = isolated_env(tmp_path / "home", path)
    proc = subprocess.run(
        [
            "sh",
            "-c",
            f'umask 000; "{sys.executable}" -m warroom declare Leak && "{sys.executable}" -c "'
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA journal_mode=WAL');"
            "c.execute('SELECT count(*) FROM events').fetchall();"
            "import os; print(oct(os.stat(sys.argv[1] + '-wal').st_mode & 0o777),"
            " oct(os.stat(sys.argv[1] + '-shm').st_mode & 0o777))\" " + f'"{path}"',
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert _mode(path) == 0o600
    assert proc.stdout.split()[-2:] == ["0o600", "0o600"]  # SQLite gives its -wal/-shm the file's mode
    assert _mode(existing / "new") == 0o700
    assert _mode(existing / "new" / "deeper") == 0o700
    assert _mode(existing) == 0o755  # a folder we did not create is left alone


async def test_store_open_creates_private_file(tmp_path):
    path = tmp_path / "made" / "by" / "tui.db"
    store = await Store.open(path)
    await store.close()
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700 and _mode(path.parent.parent) == 0o700


def test_existing_file_mode_is_kept(tmp_path):
    path = tmp_path / "shared.db"
    asyncio.run(_declare(path))
    path.chmod(0o640)  # the user chose this; warroom does not fight it
    env = isolated_env(tmp_path / "home", path)
    assert run_cli("log", "x", env=env).code == 0
    assert _mode(path) == 0o640


async def _declare(path: Path) -> str:
    store = await Store.open(path)
    try:
        return (await store.declare("Checkout down", 1, "dana", first_phase="assess")).id
    finally:
        await store.close()


@pytest.fixture
def refuse_network(monkeypatch) -> list[tuple]:
    """NO_NETWORK in this process: every attempt is recorded (and fails)."""
    import socket

    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args[1:] if args else ())
        raise OSError("network disabled by the warroom test suite")

    for name in ("connect", "connect_ex", "sendto", "sendmsg"):
        monkeypatch.setattr(socket.socket, name, refuse)
    for name in ("create_connection", "getaddrinfo", "gethostbyname"):
        monkeypatch.setattr(socket, name, refuse)
    return attempts


def test_no_network_and_nothing_written_outside(tmp_path, no_network, cli, refuse_network, monkeypatch):
    """Every shell command, with network calls made to fail: in this process (its user
    folders, TMPDIR and cwd pointed into tmp_path), and the first and a reading one in a child,
    where the guard comes in through sitecustomize before anything is imported."""
    import tempfile

    home = tmp_path / "home"
    work = tmp_path / "work"
    cwd = tmp_path / "cwd"
    scratch = tmp_path / "tmp"
    for folder in (work, cwd, scratch):
        folder.mkdir()
    path = work / "war.db"
    out = work / "incident.json"
    env = isolated_env(home, path, PYTHONPATH=str(no_network), TMPDIR=str(scratch))

    # The guard works: a child that tries to connect is caught.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import socket\ntry:\n socket.create_connection(('127.0.0.1', 9))\nexcept OSError: pass",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert "NETWORK ATTEMPT" in probe.stderr

    children = [("declare", "Checkout down", "--sev", "1"), ("doc", "status")]
    commands = [
        ("log", "rolled back", "--kind", "action"),
        ("log", "-"),
        ("log", "backdated", "--at", "-5m"),
        ("list",),
        ("list", "--all", "--json"),
        ("export",),
        ("export", "--format", "json", "-o", str(out)),
        ("doc", "timeline"),
        ("doc", "handoff"),
        ("--version",),
        ("--help",),
    ]
    result = run_cli(*children[0], env=env, cwd=cwd, input="from stdin")
    assert result.code == 0 and "NETWORK" not in result.err, result.err
    for name, value in env.items():
        if name.startswith(("HOME", "XDG_", "WARROOM_", "TMPDIR")):
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("WARROOM_NOW")  # the real clock, as the children have
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    monkeypatch.chdir(cwd)
    for args in commands:
        result = cli(*args, input="from stdin")
        assert result.code == 0, (args, result.err)
    assert refuse_network == []
    result = run_cli(*children[1], env=env, cwd=cwd)
    assert result.code == 0 and "NETWORK" not in result.err, result.err
    assert json.loads(out.read_text())["incident"]["title"] == "Checkout down"

    # Only the database and the export asked for; nothing in HOME, XDG folders, TMPDIR or cwd.
    assert _files(work) == ["incident.json", "war.db"]
    assert _home_files(home) == []
    assert _files(scratch) == []
    assert _files(cwd) == []


def test_demo_writes_only_its_scratch_database(tmp_path, no_network):
    home = tmp_path / "home"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = isolated_env(home, None, PYTHONPATH=str(no_network), TMPDIR=str(scratch))
    result = run_cli("demo", "--no-tui", env=env, cwd=scratch)
    assert result.code == 0, result.err
    assert "NETWORK" not in result.err
    demo_db = Path(result.out.strip())
    assert demo_db.is_relative_to(scratch)
    assert _files(scratch) == [str(demo_db.relative_to(scratch))]
    assert _mode(demo_db) == 0o600 and _mode(demo_db.parent) == 0o700
    assert _home_files(home) == []


@pytest.mark.slow  # the war room in a real terminal
def test_war_room_without_network_writes_only_its_database(tmp_path, no_network):
    """The TUI itself, on a pseudo-terminal with network calls made to fail: declare nothing,
    log an entry, quit; no network attempt, nothing written beside the database."""
    from helpers_proc import PtyApp

    home = tmp_path / "home"
    work = tmp_path / "work"
    scratch = tmp_path / "tmp"
    work.mkdir()
    scratch.mkdir()
    path = work / "war.db"
    asyncio.run(_declare(path))
    env = isolated_env(home, path, PYTHONPATH=str(no_network), TMPDIR=str(scratch))
    app = PtyApp("--db", str(path), env=env)
    try:
        assert app.wait_for("since start")
        app.press_until("l", "backdates")
        app.type("offline-0044 check\r")
        wait_for_row(path, "offline-0044 check")
        app.type("\x11")  # ctrl+q
        assert app.proc.wait(timeout=30) == 0
    finally:
        app.kill()
    assert "NETWORK" not in app.screen_text()
    assert _files(work) == ["war.db"]
    assert _home_files(home) == []
    assert _files(scratch) == []


# ----- append-only for every client ---------------------------------------------------------

_COLUMNS = "id, incident_id, ts, recorded_at, kind, text, author"


def _events(path: Path) -> list[tuple]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT seq, id, text FROM events ORDER BY seq").fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize(
    "statement",
    [
        # The same id: REPLACE used to delete the original and insert the new text.
        f"INSERT OR REPLACE INTO events ({_COLUMNS}) SELECT id, incident_id, ts, recorded_at, kind, 'REWRITTEN',"
        " author FROM events WHERE kind = 'declared'",
        f"REPLACE INTO events ({_COLUMNS}) SELECT id, incident_id, ts, recorded_at, kind, 'REWRITTEN', author"
        " FROM events WHERE kind = 'declared'",
        # A new id on an existing seq: REPLACE used to delete the row holding that seq.
        f"INSERT OR REPLACE INTO events (seq, {_COLUMNS}) SELECT seq, 'new-id', incident_id, ts, recorded_at, kind,"
        " 'REWRITTEN', author FROM events WHERE kind = 'declared'",
        # An upsert is an update in disguise.
        f"INSERT INTO events ({_COLUMNS}) SELECT id, incident_id, ts, recorded_at, kind, 'REWRITTEN', author"
        " FROM events WHERE kind = 'declared' ON CONFLICT(id) DO UPDATE SET text = excluded.text",
    ],
)
def test_replace_cannot_rewrite_an_event(tmp_path, statement):
    import sqlite3

    path = tmp_path / "war.db"
    asyncio.run(_declare(path))
    before = _events(path)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(statement)  # skipped, not an error: the row it would replace is there
    finally:
        conn.close()
    assert _events(path) == before
    assert "REWRITTEN" not in json.dumps(_events(path))


def test_sqlite3_shell_cannot_rewrite_delete_or_update(tmp_path):
    import shutil

    shell = shutil.which("sqlite3")
    if shell is None:
        pytest.skip("no sqlite3 shell here")
    path = tmp_path / "war.db"
    asyncio.run(_declare(path))
    before = _events(path)
    first = before[0]
    replace = subprocess.run(
        [
            shell,
            str(path),
            f"INSERT OR REPLACE INTO events (seq, {_COLUMNS}) VALUES"
            f" ({first[0]}, 'evil', (SELECT id FROM incidents), 'x', 'x', 'note', 'REWRITTEN', 'eve');",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert replace.returncode == 0, replace.stderr
    for statement in ("DELETE FROM events;", "UPDATE events SET text = 'REWRITTEN';"):
        refused = subprocess.run([shell, str(path), statement], capture_output=True, text=True, timeout=30)
        assert refused.returncode != 0 and "append-only" in refused.stderr
    assert _events(path) == before


def test_insert_or_ignore_of_a_known_id_stays_a_silent_no_op(tmp_path):
    import sqlite3

    from warroom.core import schema

    path = tmp_path / "war.db"
    asyncio.run(_declare(path))
    before = _events(path)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        seq, event_id, _ = before[-1]
        incident = conn.execute("SELECT id FROM incidents").fetchone()[0]
        params = schema.event_params(
            id=event_id,
            incident_id=incident,
            ts="2026-01-01T00:00:00.000Z",
            recorded_at="2026-01-01T00:00:00.000Z",
            kind="note",
            text="retried",
            author="dana",
        )
        assert conn.execute(schema.INSERT_EVENT, params).rowcount == 0
        # A new id still gets the next seq (the trigger sees seq -1 for "SQLite picks").
        conn.execute(schema.INSERT_EVENT, {**params, "id": "fresh"})
        # Nobody may choose a seq below 1: it would collide with "SQLite picks" above.
        for bad in (-1, 0):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(
                    f"INSERT INTO events (seq, {_COLUMNS}) VALUES (?, ?, ?, 'x', 'x', 'note', 'x', 'eve')",
                    (bad, f"bad{bad}", incident),
                )
        hits = conn.execute("SELECT rowid FROM events_fts WHERE events_fts MATCH 'retried'").fetchall()
    finally:
        conn.close()
    assert _events(path) == [*before, (seq + 1, "fresh", "retried")]
    assert hits == [(seq + 1,)]  # the skipped insert left nothing in the search index


# ----- every folder warroom creates is 0700, whatever the umask ------------------------------

_UMASK_000_CHILD = """
import os, sys
from pathlib import Path
os.umask(0)
from warroom.core.clipboard import write_fallback
print(write_fallback("copied", "INC-1-status", Path(sys.argv[1])))
"""


def test_clipboard_fallback_folders_are_0700_under_umask_000(tmp_path):
    folder = tmp_path / "existing" / "data" / "deeper" / "clipboard"
    (tmp_path / "existing").mkdir(mode=0o755)
    proc = subprocess.run(
        [sys.executable, "-c", _UMASK_000_CHILD, str(folder)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert _mode(Path(proc.stdout.strip())) == 0o600
    for level in (folder, folder.parent, folder.parent.parent):
        assert _mode(level) == 0o700, level
    assert _mode(tmp_path / "existing") == 0o755  # not ours: left alone


def test_new_data_dir_is_0700_under_umask_000(tmp_path):
    data = tmp_path / "new" / "warroom-data"
    env = isolated_env(tmp_path / "home", WARROOM_DATA_DIR=str(data))  # the default database inside it
    proc = subprocess.run(
        ["sh", "-c", f'umask 000; "{sys.executable}" -m warroom declare Private'],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert _mode(data / "warroom.db") == 0o600
    assert _mode(data) == 0o700 and _mode(data.parent) == 0o700
    made = [p for p in data.rglob("*") if p.is_dir()]
    assert all(_mode(p) == 0o700 for p in made), [(p, oct(_mode(p))) for p in made]
