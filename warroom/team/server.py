"""The team's PostgreSQL: warroom's schema on it, push and pull (psycopg 3, async).

Schema `warroom`, versioned in `warroom.meta` (application, schema_version, server_id):
the first sync to an empty database creates it, an older version is upgraded in one
transaction, a newer one or a `warroom` schema that is not warroom's is refused with one line.

`events` holds every event once, keyed by its writer-made id, with a server-assigned
`server_seq`. Push takes a transaction-level advisory lock before it inserts, so pushes are
serialized and server_seq order is commit order: a puller that has read up to N never meets
a row below N committed later (the sequence-gap trap of TEAM-SYNC.md). Sequence values a
refused insert or a rolled-back push consumed leave harmless holes.

The body is the wire row as jsonb. jsonb cannot hold U+0000, which event text may contain
(text is stored exactly as typed): such a row's body is `{"b64json": <base64 of its JSON>}`.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any

from warroom.core.errors import WarroomError
from warroom.team.config import redact

SCHEMA = "warroom"
APPLICATION = "warroom"
CHANNEL = "warroom"
LOCK_SCHEMA = 0x5752_4D53_4348  # pg_advisory_xact_lock keys: "WRMSCH" and "WRMPSH"
LOCK_PUSH = 0x5752_4D50_5348

# MIGRATIONS[n] takes the server schema from version n to n+1 (0: nothing there).
MIGRATIONS: list[list[str]] = [
    [
        "CREATE SCHEMA IF NOT EXISTS warroom",
        "CREATE TABLE warroom.meta (key text PRIMARY KEY, value text NOT NULL)",
        """CREATE TABLE warroom.events (
            id text PRIMARY KEY,
            incident_id text NOT NULL,
            host text NOT NULL,
            hlc bigint NOT NULL,
            body jsonb NOT NULL,
            server_seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE NOT NULL
        )""",
    ],
    [
        "CREATE INDEX events_incident ON warroom.events (incident_id, server_seq)",
        "ALTER TABLE warroom.events ADD COLUMN received_at timestamptz NOT NULL DEFAULT now()",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)

INSERT = """
INSERT INTO warroom.events (id, incident_id, host, hlc, body)
SELECT r->>'id', r->>'incident_id', r->>'host', (r->>'hlc')::bigint, r->'body'
FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS t(r, n)
ORDER BY n
ON CONFLICT (id) DO NOTHING
RETURNING incident_id
"""
# body as text: parsed by json.loads where the caller wants it (the engine: in its worker
# thread, not on the screen's event loop), and faster than psycopg's jsonb loader.
PULL = "SELECT server_seq, body::text FROM warroom.events WHERE server_seq > %s ORDER BY server_seq LIMIT %s"


class TeamError(WarroomError):
    """Sync could not happen; the message is one line with no password in it."""


class ServerUnreachable(TeamError):
    """The server cannot be reached (down, network gone): offline, try again later."""


class ServerRefused(TeamError):
    """The server answered but cannot be used as it is (login, database, schema, TLS)."""


@dataclass(frozen=True)
class ServerInfo:
    server_id: str  # made when the schema was created: the key of each file's pull cursor
    version: int


# What libpq says when the network or the server's process, not the setting, is the trouble:
# the engine shows "offline" and retries. Anything else (login, database, TLS, schema) is refused.
_UNREACHABLE = (
    "connection refused",
    "no such file or directory",
    "resolve host",
    "could not translate host name",
    "name or service not known",
    "temporary failure in name resolution",
    "network is unreachable",
    "no route to host",
    "timeout",
    "timed out",
    "connection reset",
    "broken pipe",
    "server closed the connection",
    "terminating connection",
    "consuming input failed",
    "the connection is closed",
    "the connection is lost",
    "ssl syscall error",
    "eof detected",
    "starting up",
    "shutting down",
    "in recovery",
    "could not receive",
    "could not send",
)


def reason(exc: BaseException) -> str:
    """libpq's message cut to what it says: 'password authentication failed for user "x"'."""
    text = str(exc).strip() or type(exc).__name__
    first = text.splitlines()[0] if text else text
    if "failed: " in first:
        first = first.rsplit("failed: ", 1)[1] or first
    first = first.replace("FATAL:  ", "").replace("ERROR:  ", "").strip()
    return first


def describe(exc: BaseException, url: str) -> TeamError:
    """One line for a failure talking to `url`, as ServerUnreachable or ServerRefused."""
    import psycopg

    where = redact(url, url)
    why = redact(reason(exc), url)
    if isinstance(exc, TeamError):
        return exc
    if isinstance(exc, psycopg.OperationalError):
        if any(words in why.lower() for words in _UNREACHABLE):
            return ServerUnreachable(f"cannot reach the team server {where}: {why}")
        return ServerRefused(f"the team server {where} refused: {why}")
    if isinstance(exc, OSError | TimeoutError):
        return ServerUnreachable(f"cannot reach the team server {where}: {why}")
    return ServerRefused(f"the team server {where} failed: {why}")


_LIBPQ_DEFAULTS = {
    "connect_timeout": "10",
    "keepalives": "1",
    "keepalives_idle": "10",
    "keepalives_interval": "3",
    "keepalives_count": "3",
    "tcp_user_timeout": "20000",
    "application_name": "warroom-sync",
}


