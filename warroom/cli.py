"""The command line: `warroom` alone opens the war room; the rest are shell commands.

This module parses and dispatches; each command's body is in warroom.commands, imported only
when chosen. Shell commands never import Textual, and `warroom log` (called from deploy scripts
and alert hooks) imports no pydantic and, in its usual form, not even argparse or pathlib
(_plain).
Exit codes: 0 success, 2 usage, 1 anything else with one `warroom: ...` line.
"""

from __future__ import annotations

import os
import sys

from warroom import __version__
from warroom.core.errors import UsageError, WarroomError

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
    from pathlib import Path

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


def _past_globals(argv: list[str]):
    """Each argument but the global options that take a value (--db, --playbook, --server) and
    their values: the command, its arguments, and any other option."""
    args = iter(argv)
    for arg in args:
        if arg.partition("=")[0] in _GLOBAL_WITH_VALUE:
            if "=" not in arg:
                next(args, None)
            continue
        yield arg


def _chosen(argv: list[str]) -> str | None:
    """The subcommand named in argv, found without building any parser (None: none, or help
    asked of the whole program): `warroom log` builds only the log parser."""
    for arg in _past_globals(argv):
        if arg.startswith("-"):
            return None  # --help, --version, a typo: the whole parser answers
        return arg if arg in SUBCOMMANDS else None
    return None


_GLOBAL_OPTIONS_ALL = (*_GLOBAL_WITH_VALUE, "--version", "--help")


def _unknown_global(argv: list[str]) -> str | None:
    """A misspelt option before the command (`--playbok p.toml`): argparse took its value for the
    command and said "invalid choice: 'p.toml'". One line naming the option instead (an
    abbreviation argparse accepts, `--play`, is not unknown)."""
    for arg in _past_globals(argv):
        if not arg.startswith("--") or arg == "--":
            return None  # the command (or a positional): its own options are its parser's
        name = arg.partition("=")[0]
        if not any(known.startswith(name) for known in _GLOBAL_OPTIONS_ALL):
            from difflib import get_close_matches

            close = get_close_matches(name, _GLOBAL_OPTIONS_ALL, n=1)
            return f"unknown option {name}" + (
                f" (did you mean {close[0]}?)" if close else " (warroom --help lists them)"
            )
    return None


