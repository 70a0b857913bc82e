"""`warroom sync` as a user runs it, against real PostgreSQL servers that cannot be used:
one `warroom:` line each, exit 1, the local file untouched (its bytes), no password shown."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers_proc import assert_one_line_error, isolated_env, run_cli

pytest.register_assert_rewrite("tests.pg")
from tests.pg import PW_PASSWORD, PW_USER, make_cluster  # noqa: E402

FAKE_PASSWORD = "n0t-the-Pa55word"
HAS_REPLICA = importlib.util.find_spec("warroom.core.replica") is not None


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def war_db(tmp_path) -> Path:
    """A war room file with an incident in it, written by the real CLI."""
    from warroom.cli import main

    path = tmp_path / "war.db"
    assert main(["--db", str(path), "declare", "Checkout errors"]) == 0
    return path


def sync_child(home: Path, db: Path, *args: str, **env: str):
    """`warroom --db DB sync ARGS` in a child process, with its user folders in `home`."""
    return run_cli("--db", str(db), "sync", *args, env=isolated_env(home, **env), timeout=60)


@pytest.fixture
def sync(cli, monkeypatch):
    """`warroom --db DB sync ARGS` in this process, with the environment isolated_env(home)
    gives a child: user folders in `home`, no WARROOM_, XDG_ or PG variable but those given
    (libpq reads PGPASSWORD at each connection). The .pgpass test runs a child: libpq may find
    the home folder from the password database rather than HOME."""

    def run(home: Path, db: Path, *args: str, **env: str):
        for name in [n for n in os.environ if n.startswith(("WARROOM_", "XDG_", "PG"))]:
            monkeypatch.delenv(name)
        for name, value in isolated_env(home, **env).items():
            if name.startswith(("WARROOM_", "XDG_", "PG", "HOME", "TZ")):
                monkeypatch.setenv(name, value)
        return cli("--db", str(db), "sync", *args)

    return run


def assert_refused(result, before: dict[Path, bytes | None], *needles: str, secrets=(PW_PASSWORD, FAKE_PASSWORD)):
    assert_one_line_error(result, *needles)
    for secret in secrets:
        assert secret not in result.out + result.err
    for path, content in before.items():
        assert (path.read_bytes() if path.exists() else None) == content, f"{path} changed"


def snapshot(*paths: Path) -> dict[Path, bytes | None]:
    return {p: (p.read_bytes() if p.exists() else None) for p in paths}


def test_unreachable_server_exits_1_in_one_line_and_touches_nothing(sync, tmp_path, home, war_db):
    new = tmp_path / "new.db"
    before = snapshot(war_db, new)
    url = f"postgresql://{PW_USER}:{PW_PASSWORD}@/warroom?host={tmp_path / 'no-server-here'}"
    for db in (war_db, new):
        assert_refused(sync(home, db, "--once", "--server", url), before, "cannot reach the team server")


def test_wrong_password_in_the_url_or_in_pgpassword(sync, home, war_db, pg_cluster):
    before = snapshot(war_db)
    name = pg_cluster.new_database()
    wrong = pg_cluster.url(name, PW_USER, FAKE_PASSWORD)
    assert_refused(sync(home, war_db, "--once", "--server", wrong), before, "password authentication failed")
    bare = pg_cluster.url(name, PW_USER)
    result = sync(home, war_db, "--once", "--server", bare, PGPASSWORD=FAKE_PASSWORD)
    assert_refused(result, before, "password authentication failed")


def test_a_pgpass_file_is_read_and_never_shown(home, war_db, pg_cluster):
    """~/.pgpass with the right password reaches the server; the refusal (a missing database)
    shows neither the file's password nor anything of it."""
    home.mkdir(parents=True, exist_ok=True)
    pgpass = home / ".pgpass"
    pgpass.write_text(f"*:*:*:{PW_USER}:{PW_PASSWORD}\n")
    os.chmod(pgpass, 0o600)
    before = snapshot(war_db)
    result = sync_child(home, war_db, "--once", "--server", pg_cluster.url("no_such_db", PW_USER))
    assert_refused(result, before, 'database "no_such_db" does not exist')


