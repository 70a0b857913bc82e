"""Bad database files: each gets one line naming the file and what to do, and is never modified.

Every CLI command (and `warroom` alone, which checks the file with db.prepare before the
screen starts) is run in a subprocess on each kind of bad file; Store.open and db.prepare,
what the TUI calls, are checked in-process. Read-only files, unwritable folders and full
disks are real when this runs as root with `mount` (a read-only bind mount, a tiny tmpfs);
tests run as root, so chmod alone would not stop a write. Without mount those cases are
skipped and the simulated versions (os.access, a failing write in the store) still run.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import sqlite3
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers_proc import assert_one_line_error, isolated_env, run_cli

from warroom.commands.room import NO_TERMINAL
from warroom.core import db, filecheck, schema, sql
from warroom.core.errors import DatabaseError
from warroom.core.store import Store

COMMANDS = {
    "declare": ("declare", "Another outage"),
    "log": ("log", "hello"),
    "list": ("list",),
    "export": ("export",),
    "doc": ("doc", "timeline"),
    "tui": (),  # `warroom` alone: db.prepare refuses the file before the screen exists
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(name: str, path: Path, cli):
    """One command on `path`, in this process (the `cli` fixture)."""
    return cli("--db", str(path), *COMMANDS[name])


async def _make_warroom_db(path: Path, events: int = 300) -> str:
    store = await Store.open(path)
    try:
        incident = await store.declare("Checkout down", 1, "dana", first_phase="assess")
        for n in range(events):
            await store.append(incident.id, "note", f"event {n} " + "x" * 200, "dana")
        await store.save_text(incident.id, "handoff", "draft")
        return incident.id
    finally:
        await store.close()


@pytest.fixture(scope="module")
def good_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("good") / "good.db"
    asyncio.run(_make_warroom_db(path))
    assert not Path(f"{path}-wal").exists()  # closed cleanly: everything is in the main file
    return path


@pytest.fixture(autouse=True)
def _no_screen(monkeypatch):
    """`warroom` alone runs in this process: a file that gets past the checks fails the test
    instead of opening the screen."""

    def screen(*args, **kwargs):
        raise AssertionError("the war room would have opened on this file")

    monkeypatch.setattr("warroom.tui.app.run", screen)


@pytest.fixture
def env(tmp_path):
    """For the tests that need a real child process."""
    return isolated_env(tmp_path / "home")


def _text_file(folder: Path, good: Path) -> Path:
    path = folder / "notes.db"
    path.write_text("these are my notes, not a database\n")
    return path


def _truncated(folder: Path, good: Path) -> Path:
    path = folder / "truncated.db"
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def _garbage_pages(folder: Path, good: Path) -> Path:
    """A valid header and first page, then garbage where the tables' pages were."""
    path = folder / "garbage.db"
    data = bytearray(good.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for i in range(page, len(data)):
        data[i] = (i * 131 + 7) % 256
    path.write_bytes(bytes(data))
    return path


def _bad_header(folder: Path, good: Path) -> Path:
    """The SQLite magic, then a header that makes no sense."""
    path = folder / "header.db"
    data = bytearray(good.read_bytes())
    data[16:100] = bytes(range(84))
    path.write_bytes(bytes(data))
    return path


def _other_app(folder: Path, good: Path) -> Path:
    path = folder / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT, stars INTEGER)")
    conn.execute("INSERT INTO recipes VALUES ('soup', 5)")
    conn.commit()
    conn.close()
    return path