def _parser(only: str | None = None):
    """The whole command line (an argparse parser, imported here: not on the usual log path);
    with `only`, the global options and that one subcommand."""
    import argparse
    from pathlib import Path

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
            # The global options after the command too (`warroom demo --db x.db`), unlisted there.
            command = sub.choices[name]
            for option, dest in _GLOBAL_OPTIONS.items():
                if option in command._option_string_actions:  # the command's own (sync --server)
                    continue
                kind = Path if dest in _PATH_OPTIONS else str
                command.add_argument(option, dest=dest, type=kind, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


# The options of the usual `warroom log` and where argparse stores them (see _parser, _add_log).
_GLOBAL_OPTIONS = {"--db": "db", "--playbook": "playbook", "--server": "team_server"}
_LOG_OPTIONS = {**_GLOBAL_OPTIONS, "--kind": "kind", "--at": "at", "--incident": "incident", "--author": "author"}
_PATH_OPTIONS = ("db", "playbook")  # argparse: type=Path; the plain reading: their text


def _plain(argv: list[str]):
    """The two usual command lines read without argparse, which costs each ~3-10 ms (argparse,
    gettext, shutil, the parsers built): `warroom [--db PATH] [--playbook PATH] [--server URL]`,
    the war room, and `warroom [those] log [TEXT] [--kind KIND] [--at TIME] [--incident ID]
    [--author NAME]`, called from deploy scripts and alert hooks. Gives what argparse would give
    (a test compares them), the paths as text (str(Path(value)): pathlib and the re, fnmatch and
    urllib.parse it imports cost ~9 ms); None for anything less plain (help, an abbreviation,
    a repeated option, a value or a text starting with '-', an unknown kind, another command):
    argparse answers those, errors and all."""
    values: dict[str, object] = {"db": None, "playbook": None, "team_server": None, "command": None}
    options = _GLOBAL_OPTIONS
    given: set[str] = set()
    args = iter(argv)
    for arg in args:
        if options is _GLOBAL_OPTIONS and arg == "log":
            options = _LOG_OPTIONS
            values.update(command="log", text="-", kind="note", at=None, incident=None, author=None)
            continue
        name, glued, value = arg.partition("=")
        dest = options.get(name)
        if dest is None:  # the text: once, after `log`, not an option
            if options is _GLOBAL_OPTIONS or (arg.startswith("-") and arg != "-"):
                return None
            dest, value = "text", arg
        elif not glued:  # `--kind alert`; `--at -12m` came glued (_glue_at)
            following = next(args, None)
            if following is None or following.startswith("-"):
                return None
            value = following
        if dest in given or (dest == "kind" and value not in USER_KINDS):
            return None
        given.add(dest)
        if dest in _PATH_OPTIONS:
            from warroom.core.locations import path_text

            value = path_text(value)
        values[dest] = value
    from types import SimpleNamespace

    return SimpleNamespace(**values)


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


def _not_utf8(args) -> str | None:
    """Text arguments must be UTF-8 (Python keeps other bytes as lone surrogates, which no
    text can store); paths (--db, -o) may hold any bytes the file system takes."""
    names = {"title": "the title", "text": "the text", "kind": "the kind"}
    given = [(names.get(k, f"--{k}"), v) for k, v in vars(args).items() if k not in _PATH_OPTIONS]
    if not getattr(args, "author", None):
        given.append(("WARROOM_AUTHOR", os.environ.get("WARROOM_AUTHOR", "")))
    for name, value in given:
        if isinstance(value, str) and (bad := next((c for c in value if "\udc80" <= c <= "\udcff"), None)):
            return f"{name} is not UTF-8 text (byte 0x{ord(bad) - 0xDC00:02x})"
    return None


# Each command's body, "module:function" in warroom.commands, imported only when chosen
# (None: `warroom` alone, the war room).
COMMANDS = {
    None: "room:cmd_room",
    "demo": "room:cmd_demo",
    "sync": "room:cmd_sync",
    "log": "log:cmd_log",
    "declare": "declare:cmd_declare",
    "set": "declare:cmd_set",
    "resolve": "declare:cmd_resolve",
    "list": "reports:cmd_list",
    "doc": "reports:cmd_doc",
    "export": "reports:cmd_export",
    "actions": "reports:cmd_actions",
    "stats": "reports:cmd_stats",
}


def _command(name: str | None):
    module, function = COMMANDS[name].split(":")
    return getattr(__import__(f"warroom.commands.{module}", fromlist=[function]), function)


def _inert(exc: BaseException | str) -> str:
    """An error on one line, its control characters visible (a --db path may hold ESC)."""
    from warroom.core.safetext import one_line

    return one_line(str(exc))


def main(argv: list[str] | None = None) -> int:
    argv = _glue_at(sys.argv[1:] if argv is None else argv)
    args = _plain(argv)
    if args is None:
        if unknown := _unknown_global(argv):  # a usage error: exit 2, as argparse's own
            print(f"warroom: {_inert(unknown)}", file=sys.stderr)
            return 2
        args = _parser(_chosen(argv)).parse_args(argv)  # one subcommand's parser, not all of them
    if not_utf8 := _not_utf8(args):  # a usage error, like any malformed argument: exit 2
        print(f"warroom: {not_utf8}; nothing was done", file=sys.stderr)
        return 2
    # pydantic scans every installed distribution's metadata for plugins at its first
    # validation (20-80 ms of the war room's start-up); warroom uses none. A user's own
    # setting of the variable wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        code = _command(args.command)(args)
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
        return 2 if isinstance(exc, UsageError) else 1
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
            for notice in db_module.take_notices():
                print(f"warroom: {_inert(notice)}", file=sys.stderr)


if __name__ == "__main__":  # `python -X importtime -m warroom.cli log ...`
    raise SystemExit(main())