def test_missing_database_with_the_right_password_in_url_and_environment(sync, home, war_db, pg_cluster):
    before = snapshot(war_db)
    url = pg_cluster.url("no_such_db", PW_USER, PW_PASSWORD)
    assert_refused(sync(home, war_db, "--once", "--server", url), before, 'database "no_such_db" does not exist')
    result = sync(home, war_db, "--once", "--server", pg_cluster.url("no_such_db", PW_USER), PGPASSWORD=PW_PASSWORD)
    assert_refused(result, before, 'database "no_such_db" does not exist')


@pytest.mark.parametrize(
    ("setup", "needle"),
    [
        (["CREATE SCHEMA warroom", "CREATE TABLE warroom.tickets (id int)"], "not warroom's"),
        (
            [
                "CREATE SCHEMA warroom",
                "CREATE TABLE warroom.meta (key text PRIMARY KEY, value text)",
                "INSERT INTO warroom.meta VALUES ('application', 'warroom'), ('schema_version', '7'), ('server_id', 'x')",
            ],
            "schema 7",
        ),
    ],
    ids=["not-warrooms", "newer"],
)
def test_a_schema_that_is_not_warrooms_or_is_newer(sync, home, war_db, pg_cluster, setup, needle):
    name = pg_cluster.new_database()
    with pg_cluster.admin(name) as conn:
        for statement in setup:
            conn.execute(statement)
    before = snapshot(war_db)
    url = pg_cluster.url(name, "postgres", FAKE_PASSWORD)  # trust: the password is not asked, but must not show
    assert_refused(sync(home, war_db, "--once", "--server", url), before, needle)
    with pg_cluster.admin(name) as conn:  # the server is left as it was
        tables = conn.execute("SELECT relname FROM pg_class WHERE relnamespace = 'warroom'::regnamespace").fetchall()
    assert {t[0] for t in tables} <= {"tickets", "meta", "meta_pkey"}


@pytest.fixture(scope="module")
def tcp_cluster():
    cluster = make_cluster(tcp=True)
    yield cluster
    cluster.remove()


@pytest.mark.slow  # a cluster of its own
def test_tls_required_but_the_server_has_none(sync, home, war_db, tcp_cluster):
    before = snapshot(war_db)
    url = tcp_cluster.url("postgres", PW_USER, PW_PASSWORD) + "?sslmode=require"
    assert_refused(sync(home, war_db, "--once", "--server", url), before, "SSL")


def test_no_server_configured_says_where_to_put_one(sync, home, war_db):
    before = snapshot(war_db)
    assert_refused(sync(home, war_db, "--once"), before, "no team server", "--server", "WARROOM_SERVER")


def test_the_server_setting_comes_from_the_environment_and_the_config_file(sync, tmp_path, home, war_db):
    before = snapshot(war_db)
    url = f"postgresql://ops:{FAKE_PASSWORD}@/warroom?host={tmp_path / 'env-socket'}"
    result = sync(home, war_db, "--once", WARROOM_SERVER=url)
    assert_refused(result, before, "cannot reach", "env-socket")
    config = home / "warroom-config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'server = "postgresql://ops:{FAKE_PASSWORD}@/warroom?host={tmp_path / "file-socket"}"\n')
    assert_refused(sync(home, war_db, "--once"), before, "cannot reach", "file-socket")