def _newer(folder: Path, good: Path) -> Path:
    path = folder / "newer.db"
    shutil.copy(good, path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.close()
    return path


BAD_FILES = {
    "text": (_text_file, "not a warroom database"),
    "truncated": (_truncated, "damaged"),
    "garbage": (_garbage_pages, "damaged"),
    "header": (_bad_header, "damaged"),
    "other-app": (_other_app, "another application"),
    "newer": (_newer, "upgrade warroom"),
}


def _empty(folder: Path, good: Path) -> Path:
    path = folder / "empty.db"
    path.write_bytes(b"")
    path.chmod(0o644)
    return path


def _sqlite_file(path: Path, *pragmas: str, table: bool = False) -> Path:
    conn = sqlite3.connect(path)
    for pragma in pragmas:
        conn.execute(pragma)
    if table:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.execute("VACUUM")  # written out: a header page even with no table
    conn.close()
    return path


def _foreign_id_no_tables(folder: Path, good: Path) -> Path:
    return _sqlite_file(folder / "foreign-id.db", "PRAGMA application_id = 305419896")


def _foreign_version_no_tables(folder: Path, good: Path) -> Path:
    return _sqlite_file(folder / "foreign-version.db", "PRAGMA user_version = 7")


def _empty_sqlite(folder: Path, good: Path) -> Path:
    return _sqlite_file(folder / "empty-sqlite.db", "PRAGMA page_size = 4096")


def _foreign_id_high_version(folder: Path, good: Path) -> Path:
    return _sqlite_file(
        folder / "foreign-high.db", "PRAGMA application_id = 1179010630", "PRAGMA user_version = 99", table=True
    )


def _missing_table(folder: Path, good: Path) -> Path:
    path = folder / "missing.db"
    shutil.copy(good, path)
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE incidents")
    conn.commit()
    conn.close()
    assert not Path(f"{path}-wal").exists()
    return path


BAD_FILES.update(
    {
        "empty": (_empty, "empty file (0 bytes)"),
        "foreign-id": (_foreign_id_no_tables, "another application's SQLite file (application_id 0x12345678)"),
        "foreign-version": (_foreign_version_no_tables, "another application's SQLite file"),
        "empty-sqlite": (_empty_sqlite, "empty SQLite database"),
        "foreign-high": (_foreign_id_high_version, "another application's SQLite file (application_id 0x46464646)"),
        "missing-table": (_missing_table, "damaged (its table incidents is missing)"),
    }
)


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_file_every_command(tmp_path, good_db, cli, kind, command):
    make, needle = BAD_FILES[kind]
    folder = tmp_path / "files"
    folder.mkdir()
    path = make(folder, good_db)
    before = _digest(path)
    result = _run(command, path, cli)
    assert_one_line_error(result, str(path), needle)
    assert _digest(path) == before  # never modified, never "repaired"
    assert sorted(p.name for p in folder.iterdir()) == [path.name]  # no journal left beside it


def test_bad_file_in_a_real_process(tmp_path, good_db, env):
    """`warroom` alone in a child, as a user runs it: one line and exit 1 through the OS,
    before the screen takes over the terminal."""
    folder = tmp_path / "files"
    folder.mkdir()
    path = _garbage_pages(folder, good_db)
    before = _digest(path)
    result = run_cli("--db", str(path), env=env, timeout=30)
    assert_one_line_error(result, str(path), BAD_FILES["garbage"][1])
    assert _digest(path) == before
    assert sorted(p.name for p in folder.iterdir()) == [path.name]


@pytest.mark.parametrize("kind", list(BAD_FILES))
async def test_bad_file_store_open_and_prepare(tmp_path, good_db, kind):
    make, needle = BAD_FILES[kind]
    path = make(tmp_path, good_db)
    before = _digest(path)
    for opener in (lambda: db.prepare(path), lambda: Store.open(path)):
        with pytest.raises(DatabaseError) as info:
            result = opener()
            if asyncio.iscoroutine(result):
                await result
        message = str(info.value)
        assert str(path) in message and needle in message and "\n" not in message
    assert _digest(path) == before


def test_folder_instead_of_file(tmp_path, cli):
    for command in COMMANDS:
        if command == "doc":
            continue
        assert_one_line_error(_run(command, tmp_path, cli), str(tmp_path), "folder")
    with pytest.raises(DatabaseError, match="folder"):
        db.prepare(tmp_path)


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "doc"])
def test_special_files_are_refused_without_hanging(tmp_path, cli, command):
    import os

    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/null")):
        assert_one_line_error(_run(command, path, cli), str(path), "not a regular file")


def test_parent_is_a_file(tmp_path, cli):
    blocker = tmp_path / "plain"
    blocker.write_text("x")
    result = _run("declare", blocker / "war.db", cli)
    assert_one_line_error(result, str(blocker / "war.db"), "--db")
    assert blocker.read_text() == "x"


# ----- an older warroom's file ------------------------------------------------------------


