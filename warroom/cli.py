"""The command line. `warroom` alone opens the war room; the rest are shell commands.

Shell commands never import Textual, and `warroom log` (called from deploy scripts and
alert hooks) imports no pydantic: it writes with the stdlib sqlite3 through the store's
own write path (warroom.core.sql). Exit codes: 0 success, 2 usage, 1 anything else with one `warroom: ...` line.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from warroom import __version__
from warroom.core.errors import WarroomError

# What `warroom log --kind` accepts: warroom.core.kinds.USER_KINDS as plain strings (a test
# keeps them equal). Importing kinds builds its Enum and TypedDicts: ~5-20 ms of every log.
USER_KINDS: tuple[str, ...] = ("note", "action", "decision", "change", "alert", "comms", "hypothesis")

DOCUMENT_KINDS = ("status", "internal", "external", "handoff", "postmortem", "timeline")
SHOWN_INCIDENT_HELP = "incident id or its unique end (default: the latest open one, else the last resolved)"


TIME_FORMS = "HH:MM, HH:MM:SS, -12m, -1h30m or ISO"


def _add_demo(sub) -> None:
    demo = sub.add_parser("demo", help="open the war room on a sample incident in a scratch database")
    demo.add_argument("--events", type=int, default=0, metavar="N", help="add N routine events (try 100000)")
    demo.add_argument("--no-tui", action="store_true", help="only build the database and print its path")


def _add_declare(sub) -> None:
    declare = sub.add_parser("declare", help="declare an incident; prints its id")
    declare.add_argument("title")
    declare.add_argument("--sev", type=int, choices=(1, 2, 3, 4), default=None, help="severity (default: 2)")
    declare.add_argument("--started", metavar="TIME", help=f"when impact started: {TIME_FORMS}")
    declare.add_argument("--detected", metavar="TIME", help=f"when it was detected: {TIME_FORMS}")
    declare.add_argument("--service", metavar="NAME", help="the service affected (named in public notices)")
    declare.add_argument("--impact", metavar="TEXT", help="the impact: all, many, some, edge, or your own words")
    declare.add_argument("--author", help="the commander (default: $WARROOM_AUTHOR or the OS user)")


def _add_log(sub) -> None:
    log = sub.add_parser("log", help="log an event on the timeline; prints its id")
    log.add_argument("text", nargs="?", default="-", help="the text, or - to read standard input (default)")
    log.add_argument("--kind", choices=USER_KINDS, default="note")
    log.add_argument("--at", help=f"when it happened: {TIME_FORMS} (default: now)")
    log.add_argument("--incident", help="incident id or its unique end (default: the latest open one)")
    log.add_argument("--author", help="who (default: $WARROOM_AUTHOR or the OS user)")


def _add_set(sub) -> None:
    details = sub.add_parser("set", help="correct when impact started or was detected, the service or the impact")
    details.add_argument("--incident", help=SHOWN_INCIDENT_HELP)
    details.add_argument("--started", metavar="TIME", help=f"when impact started: {TIME_FORMS}")
    details.add_argument("--detected", metavar="TIME", help=f"when it was detected: {TIME_FORMS}")
    details.add_argument("--service", metavar="NAME", help='the service affected ("" clears it)')
    details.add_argument("--impact", metavar="TEXT", help='the impact ("" clears it)')
    details.add_argument("--author", help="who (default: $WARROOM_AUTHOR or the OS user)")
    details.set_defaults(subparser=details)


def _add_resolve(sub) -> None:
    resolve = sub.add_parser("resolve", help="mark an incident resolved (--reopen to undo)")
    resolve.add_argument("--incident")
    resolve.add_argument("--reopen", action="store_true", help="reopen a resolved incident")
    resolve.add_argument("--author", help="who (default: $WARROOM_AUTHOR or the OS user)")


def _add_list(sub) -> None:
    lst = sub.add_parser("list", help="list open incidents")
    lst.add_argument("--all", action="store_true", help="include resolved incidents")
    lst.add_argument("--json", action="store_true", help="one JSON array, with each incident's response times")


def _add_doc(sub) -> None:
    doc = sub.add_parser("doc", help="print a generated document: the text the war room copies")
    doc.add_argument("kind", metavar="KIND", help=f"{' | '.join(DOCUMENT_KINDS)}, or a document the team playbook adds")
    doc.add_argument("--incident", help=SHOWN_INCIDENT_HELP)
    doc.set_defaults(subparser=doc)


def _add_export(sub) -> None:
    export = sub.add_parser("export", help="export an incident (json: everything; md: the postmortem)")
    export.add_argument("--incident", help=SHOWN_INCIDENT_HELP)
    export.add_argument("--format", choices=("json", "md"), default="json")
    export.add_argument("-o", "--output", type=Path, help="write to FILE (default: standard output)")


def _add_actions(sub) -> None:
    actions = sub.add_parser("actions", help="open postmortem action items across every incident")
    actions.add_argument("--owner", metavar="NAME", help="only this owner's items")
    actions.add_argument("--overdue", action="store_true", help="only the items past their due date")
    actions.add_argument("--json", action="store_true", help="one JSON array")


def _add_stats(sub) -> None:
    stats = sub.add_parser("stats", help="incidents per week by severity and the median response times")
    stats.add_argument("--since", metavar="DATE", help="from this day: YYYY-MM-DD, or -8w, -30d (default: all)")
    stats.add_argument("--json", action="store_true", help="one JSON object")
    stats.set_defaults(subparser=stats)


def _add_sync(sub) -> None:
    sync = sub.add_parser("sync", help="push and pull through the team's PostgreSQL (follows until Ctrl-C)")
    sync.add_argument(
        "--server", metavar="URL", help="PostgreSQL URL (default: $WARROOM_SERVER, else server in config.toml)"
    )
    sync.add_argument("--once", action="store_true", help="one round both ways, then exit")


# In the order `--help` lists them.
SUBCOMMANDS = {
    "demo": _add_demo,
    "declare": _add_declare,
    "log": _add_log,
    "set": _add_set,
    "resolve": _add_resolve,
    "list": _add_list,
    "doc": _add_doc,
    "export": _add_export,
    "actions": _add_actions,
    "stats": _add_stats,
    "sync": _add_sync,
}
_GLOBAL_WITH_VALUE = ("--db", "--playbook", "--server")


def _chosen(argv: list[str]) -> str | None:
    """The subcommand named in argv, found without building any parser (None: none, or help
    asked of the whole program): `warroom log` builds only the log parser."""
    args = iter(argv)
    for arg in args:
        if arg in _GLOBAL_WITH_VALUE:
            next(args, None)
            continue
        if arg.startswith(tuple(f"{o}=" for o in _GLOBAL_WITH_VALUE)):
            continue
        if arg.startswith("-"):
            return None  # --help, --version, a typo: the whole parser answers
        return arg if arg in SUBCOMMANDS else None
    return None


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `only`, the global options and that one subcommand."""
    parser = argparse.ArgumentParser(
        prog="warroom",
        description="A terminal war room for the person running a production incident.",
        epilog="Without a command, opens the war room. Data: --db, else WARROOM_DB, else the user data folder.",
    )
    parser.add_argument("--version", action="version", version=f"warroom {__version__}")
    parser.add_argument("--db", type=Path, help="the SQLite file (default: $WARROOM_DB or the user data folder)")
    parser.add_argument("--playbook", type=Path, help="a team playbook TOML replacing the shipped one")
    parser.add_argument(
        "--server", metavar="URL", dest="team_server", help="the team's PostgreSQL: the war room syncs with it"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, add in SUBCOMMANDS.items():
        if only is None or name == only:
            add(sub)
    return parser


def _db_path(args: argparse.Namespace) -> Path:
    from warroom.core.locations import default_db

    return args.db if args.db is not None else default_db()


def _author(args: argparse.Namespace) -> str:
    from warroom.core.author import default_author

    return (getattr(args, "author", None) or "").strip() or default_author()


def _read_text(arg: str) -> str:
    if arg != "-":
        return arg
    if sys.stdin is None or sys.stdin.closed:
        raise WarroomError("no text given and no standard input to read it from")
    from warroom.core.entry import MAX_TEXT

    # Read no more than the longest text could take (4 bytes a character, plus blank
    # lines that are trimmed): `yes | warroom log` must end, not fill the memory.
    limit = 4 * MAX_TEXT + 65_536
    raw = sys.stdin.buffer.read(limit + 1)
    if len(raw) > limit:
        raise WarroomError(f"standard input is too long (more than {limit:,} bytes); nothing was logged")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WarroomError(f"standard input is not UTF-8 text (byte {exc.start}); nothing was logged") from None


def cmd_log(args: argparse.Namespace) -> int:
    """The fast path: stdlib only, the store's own write path (warroom.core.sql), prints the id.

    An alert hook that fires after the incident was resolved is not dropped: the event goes on
    the last resolved incident, marked as after resolution, with a warning on stderr."""
    import sqlite3

    from warroom.core import db, sql
    from warroom.core.entry import clean_text
    from warroom.core.timeutil import now, parse_at

    path = _db_path(args)
    try:
        text = clean_text(_read_text(args.text))
        current = now()
        at = parse_at(args.at, current) if args.at else current
    except ValueError as exc:
        raise WarroomError(f"{exc}; nothing was logged") from None
    conn = db.open_db(path, create=False)
    try:
        data: dict[str, object] = {"source": "cli"}
        incident_id = sql.find_incident_or_last(conn, args.incident, path)
        if not sql.is_open(conn, incident_id):
            data["after_resolution"] = True
            print(f"warroom: {incident_id} is resolved; logged as after resolution", file=sys.stderr)
        row = sql.append(
            conn, sql.host_id(conn), incident_id, args.kind, text, _author(args), now=current, at=at, data=data
        )
    except sqlite3.Error as exc:
        raise db.describe_sqlite_error(path, exc) from None
    finally:
        conn.close()
    print(row[1])
    return 0


async def _with_store(args: argparse.Namespace, create: bool, work):
    from warroom.core.store import Store

    store = await Store.open(_db_path(args), create=create)
    try:
        return await work(store)
    finally:
        await store.close()


def _playbook(args: argparse.Namespace):
    from warroom.core import playbook
    from warroom.core.locations import user_playbook

    return playbook.load(args.playbook or user_playbook())


def _time_option(name: str, spec: str | None, current):
    """A --started/--detected value as a UTC time; a bad one is one line, nothing done."""
    if spec is None:
        return None
    from warroom.core.timeutil import parse_at

    try:
        return parse_at(spec, current)
    except ValueError as exc:
        raise WarroomError(f"--{name}: {exc}; nothing was done") from None


def _impact(pb, text: str | None) -> str | None:
    """--impact: a playbook impact given by key or label is stored as its key, else the words."""
    if text is None:
        return None
    said = " ".join(text.split())
    for option in pb.impacts:
        if said.casefold() in (option.key.casefold(), option.label.casefold()):
            return option.key
    return said or None


def _details(args: argparse.Namespace, pb, current) -> dict:
    """The times, service and impact given on the command line (only those given)."""
    details: dict = {}
    started = _time_option("started", args.started, current)
    detected = _time_option("detected", args.detected, current)
    if started is not None and detected is not None and detected < started:
        raise WarroomError("--detected is before --started: impact is detected after it starts; nothing was done")
    if started is not None:
        details["started_at"] = started
    if detected is not None:
        details["detected_at"] = detected
    if args.service is not None:
        details["service"] = " ".join(args.service.split()) or None
    if args.impact is not None:
        details["impact"] = _impact(pb, args.impact)
    return details


def cmd_declare(args: argparse.Namespace) -> int:
    import asyncio

    from warroom.core.operations import Operations
    from warroom.core.timeutil import now

    pb = _playbook(args)
    severity = args.sev or 2
    details = _details(args, pb, now())

    async def work(store):
        ops = Operations(store, pb, _author(args))
        incident = await ops.declare(args.title, severity, **details)  # first update due one cadence on
        return incident.id

    print(asyncio.run(_with_store(args, True, work)))
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    import asyncio

    from warroom.core.operations import Operations
    from warroom.core.timeutil import now

    pb = _playbook(args)
    details = _details(args, pb, now())
    if not details:
        args.subparser.error("say what to set: --started, --detected, --service or --impact")

    async def work(store):
        incident = await _incident_to_show(store, args.incident)  # days later: the last resolved one
        if "detected_at" in details and "started_at" not in details and incident.started_at is not None:
            if details["detected_at"] < incident.started_at:
                raise WarroomError("--detected is before the recorded start; nothing was done")
        if "started_at" in details and "detected_at" not in details and incident.detected_at is not None:
            if incident.detected_at < details["started_at"]:
                raise WarroomError("--started is after the recorded detection; nothing was done")
        event = await Operations(store, pb, _author(args)).set_details(incident.id, **details)
        return incident.id, event.text

    incident_id, text = asyncio.run(_with_store(args, False, work))
    from warroom.core.safetext import one_line

    print(f"{incident_id} {one_line(text)}")
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    import asyncio

    from warroom.core.operations import Operations

    pb = _playbook(args)

    async def work(store):
        if args.incident is None and args.reopen:
            raise WarroomError("say which incident to reopen: --incident ID")
        incident = await store.find_incident(args.incident)
        wanted = "open" if args.reopen else "resolved"
        if incident.status == wanted:
            raise WarroomError(f"{incident.id} is already {wanted}")
        ops = Operations(store, pb, _author(args))
        await (ops.reopen(incident.id) if args.reopen else ops.resolve(incident.id))  # resolving moves to Postmortem
        return incident.id

    incident_id = asyncio.run(_with_store(args, False, work))
    print(f"{incident_id} {'reopened' if args.reopen else 'resolved'}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    import asyncio

    from warroom.core.export import dumps
    from warroom.core.timeutil import local

    if args.json:
        if not _db_path(args).exists():  # a script asking before the first incident: nothing, not an error
            print("[]")
            return 0
        pb = _playbook(args)

        async def with_metrics(store):
            from warroom.core import metrics

            rows = []
            for incident in await store.incidents(include_resolved=args.all):
                state = await store.load_state(incident.id)
                clocks = metrics.compute(state, store.clock(), pb)
                rows.append({**incident.model_dump(mode="json"), "metrics": metrics.as_json(state, clocks)})
            return rows

        print(dumps(asyncio.run(_with_store(args, False, with_metrics)), indent=2))
        return 0
    incidents = asyncio.run(_with_store(args, False, lambda s: s.incidents(include_resolved=args.all)))
    if not incidents:
        print("no open incidents" if not args.all else "no incidents")
        return 0
    from warroom.core.safetext import one_line

    for inc in incidents:  # one line per incident, whatever the title holds
        declared = local(inc.declared_at).strftime("%Y-%m-%d %H:%M")
        print(f"{inc.id}  SEV-{inc.severity}  {inc.status:<8}  {inc.phase:<10}  {declared}  {one_line(inc.title)}")
    return 0


async def _incident_to_show(store, wanted: str | None):
    """For doc and export: the incident given, else the latest open one, else (the
    postmortem is written after `warroom resolve`) the one resolved last, said on stderr."""
    if wanted is not None:
        return await store.find_incident(wanted)
    incident = await store.latest_open()
    if incident is not None:
        return incident
    from warroom.core import db
    from warroom.core.safetext import one_line
    from warroom.core.timeutil import local

    resolved = [i for i in await store.incidents(include_resolved=True) if i.status == "resolved"]
    if not resolved:
        raise db.no_open_incident(store.path)

    def when(inc):
        return inc.resolved_at or inc.declared_at

    last = max(when(i) for i in resolved)
    latest = [i for i in resolved if when(i) == last]
    if len(latest) > 1:  # resolved in the same millisecond: refuse rather than guess
        raise WarroomError(
            f"no open incident, and {', '.join(i.id for i in latest)} were resolved at the same time: "
            "say which with --incident ID"
        )
    incident = latest[0]
    resolved_at = local(when(incident)).strftime("%Y-%m-%d %H:%M")
    print(
        f"warroom: no open incident; using {incident.id}, resolved {resolved_at}: {one_line(incident.title)}",
        file=sys.stderr,
    )
    return incident


def cmd_doc(args: argparse.Namespace) -> int:
    import asyncio

    from warroom.core import documents

    pb = _playbook(args)
    kinds = documents.document_kinds(pb)
    if args.kind not in kinds:  # checked after loading: a team playbook may add documents
        args.subparser.error(f"unknown document {args.kind!r} (choose from {', '.join(kinds)})")

    async def work(store):
        incident = await _incident_to_show(store, args.incident)
        return await documents.render_from_store(args.kind, store, incident.id, pb)

    sys.stdout.write(asyncio.run(_with_store(args, False, work)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    import asyncio

    from warroom.core import export

    pb = _playbook(args)  # json: the metrics object names the contain phase by its role
    if args.output is not None:
        _refuse_database_as_output(args.output, _db_path(args))

    async def work(store):
        incident = await _incident_to_show(store, args.incident)
        out = export.open_private(args.output) if args.output else sys.stdout
        try:
            if args.format == "json":
                await export.write_json(store, incident.id, out, pb)
            else:
                from warroom.core import documents

                out.write(await documents.render_from_store("postmortem", store, incident.id, pb))
        finally:
            if args.output:
                out.close()
        return incident.id

    try:
        asyncio.run(_with_store(args, False, work))
    except OSError as exc:
        if args.output is None or isinstance(exc, BrokenPipeError):
            raise  # standard output: main() handles a closed pipe
        raise WarroomError(f"cannot write {args.output}: {exc.strerror}") from None
    if args.output:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _missing_database_json(args: argparse.Namespace, empty: str) -> bool:
    """--json before any database exists: print the empty answer (a script's loop runs zero times)."""
    if getattr(args, "json", False) and not _db_path(args).exists():
        print(empty)
        return True
    return False


def cmd_actions(args: argparse.Namespace) -> int:
    import asyncio

    from warroom.core import followups
    from warroom.core.export import dumps
    from warroom.core.timeutil import local, now

    if _missing_database_json(args, "[]"):
        return 0
    states = asyncio.run(_with_store(args, False, followups.load_states))
    today = local(now()).date()
    found = followups.follow_ups(states, today, owner=args.owner, overdue_only=args.overdue)
    if args.json:
        print(dumps([followups.as_json(f) for f in found], indent=2))
        return 0
    if not found:
        print("no overdue action items" if args.overdue else "no open action items")
        return 0
    from warroom.core.safetext import one_line

    for f in found:  # one line per item, whatever its text holds
        mark = "OVERDUE " if f.overdue else ""
        due = f"due {one_line(f.item.due, 20)}" if f.item.due else "no due date"
        owner = one_line(f.item.owner, 20) or "(no owner)"
        print(
            f"{mark}{f.incident_id}  {owner}  {due}  [{one_line(f.item.status, 16)}]  {one_line(f.item.action, 80)}"
            f"  ({one_line(f.incident_title, 40)})"
        )
    return 0


def _since(args: argparse.Namespace, today):
    import re
    from datetime import date, timedelta

    if args.since is None:
        return None
    if m := re.fullmatch(r"-(\d+)([dw])", args.since.strip()):
        return today - timedelta(days=int(m[1]) * (7 if m[2] == "w" else 1))
    try:
        return date.fromisoformat(args.since.strip())
    except ValueError:
        args.subparser.error(f"--since {args.since!r}: use YYYY-MM-DD, -8w or -30d")


def cmd_stats(args: argparse.Namespace) -> int:
    import asyncio

    from warroom.core import followups, stats
    from warroom.core.export import dumps
    from warroom.core.timeutil import local, now

    current = now()
    since = _since(args, local(current).date())
    if _missing_database_json(args, dumps(stats.as_json(stats.Summary([], 0, dict.fromkeys(stats.MEASURES))))):
        return 0
    pb = _playbook(args)
    states = asyncio.run(_with_store(args, False, followups.load_states))
    summary = stats.weekly(states, pb, current, since)
    if args.json:
        print(dumps(stats.as_json(summary), indent=2))
    else:
        sys.stdout.write(stats.render_text(summary))
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from warroom.team.command import sync  # lazily: psycopg only for this command

    return sync(_db_path(args), args.server or getattr(args, "team_server", None), args.once)


def _refuse_database_as_output(output: Path, database: Path) -> None:
    """`export -o war.db` would truncate the incident it is exporting (a link as well)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        part = Path(f"{database}{suffix}")
        try:
            same = output.exists() and part.exists() and os.path.samefile(output, part)
        except OSError:
            same = False
        if same:
            raise WarroomError(f"{output} is the database itself ({part}); export to another file")


def cmd_demo(args: argparse.Namespace) -> int:
    import asyncio
    import tempfile

    from warroom.core.demo import seed_demo
    from warroom.core.timeutil import now

    pb = _playbook(args)
    path = args.db or Path(tempfile.mkdtemp(prefix="warroom-demo-")) / "demo.db"
    if path.exists():
        raise WarroomError(f"{path} already exists; the demo writes a new database (omit --db for a scratch one)")
    asyncio.run(_with_store(argparse.Namespace(db=path), True, lambda s: seed_demo(s, pb, now(), args.events)))
    if args.no_tui:
        print(path)
        return 0
    return _run_tui(path, pb)


def _run_tui(path: Path, pb, server: str | None = None) -> int:
    from warroom.core import db

    db.prepare(path, create=True)  # refuse a bad file before the screen takes over
    from warroom.tui.app import run

    return run(path, pb, server)


def _inert(exc: BaseException) -> str:
    """An error on one line, its control characters visible (a --db path may hold ESC)."""
    from warroom.core.safetext import one_line

    return one_line(str(exc))


TIME_OPTIONS = ("--at", "--started", "--detected", "--since")


def _glue_at(argv: list[str]) -> list[str]:
    """`--at -12m` as `--at=-12m` (and --started, --detected, --since): argparse would take a
    value starting with '-' for an option."""
    out: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg in TIME_OPTIONS:
            value = next(args, None)
            if value is not None and value.startswith("-") and value != "--":
                out.append(f"{arg}={value}")
                continue
            out.append(arg)
            if value is not None:
                out.append(value)
            continue
        out.append(arg)
    return out


def _not_utf8(args: argparse.Namespace) -> str | None:
    """Text arguments must be UTF-8 (Python keeps other bytes as lone surrogates, which no
    text can store); paths (--db, -o) may hold any bytes the file system takes."""
    names = {"title": "the title", "text": "the text", "kind": "the kind"}
    given = [(names.get(k, f"--{k}"), v) for k, v in vars(args).items()]
    if not getattr(args, "author", None):
        given.append(("WARROOM_AUTHOR", os.environ.get("WARROOM_AUTHOR", "")))
    for name, value in given:
        if isinstance(value, str) and (bad := next((c for c in value if "\udc80" <= c <= "\udcff"), None)):
            return f"{name} is not UTF-8 text (byte 0x{ord(bad) - 0xDC00:02x})"
    return None


def main(argv: list[str] | None = None) -> int:
    argv = _glue_at(sys.argv[1:] if argv is None else argv)
    parser = _parser(_chosen(argv))  # one subcommand's parser: `warroom log` builds no other
    args = parser.parse_args(argv)
    if not_utf8 := _not_utf8(args):  # a usage error, like any malformed argument: exit 2
        print(f"warroom: {not_utf8}; nothing was done", file=sys.stderr)
        return 2
    commands = {
        "log": cmd_log,
        "declare": cmd_declare,
        "list": cmd_list,
        "resolve": cmd_resolve,
        "doc": cmd_doc,
        "export": cmd_export,
        "demo": cmd_demo,
        "sync": cmd_sync,
        "set": cmd_set,
        "actions": cmd_actions,
        "stats": cmd_stats,
    }
    try:
        if args.command is None:
            return _run_tui(_db_path(args), _playbook(args), args.team_server)
        if args.command in (
            "list",
            "doc",
            "export",
            "actions",
            "stats",
        ):  # never a byte changed in the file, its -wal or -shm
            from warroom.core import db

            db.set_read_only()
        code = commands[args.command](args)
        sys.stdout.flush()  # a closed pipe must fail here, inside the handlers, not at exit
        return code
    except BrokenPipeError:
        # `warroom export | head`: the reader left. Stop quietly, as cat does, and keep
        # Python from complaining again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 141  # 128 + SIGPIPE
    except WarroomError as exc:
        print(f"warroom: {_inert(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("warroom: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("WARROOM_DEBUG"):
            raise
        from warroom.core.errorlog import report  # the traceback to the log file, one line here
        from warroom.core.safetext import one_line

        print(f"warroom: {one_line(report(exc, 'the command'))}", file=sys.stderr)
        return 1
    finally:
        if "warroom.core.db" in sys.modules:  # a recovery after a crash, and where its backup is
            db_module = sys.modules["warroom.core.db"]
            db_module.set_read_only(False)  # main() run in-process (tests) must not leave it set
            for notice in db_module.take_notices():
                print(f"warroom: {_inert(notice)}", file=sys.stderr)