async def connect(url: str):
    """An autocommit connection; libpq's defaults for a dead network are minutes, ours are seconds."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        given = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise ServerRefused(f"the team server setting is not a PostgreSQL URL: {redact(reason(exc), url)}") from None
    extra = {k: v for k, v in _LIBPQ_DEFAULTS.items() if k not in given}
    try:
        return await psycopg.AsyncConnection.connect(url, autocommit=True, **extra)
    except Exception as exc:
        raise describe(exc, url) from None


async def ensure_schema(conn, url: str = "") -> ServerInfo:
    """Create, upgrade or check warroom's schema; refuse what is not ours or too new."""
    try:
        info = await _read_meta(conn, url)
        if info is not None and info.version == SCHEMA_VERSION:
            return info
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_SCHEMA,))
            info = await _read_meta(conn, url)  # again, under the lock: another laptop may have done it
            version = 0 if info is None else info.version
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step]:
                    await conn.execute(statement)
            server_id = info.server_id if info is not None else str(uuid.uuid4())
            for key, value in (
                ("application", APPLICATION),
                ("schema_version", str(SCHEMA_VERSION)),
                ("server_id", server_id),
            ):
                await conn.execute(
                    "INSERT INTO warroom.meta (key, value) VALUES (%s, %s)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )
            return ServerInfo(server_id, SCHEMA_VERSION)
    except TeamError:
        raise
    except Exception as exc:
        raise describe(exc, url) from None


async def _read_meta(conn, url: str) -> ServerInfo | None:
    where = redact(url, url)
    # Plain catalog queries, not to_regclass(): after waiting on the advisory lock the catalog
    # cache may still say "no such table" when another laptop just created it.
    cur = await conn.execute(
        "SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = %(s)s),"
        " (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        "   WHERE n.nspname = %(s)s AND c.relname = 'meta'),"
        " (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(s)s)"
        " + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %(s)s)"
        " + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = %(s)s)",
        {"s": SCHEMA},
    )
    has_schema, has_meta, objects = await cur.fetchone()
    if not has_schema:
        return None
    if not has_meta:
        if objects:
            raise ServerRefused(
                f"the team server {where} has a schema 'warroom' that is not warroom's; use another database"
            )
        return None  # an empty schema made for us (by a DBA granting rights): fill it
    cur = await conn.execute("SELECT key, value FROM warroom.meta")
    meta = dict(await cur.fetchall())
    if meta.get("application") != APPLICATION or "schema_version" not in meta:
        raise ServerRefused(
            f"the team server {where} has a schema 'warroom' that is not warroom's; use another database"
        )
    try:
        version = int(meta["schema_version"])
    except ValueError:
        raise ServerRefused(
            f"the team server {where} has a warroom schema of unknown version {meta['schema_version']!r}"
        ) from None
    if version > SCHEMA_VERSION:
        raise ServerRefused(
            f"the team server {where} holds warroom schema {version}; this warroom knows {SCHEMA_VERSION}: upgrade warroom"
        )
    if not meta.get("server_id"):
        raise ServerRefused(f"the team server {where} has a warroom schema without a server id; use another database")
    return ServerInfo(meta["server_id"], version)


def encode(row: dict[str, Any]) -> dict[str, Any]:
    """The wire row as one element of a push: the columns, and the body jsonb can hold."""
    text = json.dumps(row, ensure_ascii=False, separators=(",", ":"))
    if "\x00" in text or "\\u0000" in text:
        body: Any = {"b64json": base64.b64encode(text.encode("utf-8")).decode("ascii")}
    else:
        body = row
    return {"id": row["id"], "incident_id": row["incident_id"], "host": row["host"], "hlc": row["hlc"], "body": body}


def decode(body: Any) -> dict[str, Any]:
    if isinstance(body, dict) and set(body) == {"b64json"}:
        return json.loads(base64.b64decode(body["b64json"]))
    return body


def payload(rows: list[dict[str, Any]]) -> str:
    """A batch as the one JSON parameter of INSERT (CPU work: the engine makes it off the event loop)."""
    plain = [
        {"id": r["id"], "incident_id": r["incident_id"], "host": r["host"], "hlc": r["hlc"], "body": r} for r in rows
    ]
    text = json.dumps(plain, ensure_ascii=False, separators=(",", ":"))
    if "\\u0000" in text:  # a NUL somewhere (json.dumps escapes it): encode row by row
        text = json.dumps([encode(r) for r in rows], ensure_ascii=False, separators=(",", ":"))
    return text


async def push(conn, rows: list[dict[str, Any]], url: str = "", prepared: str | None = None) -> int:
    """Insert a batch in one transaction (ids already there are skipped); return how many were new.

    Under the push lock, so sequence order is commit order; NOTIFY each incident touched
    (delivered at commit). Raises TeamError; then nothing of the batch may be assumed sent.
    `prepared` is payload(rows) when the caller made it already."""
    if not rows:
        return 0
    body = prepared if prepared is not None else payload(rows)
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_PUSH,))
            cur = await conn.execute(INSERT, (body,))
            new = [r[0] for r in await cur.fetchall()]
            for incident in sorted(set(new)):
                await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, incident[:7900]))
        return len(new)
    except TeamError:
        raise
    except Exception as exc:
        raise describe(exc, url) from None


async def pull_raw(conn, cursor: int, limit: int = 2000, url: str = "") -> list[tuple[int, str]]:
    """Up to `limit` events after `cursor`, in server_seq order, as (server_seq, body JSON text)."""
    try:
        cur = await conn.execute(PULL, (cursor, limit))
        return await cur.fetchall()
    except Exception as exc:
        raise describe(exc, url) from None


def parse(body: str) -> dict[str, Any]:
    """A pulled body (JSON text) as the wire row."""
    return decode(json.loads(body))


async def pull(conn, cursor: int, limit: int = 2000, url: str = "") -> list[tuple[int, dict[str, Any]]]:
    """Up to `limit` events after `cursor`, in server_seq order, as (server_seq, wire row)."""
    return [(seq, parse(body)) for seq, body in await pull_raw(conn, cursor, limit, url)]