def _first_schema_file(path: Path) -> tuple[str, list[str]]:
    """A file exactly as the first schema (MIGRATIONS[0]) left it, with rows in every table."""
    conn = sqlite3.connect(path)
    conn.executescript(schema.MIGRATIONS[0])
    conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("PRAGMA journal_mode = WAL")
    incident = "INC-20260310-old1"
    conn.execute(
        "INSERT INTO incidents (id, title, severity, phase, commander, declared_at)"
        " VALUES (?, 'Old outage', 2, 'assess', 'dana', '2026-03-10T14:00:00.000Z')",
        (incident,),
    )
    ids = []
    for n, (kind, text) in enumerate(
        [("declared", "Incident declared: Old outage"), ("note", "gateway timeouts"), ("action", "rolled back")]
    ):
        event_id = str(uuid.uuid4())
        ids.append(event_id)
        conn.execute(
            "INSERT INTO events (id, incident_id, ts, recorded_at, kind, text, author)"
            " VALUES (?, ?, ?, ?, ?, ?, 'dana')",
            (event_id, incident, f"2026-03-10T14:0{n}:00.000Z", f"2026-03-10T14:0{n}:00.000Z", kind, text),
        )
    conn.execute(
        "INSERT INTO temp_fixes (id, incident_id, what, added_at, added_by)"
        " VALUES ('fix1', ?, 'pinned v2.3.3', '2026-03-10T14:03:00.000Z', 'dana')",
        (incident,),
    )
    conn.execute(
        "INSERT INTO action_items (id, incident_id, action, created_at)"
        " VALUES ('ai1', ?, 'add a canary', '2026-03-10T14:04:00.000Z')",
        (incident,),
    )
    conn.execute(
        "INSERT INTO texts (incident_id, name, text, updated_at) VALUES (?, 'handoff', 'old draft', ?)",
        (incident, "2026-03-10T14:05:00.000Z"),
    )
    conn.commit()
    conn.close()
    return incident, ids


def _all_rows(path: Path) -> dict[str, list]:
    """Every row of the tables the file has (schema 4 turned the side tables into events)."""
    conn = sqlite3.connect(path)
    try:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        wanted = [t for t in ("incidents", "events", "temp_fixes", "action_items", "texts") if t in tables]
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall() for table in wanted}
    finally:
        conn.close()


async def test_older_file_migrates_and_keeps_every_row(tmp_path):
    path = tmp_path / "old.db"
    incident, ids = _first_schema_file(path)
    before = _all_rows(path)
    store = await Store.open(path, create=False)
    try:
        found = await store.search(incident, "gateway")  # the FTS index of migration 2 holds old rows
        state = await store.load_state(incident)
        fixes = await store.temp_fixes(incident)
        new = await store.append(incident, "note", "after the upgrade", "dana")
    finally:
        await store.close()
    assert [e.id for e in found] == [ids[1]]
    # The timeline: every old event, and the old temporary fix, now told by an event of its own.
    assert [e.id for e in state.events] == [*ids, "legacy-fix-fix1"]
    assert state.handoff_draft == "old draft" and [f.what for f in fixes] == ["pinned v2.3.3"]
    after = _all_rows(path)
    # Every old event keeps its columns (schema 4 adds hlc, host, origin, pos after them).
    assert [row[: len(before["events"][0])] for row in after["events"][: len(before["events"])]] == before["events"]
    assert after["events"][-1][1] == new.id
    assert after["incidents"] == before["incidents"]
    # The side tables' rows live on as events: the draft, the fix, the action item.
    assert [a.action for a in state.action_items] == ["add a canary"]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    conn.close()


def test_older_file_through_the_cli(tmp_path, cli):
    path = tmp_path / "old.db"
    incident, ids = _first_schema_file(path)
    logged = cli("--db", str(path), "log", "from the shell")
    assert logged.code == 0, logged.err
    listed = cli("--db", str(path), "list")
    assert incident in listed.out
    events = [r[1] for r in _all_rows(path)["events"] if not r[1].startswith("legacy-")]  # side tables' rows
    assert events == [*ids, logged.out.strip()]


# ----- read-only files, unwritable folders, full disks --------------------------------------


def _sh(*args: str) -> bool:
    return subprocess.run(args, capture_output=True).returncode == 0