def test_following_an_unreachable_server_shows_offline_and_ctrl_c_exits_0(tmp_path, home):
    """Without --once, sync keeps trying; Ctrl-C ends it quietly. The file, never reached, is not made."""
    db = tmp_path / "later.db"
    url = f"postgresql://ops:{FAKE_PASSWORD}@/warroom?host={tmp_path / 'nothing'}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "warroom", "--db", str(db), "sync", "--server", url],
        env=isolated_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        first = proc.stderr.readline().decode()
        assert first.startswith("team: offline since ") and first.rstrip().endswith(", 0 to send"), first
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert b"Traceback" not in err and FAKE_PASSWORD.encode() not in out + err
    assert not db.exists()


@pytest.mark.skipif(not HAS_REPLICA, reason="needs warroom/core/replica.py")
def test_sync_once_creates_a_new_file_and_a_second_run_moves_nothing(sync, tmp_path, home, war_db, pg_url):
    first = sync(home, war_db, "--once", "--server", pg_url)
    assert first.code == 0, first.err
    new = tmp_path / "laptop-b.db"
    second = sync(home, new, "--once", "--server", pg_url)
    assert second.code == 0, second.err
    assert new.exists()
    again = sync(home, new, "--once", "--server", pg_url)
    assert again.code == 0 and "sent 0" in again.out and "0 new here" in again.out, again.out


def test_warroom_log_never_loads_the_team_package(war_db, home):
    code = (
        "import sys; from warroom.cli import main; rc = main(['--db', sys.argv[1], 'log', 'hello']);"
        "bad = [m for m in sys.modules if m.startswith(('warroom.team', 'psycopg'))]; print(bad); sys.exit(rc)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(war_db)], capture_output=True, env=isolated_env(home), timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().splitlines()[-1] == "[]"


def test_core_never_imports_team():
    core = Path(__file__).resolve().parent.parent / "warroom" / "core"
    offenders = [p.name for p in core.rglob("*.py") if "warroom.team" in p.read_text(encoding="utf-8")]
    assert offenders == []


@pytest.fixture(scope="module")
def tls_cluster():
    """A server with TLS on and a certificate from a throwaway CA, for sslmode=verify-full."""
    cluster = make_cluster(tcp=True)
    ca = cluster.enable_ssl()
    cluster.stop()
    cluster.start()
    yield cluster, ca
    cluster.remove()


def _verify_full(cluster, ca: Path, host: str = "localhost") -> str:
    return f"postgresql://{PW_USER}:{PW_PASSWORD}@{host}:{cluster.port}/postgres?sslmode=verify-full&sslrootcert={ca}"


@pytest.mark.slow  # a cluster of its own
async def test_sslmode_verify_full_is_passed_to_libpq_as_it_is(tls_cluster):
    from warroom.team import server as srv

    cluster, ca = tls_cluster
    conn = await srv.connect(_verify_full(cluster, ca))
    try:
        cur = await conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        assert await cur.fetchone() == (True,)
    finally:
        await conn.close()


@pytest.mark.slow  # a cluster of its own
def test_a_certificate_from_another_authority_is_refused_in_one_line(sync, tmp_path, home, war_db, tls_cluster):
    cluster, _ = tls_cluster
    other = tmp_path / "other-ca.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=not ours",
         "-keyout", str(tmp_path / "other.key"), "-out", str(other)],
        check=True, capture_output=True,
    )  # fmt: skip
    before = snapshot(war_db)
    result = sync(home, war_db, "--once", "--server", _verify_full(cluster, other))
    assert_refused(result, before, "certificate verify failed")


def test_without_the_driver_sync_says_how_to_install_it(tmp_path, home, war_db):
    """psycopg is an optional extra: without it, one line naming the extra."""
    code = (
        "import sys; sys.modules['psycopg'] = None; from warroom.cli import main;"
        "sys.exit(main(['--db', sys.argv[1], 'sync', '--once', '--server', 'postgresql://u@h/db']))"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(war_db)], capture_output=True, env=isolated_env(home))
    assert proc.returncode == 1
    assert proc.stderr.decode().splitlines() == [
        "warroom: team sync needs PostgreSQL's driver: pip install 'warroom[team]'"
    ]
