"""The one fixtures module: a scratch database, a fixed clock, the shipped playbook, the CLI
run in-process, and the snapshot folder recipe (syrupy has no option for it; see
../shared/STYLE.md). Constants and helpers live in plain modules (fixed_clock, pilot,
snapshot_helpers, helpers_proc, builders): import those, never this file.

Markers (registered in pyproject.toml): `slow` for drills, soaks and 100k-event runs, `tui`
for Pilot and snapshot tests. The inner loop is `pytest -m "not slow and not tui"`."""

from __future__ import annotations

import io
import os
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
import pytest_textual_snapshot
from fixed_clock import FIXED_NOW, FIXED_NOW_ISO
from helpers_proc import Result
from hypothesis import HealthCheck, settings

from warroom.core import playbook as playbook_module

if sys.dont_write_bytecode:
    # A shell that keeps bytecode out of the tree (PYTHONDONTWRITEBYTECODE) made pytest rewrite
    # every test module's asserts again in every worker (~6 s of CPU a process). This process
    # keeps its bytecode in build/pycache instead (ignored by git); children are left as they
    # are (pointed there, they would compile even the stdlib, not being allowed to write).
    sys.pycache_prefix = str(Path(__file__).resolve().parent.parent / "build" / "pycache")
    sys.dont_write_bytecode = False

pytest.register_assert_rewrite("tests.pg")  # its asserts explain themselves, as a test's do