@pytest.fixture
def mounts():
    """Mount helpers that undo themselves; skip the test where mounting is not allowed."""
    made: list[Path] = []

    def read_only_view(source: Path, target: Path) -> Path:
        target.mkdir()
        if not (_sh("mount", "--bind", str(source), str(target))):
            pytest.skip("cannot bind-mount here (not root?)")
        made.append(target)
        if not _sh("mount", "-o", "remount,bind,ro", str(target)):
            pytest.skip("cannot remount read-only here")
        return target

    def tmpfs(target: Path, size: str) -> Path:
        target.mkdir()
        if not _sh("mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(target)):
            pytest.skip("cannot mount a tmpfs here (not root?)")
        made.append(target)
        return target

    yield type("Mounts", (), {"read_only_view": staticmethod(read_only_view), "tmpfs": staticmethod(tmpfs)})
    for target in reversed(made):
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


@pytest.mark.parametrize("command", ["declare", "log", "tui"])
def test_read_only_file_every_command_that_writes(tmp_path, good_db, cli, mounts, command):
    source = tmp_path / "rw"
    source.mkdir()
    shutil.copy(good_db, source / "war.db")
    view = mounts.read_only_view(source, tmp_path / "ro")
    path = view / "war.db"
    before = _digest(path)
    result = _run(command, path, cli)
    assert_one_line_error(result, str(path), "read-only")
    assert _digest(path) == before


def _read_only_with_a_commit_in_its_wal(tmp_path, good_db, mounts) -> tuple[sqlite3.Connection, str, Path]:
    """war.db seen through a read-only mount (the folder returned), a commit of 'only in the wal'
    left in its -wal by a writer on the writable side: close the writer after reading."""
    source = tmp_path / "rw"
    source.mkdir()
    shutil.copy(good_db, source / "war.db")
    writer = sqlite3.connect(source / "war.db", isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    [incident] = [r[0] for r in writer.execute("SELECT id FROM incidents")]
    sql.append(writer, sql.host_id(writer), incident, "note", "only in the wal", "dana", now=datetime.now(UTC))
    return writer, incident, mounts.read_only_view(source, tmp_path / "ro")


@pytest.mark.parametrize("command", ["list", "export", "doc"])
def test_read_only_file_is_read_by_the_commands_that_only_read(tmp_path, good_db, cli, mounts, command):
    """A file on a read-only mount (a backup, an evidence copy): list, export and doc read it
    (a private copy of its bytes and its -wal's commits), and change nothing."""
    writer, incident, view = _read_only_with_a_commit_in_its_wal(tmp_path, good_db, mounts)
    path = view / "war.db"
    before = _digest(path)
    try:
        result = _run(command, path, cli)
        assert _digest(path) == before
    finally:
        writer.close()
    assert result.code == 0, result.err
    if command == "list":
        assert incident in result.out
    else:
        assert "only in the wal" in result.out


@pytest.mark.parametrize("command", ["declare", "tui"])
def test_cannot_create_in_read_only_folder(tmp_path, cli, mounts, command):
    source = tmp_path / "rw"
    source.mkdir()
    view = mounts.read_only_view(source, tmp_path / "ro")
    path = view / "sub" / "war.db"
    result = _run(command, path, cli)
    assert_one_line_error(result, str(path), "--db")
    assert list(source.iterdir()) == []


async def test_read_only_store_open(tmp_path, good_db, mounts):
    source = tmp_path / "rw"
    source.mkdir()
    shutil.copy(good_db, source / "war.db")
    path = mounts.read_only_view(source, tmp_path / "ro") / "war.db"
    with pytest.raises(DatabaseError, match="read-only") as info:
        await Store.open(path)
    assert str(path) in str(info.value)


async def test_read_only_simulated(tmp_path, good_db, monkeypatch):
    """Without mount: os.access says the file is not writable (as for a non-root user)."""
    import os

    path = tmp_path / "war.db"
    shutil.copy(good_db, path)
    before = _digest(path)
    real_access = os.access
    monkeypatch.setattr(
        filecheck.os,
        "access",
        lambda p, mode, **kw: False if Path(p) == path and mode & os.W_OK else real_access(p, mode),
    )
    for opener in (lambda: db.prepare(path), lambda: Store.open(path)):
        with pytest.raises(DatabaseError, match="read-only") as info:
            result = opener()
            if asyncio.iscoroutine(result):
                await result
        assert str(path) in str(info.value)
    assert _digest(path) == before


def _fill(folder: Path) -> Path:
    """Fill the file system holding `folder` to the last byte."""
    filler = folder / "filler"
    chunk = b"\0" * 65536
    with open(filler, "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(chunk)
        except OSError:
            pass
        try:
            while True:
                fh.write(b"\0" * 512)
        except OSError:
            pass
    return filler


def test_full_disk_cli(tmp_path, cli, mounts):
    disk = mounts.tmpfs(tmp_path / "disk", "4m")
    path = disk / "war.db"
    incident = asyncio.run(_make_warroom_db(path, events=20))
    filler = _fill(disk)
    before = _digest(path)
    big = "x" * 200_000  # far more than any space left in the WAL
    for args in (("declare", "x" * 100_000), ("log", "-")):  # the big text on stdin: argv is limited
        result = cli("--db", str(path), *args, input=big)
        assert_one_line_error(result, str(path), "full")
    assert _digest(path) == before
    # Reading still works on a full disk, or fails with the same clear line.
    listed = cli("--db", str(path), "list")
    if listed.code:
        assert_one_line_error(listed, str(path), "full")
    else:
        assert incident in listed.out
    # A new database on the full disk: the same line (not a failed ROLLBACK hiding it).
    fresh = disk / "fresh.db"
    assert_one_line_error(cli("--db", str(fresh), "declare", "New"), str(fresh), "full")
    # Once space is freed, the same command succeeds.
    filler.unlink()
    retry = cli("--db", str(path), "log", "-", input=big)
    assert retry.code == 0, retry.err


async def test_full_disk_store_then_retry(tmp_path, mounts):
    """The TUI's write path: a failed append says why, the store stays usable, a retry works."""
    disk = mounts.tmpfs(tmp_path / "disk", "4m")
    path = disk / "war.db"
    incident = await _make_warroom_db(path, events=20)
    store = await Store.open(path)
    try:
        before = await store.count_events(incident)
        filler = _fill(disk)
        big = "y" * 300_000
        with pytest.raises(DatabaseError) as info:
            await store.append(incident, "note", big, "dana")
        assert str(path) in str(info.value) and "full" in str(info.value)
        with pytest.raises(DatabaseError, match="full"):
            await store.save_text(incident, "handoff", big)
        assert await store.count_events(incident) == before
        filler.unlink()
        event = await store.append(incident, "note", big, "dana")
        await store.save_text(incident, "handoff", "kept")
        (again,) = await store.events_by_seq([event.seq])
        assert again.text == big
        assert await store.count_events(incident) == before + 2  # the note and the draft's revision
    finally:
        await store.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


async def test_failing_write_simulated(tmp_path, monkeypatch):
    """Without mount: every INSERT fails as SQLite reports a full disk (whatever path the
    store takes to write), then the disk is fine again."""
    path = tmp_path / "war.db"
    incident = await _make_warroom_db(path, events=1)
    store = await Store.open(path)
    try:
        real = store._conn

        class FullDisk:
            """The store's connection, except that every write finds the disk full."""

            def execute(self, sql, *args, **kwargs):
                if sql.lstrip().upper().startswith(("INSERT", "UPDATE")):
                    raise sqlite3.OperationalError("database or disk is full")
                return real.execute(sql, *args, **kwargs)

            def __getattr__(self, name):
                return getattr(real, name)

        monkeypatch.setattr(store, "_conn", FullDisk())
        for write in (
            lambda: store.append(incident, "note", "lost?", "dana"),
            lambda: store.save_text(incident, "handoff", "draft?"),
            lambda: store.set_severity(incident, 2, "dana"),
        ):
            with pytest.raises(DatabaseError) as info:
                await write()
            assert str(path) in str(info.value) and "full" in str(info.value)
        monkeypatch.setattr(store, "_conn", real)  # the disk has room again
        event = await store.append(incident, "note", "retried", "dana")
        assert (await store.events_by_seq([event.seq]))[0].text == "retried"
        assert (await store.load_state(incident)).incident.severity == 1
    finally:
        await store.close()


# ----- odd files: each one accurate line, no byte changed -----------------------------------


def test_empty_file_keeps_its_mode(tmp_path, good_db, cli):
    path = _empty(tmp_path, good_db)
    for command in ("list", "export", "log", "declare"):
        assert_one_line_error(_run(command, path, cli), str(path), "empty file", "delete it")
    assert path.stat().st_size == 0 and (path.stat().st_mode & 0o777) == 0o644


def test_dangling_symlink(tmp_path, cli):
    link = tmp_path / "war.db"
    link.symlink_to(tmp_path / "gone" / "real.db")
    for command in COMMANDS:
        result = _run(command, link, cli)
        if command == "doc" and result.code == 2:
            continue
        assert_one_line_error(result, str(link), "symbolic link", str(tmp_path / "gone" / "real.db"), "does not exist")
    made = sorted(p.name for p in tmp_path.iterdir() if p.name != "data")  # data: WARROOM_DATA_DIR
    assert made == ["war.db"] and link.is_symlink()


def test_a_link_to_a_good_file_works_and_its_journal_is_beside_the_target(tmp_path, good_db, cli):
    real = tmp_path / "real.db"
    shutil.copy(good_db, real)
    link = tmp_path / "link.db"
    link.symlink_to(real)
    assert cli("--db", str(link), "log", "through a link").code == 0
    assert "Checkout down" in cli("--db", str(link), "list").out


def test_wal_that_is_a_folder(tmp_path, good_db, cli):
    path = tmp_path / "war.db"
    shutil.copy(good_db, path)
    Path(f"{path}-wal").mkdir()
    before = _digest(path)
    for command in COMMANDS:
        assert_one_line_error(_run(command, path, cli), f"{path}-wal", "not a regular file", "move it")
    assert _digest(path) == before and Path(f"{path}-wal").is_dir()


async def test_unreadable_wal_simulated(tmp_path, good_db, monkeypatch):
    """As for a user who does not own the -wal (root reads anything, so os.access says no)."""
    import os

    path = tmp_path / "war.db"
    shutil.copy(good_db, path)
    wal = Path(f"{path}-wal")
    wal.write_bytes(b"")
    real_access = os.access
    monkeypatch.setattr(filecheck.os, "access", lambda p, mode, **kw: False if Path(p) == wal else real_access(p, mode))
    with pytest.raises(DatabaseError) as info:
        db.prepare(path)
    message = str(info.value)
    assert str(wal) in message and "permission denied" in message and "owner and permissions" in message


def test_unable_to_open_gets_advice():
    message = str(db.describe_sqlite_error("/x/war.db", sqlite3.OperationalError("unable to open database file")))
    assert "/x/war.db" in message and "-wal/-shm" in message and "permissions" in message


# ----- a -wal left beside the file ------------------------------------------------------------

_CRASH = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA wal_autocheckpoint = 0")
for statement in sys.argv[2:]:
    conn.execute(statement)
os._exit(0)  # a crash: no checkpoint, the -wal stays
"""


def _crash_after(path: Path, *statements: str) -> None:
    import sys

    subprocess.run([sys.executable, "-c", _CRASH, str(path), *statements], check=True, timeout=60)
    assert Path(f"{path}-wal").stat().st_size > 32


def _event_sql(incident: str, text: str) -> str:
    return (
        "INSERT INTO events (id, incident_id, ts, recorded_at, kind, text, author) VALUES "
        f"('{uuid.uuid4()}', '{incident}', '2026-03-10T15:00:00.000Z', '2026-03-10T15:00:00.000Z', 'note', '{text}', 'x')"
    )


def _incident_id(path: Path) -> str:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        return conn.execute("SELECT id FROM incidents").fetchone()[0]
    finally:
        conn.close()


def _files_state(folder: Path) -> dict[str, tuple[str, int]]:
    return {p.name: (_digest(p), p.stat().st_mtime_ns) for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def other_wal(tmp_path_factory) -> Path:
    """Another application's database, crashed with its changes in its -wal."""
    folder = tmp_path_factory.mktemp("other")
    path = folder / "other.db"
    _sqlite_file(path, "PRAGMA page_size = 4096")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    _crash_after(path, "CREATE TABLE secrets (x)", "INSERT INTO secrets VALUES ('theirs')")
    return Path(f"{path}-wal")


@pytest.fixture(scope="module")
def warroom_wal(tmp_path_factory) -> Path:
    """Another warroom database (one incident, a few events), crashed with events in its -wal."""
    folder = tmp_path_factory.mktemp("otherwar")
    path = folder / "war.db"
    asyncio.run(_make_warroom_db(path, events=3))
    incident = _incident_id(path)
    _crash_after(path, *[_event_sql(incident, f"their {n}") for n in range(200)])
    return Path(f"{path}-wal")


@pytest.fixture(scope="module")
def stale_after_restore(tmp_path_factory, good_db) -> Path:
    """A backup restored over war.db, the -wal of the later file still beside it (built once,
    copied into each test's folder: the pair of files is all there is to it)."""
    folder = tmp_path_factory.mktemp("restored")
    path = folder / "war.db"
    shutil.copy(good_db, path)
    backup = folder / "backup.db"
    shutil.copy(path, backup)
    incident = _incident_id(path)
    conn = sqlite3.connect(path, isolation_level=None)
    for n in range(400):
        conn.execute(_event_sql(incident, f"later {n} " + "y" * 300))
    conn.close()  # checkpointed into war.db
    _crash_after(path, *[_event_sql(incident, f"latest {n} " + "z" * 300) for n in range(50)])
    shutil.copy(backup, path)  # the backup restored, the -wal of the later file still beside it
    backup.unlink()
    return path


WAL_COMMANDS = ["list", "doc", "export", "log", "declare", "tui"]


@pytest.mark.parametrize("command", WAL_COMMANDS)
@pytest.mark.parametrize("stray", ["other-app", "other-warroom", "stale-after-restore"])
def test_a_wal_that_does_not_belong_is_refused_untouched(
    tmp_path, good_db, cli, other_wal, warroom_wal, stale_after_restore, stray, command
):
    folder = tmp_path / "files"
    folder.mkdir()
    path = folder / "war.db"
    if stray == "stale-after-restore":
        shutil.copy(stale_after_restore, path)
        shutil.copy(f"{stale_after_restore}-wal", f"{path}-wal")
    else:
        shutil.copy(good_db, path)
        shutil.copy(other_wal if stray == "other-app" else warroom_wal, Path(f"{path}-wal"))
    before = _files_state(folder)
    result = _run(command, path, cli)
    assert_one_line_error(result, f"{path}-wal does not belong to {path}", "left both as they are", "move war.db-wal")
    assert _files_state(folder) == before  # not a byte, not an mtime, no file added
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] > 300  # the file alone still holds them
    conn.close()


def _crashed_writer(folder: Path, good: Path) -> tuple[Path, str]:
    """A good file whose last writer crashed: a new incident and events only in its -wal."""
    path = folder / "war.db"
    shutil.copy(good, path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    _crash_after(
        path,
        "INSERT INTO incidents (id, title, severity, phase, commander, declared_at) VALUES "
        "('INC-20260310-wal1', 'Only in the wal', 2, 'assess', 'dana', '2026-03-10T15:00:00.000Z')",
        *[_event_sql("INC-20260310-wal1", f"kept {n}") for n in range(20)],
    )
    return path, "INC-20260310-wal1"


@pytest.mark.parametrize("command", ["list", "doc", "export"])
def test_reading_a_crashed_file_changes_nothing(tmp_path, good_db, cli, command):
    folder = tmp_path / "files"
    folder.mkdir()
    path, incident = _crashed_writer(folder, good_db)
    before = _files_state(folder)
    args = {
        "list": ("list",),
        "doc": ("doc", "timeline", "--incident", incident),
        "export": ("export", "--incident", incident),
    }
    result = cli("--db", str(path), *args[command])
    assert result.code == 0, result.err
    assert "Only in the wal" in result.out or "kept 19" in result.out  # read with the crashed writer's changes
    assert _files_state(folder) == before


def test_a_crashed_files_wal_is_recovered_after_a_backup(tmp_path, good_db, cli):
    folder = tmp_path / "files"
    folder.mkdir()
    path, incident = _crashed_writer(folder, good_db)
    wal = Path(f"{path}-wal")
    as_they_were = (path.read_bytes(), wal.read_bytes())
    result = cli("--db", str(path), "log", "--incident", incident, "after the crash")
    assert result.code == 0, result.err
    assert "left beside" in result.err and "before-recovery" in result.err
    backups = sorted(folder.glob("war.db.before-recovery-*"))
    assert [b.name[len(backups[0].name) :] for b in backups] == ["", "-wal"]
    assert (backups[0].read_bytes(), backups[1].read_bytes()) == as_they_were
    assert all((b.stat().st_mode & 0o777) == 0o600 for b in backups)
    texts = [
        r[0]
        for r in sqlite3.connect(path).execute(
            "SELECT text FROM events WHERE incident_id = ? ORDER BY seq", (incident,)
        )
    ]
    assert texts == [f"kept {n}" for n in range(20)] + ["after the crash"]
    # Once recovered, the next command has nothing to recover and keeps no second copy.
    assert cli("--db", str(path), "log", "--incident", incident, "again").code == 0
    assert len(list(folder.glob("war.db.before-recovery-*"))) == 2


def test_a_wal_in_use_is_not_a_leftover(tmp_path, good_db, env):
    """A war room holding the file open: its -wal is live; a `log` beside it copies nothing."""
    import sys

    from warroom.core import leftover

    path = tmp_path / "war.db"
    shutil.copy(good_db, path)
    incident = _incident_id(path)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("PRAGMA wal_autocheckpoint = 0")
        holder.execute(_event_sql(incident, "live"))
        assert Path(f"{path}-wal").stat().st_size > 32
        assert leftover.in_use(path)
        probe = "import sys; from pathlib import Path; from warroom.core import leftover; "
        probe += "print(leftover._probe_lock(Path(sys.argv[1])))"  # the portable check, from another process
        seen = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=60)
        assert seen.stdout.strip() == "True", seen.stderr
        # A child: the holder is this process, and a process never conflicts with its own locks.
        assert run_cli("--db", str(path), "log", "beside a live one", env=env).code == 0
    finally:
        holder.close()
    assert not list(tmp_path.glob("war.db.before-recovery-*"))
    assert not leftover.in_use(path)
    seen = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=60)
    assert seen.stdout.strip() == "False", seen.stderr


def test_commands_that_read_change_no_byte(tmp_path, good_db, cli):
    folder = tmp_path / "files"
    folder.mkdir()
    path = folder / "war.db"
    shutil.copy(good_db, path)
    before = _files_state(folder)
    for args in (
        ("list",),
        ("list", "--all", "--json"),
        ("doc", "timeline"),
        ("export",),
        ("export", "--format", "md"),
    ):
        result = cli("--db", str(path), *args)
        assert result.code == 0, (args, result.err)
        assert _files_state(folder) == before, args


def test_reading_an_older_file_upgrades_a_copy_not_the_file(tmp_path, cli):
    folder = tmp_path / "files"
    folder.mkdir()
    path = folder / "old.db"
    incident, _ids = _first_schema_file(path)
    before = _files_state(folder)
    listed = cli("--db", str(path), "list")
    assert listed.code == 0 and incident in listed.out, listed.err
    assert _files_state(folder) == before


@pytest.mark.parametrize("version", range(1, schema.SCHEMA_VERSION + 1))
def test_expected_objects_read_from_the_migrations_match_sqlite(version):
    """The damaged-file check reads the migrations' text; it must name what SQLite makes."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    for step in range(version):
        for statement in schema.split_sql(schema.MIGRATIONS[step]):
            conn.execute(statement)
    made = {(t, n) for t, n in conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")}
    conn.close()
    shadow = {(t, n) for t, n in made if t == "table" and n.startswith("events_fts_")}  # FTS5 makes them
    assert schema.expected_objects(version) == made - shadow


@pytest.mark.parametrize("args", [(), ("demo",)], ids=["war room", "demo"])
def test_the_war_room_without_a_terminal_says_so_and_ends(tmp_path, good_db, env, args):
    """Keys from a pipe (a script, cron, `< /dev/null`): Textual's input thread would spin on
    the end of the file for ever. One line, exit 2, before the screen takes over; the file
    untouched (the demo makes none)."""
    before = _digest(good_db)
    db_args = ("--db", str(good_db)) if not args else ()
    result = run_cli(*db_args, *args, env=env, timeout=30)
    assert_one_line_error(result, NO_TERMINAL, code=2)
    assert _digest(good_db) == before


@pytest.mark.parametrize("command", ["list", "doc", "export"])
def test_a_wal_that_does_not_belong_is_refused_on_a_read_only_mount_too(
    tmp_path, good_db, cli, mounts, other_wal, warroom_wal, command
):
    """The private copy a read-only file is read from gets every check a crash's journal gets."""
    source = tmp_path / "rw"
    source.mkdir()
    shutil.copy(good_db, source / "war.db")
    shutil.copy(warroom_wal, source / "war.db-wal")
    path = mounts.read_only_view(source, tmp_path / "ro") / "war.db"
    result = _run(command, path, cli)
    assert_one_line_error(result, f"{path}-wal does not belong to {path}")


def test_a_link_to_a_read_only_file_is_read_with_the_commits_in_its_wal(tmp_path, good_db, cli, mounts):
    writer, _incident, view = _read_only_with_a_commit_in_its_wal(tmp_path, good_db, mounts)
    link = tmp_path / "war-link.db"  # in a writable folder; SQLite's journals are beside the real file
    link.symlink_to(view / "war.db")
    try:
        result = cli("--db", str(link), "export")
    finally:
        writer.close()
    assert result.code == 0, result.err
    assert "only in the wal" in result.out
