"""A throwaway PostgreSQL cluster for the team tests: a real server, never a mock.

Debian's postgresql (the newest in /usr/lib/postgresql/*/bin, or $PG_BINDIR). initdb refuses
root, so as root the cluster runs as the `postgres` OS user (setpriv). The cluster lives in a
temporary folder that user owns and listens only on a unix socket in that folder (a TCP
port on 127.0.0.1 only when a test asks for one). Trust for every role but `pw_user`, which
must give its password (the wrong-password tests).

The fixtures `pg_cluster` (one cluster per session, so one per xdist worker) and `pg_url`
live in tests/conftest.py, the one fixtures module; `make_cluster` and the helpers here.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest


def _bindir() -> Path:
    """$PG_BINDIR, else the newest Debian postgresql in /usr/lib/postgresql/*/bin."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if p.parent.name.isdigit()),
        key=lambda p: int(p.parent.name),
    )
    return found[-1] if found else Path("/usr/lib/postgresql/15/bin")


BINDIR = _bindir()
PW_USER = "pw_user"
PW_PASSWORD = "Wr0ng-Or-R1ght_s3cret"  # the real password of pw_user; tests look for it in every output
_names = itertools.count(1)


def _as_postgres() -> list[str]:
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    root: Path
    port: int = 5432
    tcp: bool = False
    ssl: bool = False
    _running: bool = field(default=False, repr=False)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*_as_postgres(), *args], check=check, capture_output=True, text=True, cwd=self.root, timeout=60
        )

    def init(self) -> None:
        self._run(
            str(BINDIR / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"
        )
        hba = self.data / "pg_hba.conf"
        lines = [
            f"local all {PW_USER} scram-sha-256",
            "local all all trust",
            f"host all {PW_USER} 127.0.0.1/32 scram-sha-256",
            "host all all 127.0.0.1/32 trust",
        ]
        hba.write_text("\n".join(lines) + "\n")

    def enable_ssl(self) -> Path:
        """Certificates for the server (a throwaway CA; the server's names: localhost, 127.0.0.1),
        ssl = on from the next start. Returns the CA file a client passes as sslrootcert."""
        tls = self.root / "tls"
        tls.mkdir()

        def openssl(*args: str) -> None:
            subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=tls, timeout=60)

        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=warroom test CA",
                "-keyout", "ca.key", "-out", "ca.crt")  # fmt: skip
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key",
                "-out", "server.csr")  # fmt: skip
        (tls / "san.ext").write_text("subjectAltName = DNS:localhost, IP:127.0.0.1\n")
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", "san.ext", "-out", "server.crt")  # fmt: skip
        for name in ("server.key", "server.crt"):
            os.chmod(tls / name, 0o600)
            if os.geteuid() == 0:
                shutil.chown(tls / name, "postgres", "postgres")
        if os.geteuid() == 0:
            shutil.chown(tls, "postgres", "postgres")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"ssl = on\nssl_cert_file = '{tls / 'server.crt'}'\nssl_key_file = '{tls / 'server.key'}'\n")
        self.ssl = True
        return tls / "ca.crt"

    def start(self) -> None:
        # fsync off is safe against the server process dying (the OS keeps its writes); with
        # synchronous_commit off an immediate stop would lose acknowledged commits.
        listen = "127.0.0.1" if self.tcp else ""
        opts = (
            f"-c listen_addresses='{listen}' -c unix_socket_directories='{self.socket_dir}' -c port={self.port}"
            " -c fsync=off -c full_page_writes=off -c max_connections=60"
        )
        self._run(str(BINDIR / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-o", opts, "-w", "start")
        self._running = True

    def stop(self, mode: str = "fast") -> None:
        """`immediate` is the server vanishing (no clean shutdown); `fast` a clean stop."""
        self._run(str(BINDIR / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)
        self._running = False

    def url(self, dbname: str = "postgres", user: str = "postgres", password: str | None = None) -> str:
        cred = quote(user, safe="") + (f":{quote(password, safe='')}" if password is not None else "")
        if self.tcp:
            return f"postgresql://{cred}@127.0.0.1:{self.port}/{dbname}"
        return f"postgresql://{cred}@/{dbname}?host={quote(str(self.socket_dir), safe='')}&port={self.port}"

    def admin(self, dbname: str = "postgres"):
        import psycopg

        return psycopg.connect(self.url(dbname), autocommit=True)

    def new_database(self, prefix: str = "t") -> str:
        name = f"{prefix}_{os.getpid()}_{next(_names)}"
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
            conn.execute(f'GRANT ALL ON DATABASE "{name}" TO {PW_USER}')
        return name

    def terminate_clients(self, dbname: str) -> int:
        """Cut every client of `dbname` (the network going, as the server sees it)."""
        with self.admin() as conn:
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (dbname,),
            ).fetchall()
        return len(rows)

    def remove(self) -> None:
        if self._running:
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def make_cluster(tcp: bool = False) -> Cluster:
    if not (BINDIR / "initdb").exists():
        pytest.skip(f"PostgreSQL binaries not found in {BINDIR} (install Debian's postgresql)")
    root = Path(tempfile.mkdtemp(prefix="warroom-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(root=root, tcp=tcp, port=_free_port() if tcp else 5432)
    cluster.init()
    cluster.start()
    with cluster.admin() as conn:
        conn.execute(f"CREATE ROLE {PW_USER} LOGIN PASSWORD %s".replace("%s", _literal(PW_PASSWORD)))
    return cluster


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def wire_row(incident_id: str = "INC-20260310-aaaa", text: str = "note", host: str = "host-a", hlc: int = 0) -> dict:
    """A wire row as a file would push it (warroom/core/replica.py's shape)."""
    from warroom.core.ids import uuid7

    return {
        "id": uuid7(),
        "incident_id": incident_id,
        "ts": "2026-03-10T14:00:00.000000+00:00",
        "recorded_at": "2026-03-10T14:00:00.000000+00:00",
        "kind": "note",
        "text": text,
        "author": "dana",
        "ref": None,
        "data": {},
        "hlc": hlc,
        "host": host,
    }


class StandinReplica:
    """The replica interface (host_id, unpushed, mark_pushed, pending_count, pull_cursor,
    apply_pulled) over tables of its own in a warroom file: the engine's tests run on it until
    the store's warroom/core/replica.py lands; the end-to-end tests then use the real one.
    It is the local store's stand-in, not the server's: the server is always real."""

    @staticmethod
    def _tables(conn) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS standin_rows (n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,"
            " body TEXT NOT NULL, mine INTEGER NOT NULL, pushed INTEGER NOT NULL DEFAULT 0)"
        )
        conn.execute("CREATE TABLE IF NOT EXISTS standin_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    @classmethod
    def host_id(cls, conn) -> str:
        cls._tables(conn)
        conn.execute("INSERT OR IGNORE INTO standin_meta VALUES ('host', lower(hex(randomblob(8))))")
        return conn.execute("SELECT value FROM standin_meta WHERE key = 'host'").fetchone()[0]

    @classmethod
    def write(cls, conn, text: str, incident_id: str = "INC-20260310-aaaa") -> dict:
        import json

        row = wire_row(incident_id, text, cls.host_id(conn))
        conn.execute("INSERT INTO standin_rows (id, body, mine) VALUES (?, ?, 1)", (row["id"], json.dumps(row)))
        return row

    @classmethod
    def unpushed(cls, conn, limit: int = 500, server: str = "") -> list[dict]:
        import json

        cls._tables(conn)
        rows = conn.execute("SELECT body FROM standin_rows WHERE mine AND NOT pushed ORDER BY n LIMIT ?", (limit,))
        return [json.loads(r[0]) for r in rows]

    @classmethod
    def mark_pushed(cls, conn, rows: list[dict], server: str = "") -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("UPDATE standin_rows SET pushed = 1 WHERE id = ?", [(r["id"],) for r in rows])
        conn.execute("COMMIT")

    @classmethod
    def pending_count(cls, conn, server: str = "") -> int:
        cls._tables(conn)
        return conn.execute("SELECT count(*) FROM standin_rows WHERE mine AND NOT pushed").fetchone()[0]

    @classmethod
    def pull_cursor(cls, conn, server: str) -> int:
        cls._tables(conn)
        row = conn.execute("SELECT value FROM standin_meta WHERE key = ?", (f"cursor:{server}",)).fetchone()
        return int(row[0]) if row else 0

    @classmethod
    def apply_pulled(cls, conn, server: str, rows: list[dict], cursor: int) -> int:
        import json

        cls._tables(conn)
        conn.execute("BEGIN IMMEDIATE")
        try:
            new = 0
            for row in rows:
                new += conn.execute(
                    "INSERT OR IGNORE INTO standin_rows (id, body, mine, pushed) VALUES (?, ?, 0, 1)",
                    (row["id"], json.dumps(row)),
                ).rowcount
            conn.execute("INSERT OR REPLACE INTO standin_meta VALUES (?, ?)", (f"cursor:{server}", str(cursor)))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return new

    @classmethod
    def ids(cls, conn) -> list[str]:
        cls._tables(conn)
        return [r[0] for r in conn.execute("SELECT id FROM standin_rows ORDER BY id")]


def cli(path: Path, *args: str) -> str:
    """`warroom --db PATH ARGS` in this process (declare, log, list...); its standard output."""
    import contextlib
    import io

    from warroom.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--db", str(path), *args])
    assert code == 0, args
    return out.getvalue().strip()


def _in_thread(fn, *args):
    """fn(*args) on a thread of its own (the CLI's asyncio.run cannot run inside a test's loop)."""
    import threading

    box: dict = {}

    def run() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # handed back to the caller
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


class StoreReplica:
    """warroom/core/replica.py as a class (so a test can override one step of it), with the same
    test helpers as the stand-in: `write` goes through the store's write path (sql.append, into
    the file's open incident, declared first with `warroom declare` when there is none)."""

    @staticmethod
    def _r():
        from warroom.core import replica

        return replica

    @classmethod
    def host_id(cls, conn):
        return cls._r().host_id(conn)

    @classmethod
    def unpushed(cls, conn, limit: int = 500, server: str = ""):
        return cls._r().unpushed(conn, limit, server)

    @classmethod
    def mark_pushed(cls, conn, rows, server: str = ""):
        return cls._r().mark_pushed(conn, rows, server)

    @classmethod
    def pending_count(cls, conn, server: str = ""):
        return cls._r().pending_count(conn, server)

    @classmethod
    def pull_cursor(cls, conn, server):
        return cls._r().pull_cursor(conn, server)

    @classmethod
    def apply_pulled(cls, conn, server, rows, cursor):
        return cls._r().apply_pulled(conn, server, rows, cursor)

    @classmethod
    def write(cls, conn, text: str) -> dict:
        from warroom.core import sql
        from warroom.core.timeutil import now

        incident = sql.latest_open(conn)
        if incident is None:
            path = Path(conn.execute("PRAGMA database_list").fetchone()[2])
            incident = _in_thread(cli, path, "declare", f"incident of {path.stem}")
        row = sql.append(conn, sql.host_id(conn), incident, "note", text, "dana", now=now())
        return sql.wire_row(tuple(row))

    @classmethod
    def ids(cls, conn) -> list[str]:
        return [r[0] for r in conn.execute("SELECT id FROM events ORDER BY id")]