# Property tests must not pass or fail with the machine's load: no deadline, and no "too
# slow" health check (drawing examples takes longer on a busy machine). A test that names its
# own suppress_health_check list must name too_slow in it too; each sets its max_examples.
settings.register_profile("warroom", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("warroom")


def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto` is one worker more than the cores: a Pilot or snapshot test spends about a
    third of its wall time idle in Textual's pauses (each `pilot.pause()` polls in 20 ms
    sleeps until the app is idle; cProfile of a typical one: 2.0 of 5.6 s in epoll), and the
    drills wait on their children. The extra worker runs in those gaps; `-n N` still rules."""
    return (os.cpu_count() or 1) + 1


def pytest_collection_modifyitems(config, items) -> None:
    """Under xdist the slow tests go first, dealt one by one to the start of each worker's
    share. `--dist worksteal` gives each worker one contiguous run of the collection and an
    idle worker steals from the end of another's run; a drill left near the end of a run
    would finish alone, minutes after everything else."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    slow = [item for item in items if item.get_closest_marker("slow")]
    if workers < 2 or not slow:
        return
    rest = [item for item in items if not item.get_closest_marker("slow")]
    shares: list[list[pytest.Item]] = [[] for _ in range(workers)]
    for n, item in enumerate(slow):
        shares[n % workers].append(item)
    left = len(items)
    for k, share in enumerate(shares):  # the sizes worksteal cuts: len(pending) // workers left
        size = left // (workers - k)
        left -= size
        while len(share) < size and rest:
            share.append(rest.pop(0))
    share_of_rest = [item for share in shares for item in share] + rest
    items[:] = share_of_rest


class _TopLevelSnapshots(pytest_textual_snapshot.SVGImageExtension):
    @classmethod
    def dirname(cls, *, test_location) -> str:
        root = Path(test_location.filepath).parent.parent
        return str(root / "snapshots" / Path(test_location.filepath).stem)


pytest_textual_snapshot.SVGImageExtension = _TopLevelSnapshots


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """Never touch the developer's real data, config or clipboard; a fixed local zone."""
    monkeypatch.setenv("WARROOM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WARROOM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WARROOM_AUTHOR", "dana")
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("WARROOM_DB", raising=False)
    monkeypatch.delenv("WARROOM_NOW", raising=False)
    monkeypatch.delenv("TMUX", raising=False)
    import time

    time.tzset()


@pytest.fixture(autouse=True)
def _no_notices_left_over():
    """warroom.core.db keeps what the next CLI call tells the user (a crash's WAL recovered) in
    the process: a test that opened a killed writer's file in-process left one, and the next
    test's in-process CLI printed it as a second line of its error. Each test starts with none."""
    from warroom.core import db

    db.take_notices()


@pytest.fixture(autouse=True)
def _notifications_kept(request, monkeypatch):
    """Pilot tests read what the app notified through pilot.notifications(app)."""
    if request.node.get_closest_marker("tui"):
        from pilot import record_notifications

        record_notifications(monkeypatch)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "war.db"


@pytest.fixture
def fixed_now() -> datetime:
    return FIXED_NOW


@pytest.fixture
def clock(fixed_now):
    return lambda: fixed_now


@pytest.fixture(scope="session", autouse=True)
def _isolated_session(tmp_path_factory):
    """What session-wide fixtures write (the playbook's cache, the demo template) goes to a
    scratch folder too: they are set up before any test's own _isolated_env."""
    root = tmp_path_factory.mktemp("session")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WARROOM_DATA_DIR", str(root / "data"))
        patch.setenv("WARROOM_CONFIG_DIR", str(root / "config"))
        patch.setenv("WARROOM_AUTHOR", "dana")
        patch.setenv("TZ", "UTC")
        time.tzset()
        yield
    time.tzset()


@pytest.fixture(scope="session")
def playbook(_isolated_session):
    return playbook_module.load()


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory, playbook) -> Path:
    """The demo incident seeded at FIXED_NOW once a session; demo_db copies it."""
    import asyncio

    from warroom.core.demo import seed_demo
    from warroom.core.store import Store

    path = tmp_path_factory.mktemp("demo") / "demo.db"

    async def seed() -> None:
        store = await Store.open(path, clock=lambda: FIXED_NOW)
        try:
            await seed_demo(store, playbook, now=FIXED_NOW)
        finally:
            await store.close()

    with pytest.MonkeyPatch.context() as patch:  # a fixed incident id, for snapshots
        patch.setattr("warroom.core.store.new_incident_id", lambda day: f"INC-{day}-demo")
        asyncio.run(seed())
    assert sorted(p.name for p in path.parent.iterdir()) == ["demo.db"]  # closed: all in the one file
    return path


@pytest.fixture
def demo_db(tmp_path, _demo_template) -> Path:
    """The demo incident seeded at FIXED_NOW (sync, so snapshot tests can use it too): a copy
    of the session's, which is the same file byte for byte (seeding it again took ~0.3 s)."""
    import shutil

    path = tmp_path / "demo.db"
    shutil.copy2(_demo_template, path)  # its mode too (0600)
    return path


class CliRunner:
    """`warroom ARGS` run in this process: `warroom.cli.main(args)` with its own standard
    input, output and error, and extra environment variables for the one call. What a child
    process would add (the interpreter starting, the imports, the exit status passed through
    the OS) is tested with real processes in test_cli.py; everything else runs here."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch

    def env(self, **variables: str) -> None:
        """Set environment variables for every later call of this test."""
        for name, value in variables.items():
            self._monkeypatch.setenv(name, value)
        time.tzset()

    def __call__(self, *args: str, input: bytes | str = b"", **variables: str) -> Result:
        from warroom.cli import main

        if isinstance(input, str):
            input = input.encode("utf-8")
        out, err = io.BytesIO(), io.BytesIO()
        streams = {
            "stdin": io.TextIOWrapper(io.BytesIO(input), encoding="utf-8"),
            "stdout": io.TextIOWrapper(out, encoding="utf-8", write_through=True),
            "stderr": io.TextIOWrapper(err, encoding="utf-8", write_through=True),
        }
        with pytest.MonkeyPatch.context() as patch:
            for name, value in variables.items():
                patch.setenv(name, value)
            for name, stream in streams.items():
                patch.setattr(sys, name, stream)
            time.tzset()
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: usage errors, --help, --version
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            finally:
                streams["stdout"].flush()
                streams["stderr"].flush()
        time.tzset()
        return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli(monkeypatch, db_path) -> CliRunner:
    """The CLI in-process on `db_path` (WARROOM_DB) at FIXED_NOW (WARROOM_NOW); `cli.env(...)`
    changes the environment for the rest of the test."""
    runner = CliRunner(monkeypatch)
    runner.env(WARROOM_DB=str(db_path), WARROOM_NOW=FIXED_NOW_ISO)
    return runner


# ----- PostgreSQL for the team tests (tests/pg.py: a throwaway cluster, never a mock) ---------


@pytest.fixture(scope="session")
def pg_cluster():
    """One cluster for the session, so one per xdist worker; started on first use."""
    from tests.pg import make_cluster

    cluster = make_cluster()
    yield cluster
    cluster.remove()


@pytest.fixture(scope="session")
def _pg_shared_db(pg_cluster) -> str:
    return pg_cluster.new_database("shared")


@pytest.fixture
def pg_url(pg_cluster, _pg_shared_db) -> str:
    """An empty database on the session's cluster, as a URL (superuser, trust): one database per
    session, emptied before each test (its clients cut, warroom's schema dropped), which is ten
    times quicker than CREATE DATABASE."""
    pg_cluster.terminate_clients(_pg_shared_db)
    with pg_cluster.admin(_pg_shared_db) as conn:
        conn.execute("DROP SCHEMA IF EXISTS warroom CASCADE")
        leftovers = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
        ).fetchone()[0]
    assert leftovers == 0, "a team test left tables outside the warroom schema"
    return pg_cluster.url(_pg_shared_db)
