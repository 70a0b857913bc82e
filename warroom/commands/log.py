"""`warroom log`: one event on the timeline, from deploy scripts and alert hooks.

The fast path: stdlib only, no pydantic, no Textual; it writes through the store's own
write path (warroom.core.sql) and prints the event's id. An alert hook that fires after the
incident was resolved is not dropped: the event goes on the last resolved incident, marked
as after resolution, with a warning on stderr.
"""

from __future__ import annotations

import sys

from warroom.commands.common import author, db_text
from warroom.core.errors import UsageError, WarroomError


def read_text(arg: str) -> str:
    """The text given, or (for "-") standard input, bounded and checked as UTF-8."""
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


def cmd_log(args) -> int:
    """Log args.text (or standard input, for "-") as args.kind; prints the event's id. `args`
    is argparse's Namespace or, for the usual form, warroom.cli's own reading of the command
    line with the same fields (no argparse on this path: see cli._plain)."""
    import sqlite3

    from warroom.core import db, sql
    from warroom.core.entry import clean_text
    from warroom.core.timeutil import now, parse_at

    path = db_text(args.db)
    try:
        text = clean_text(read_text(args.text))
        current = now()  # WARROOM_NOW, when set, is read here: a bad one is said as plainly
    except ValueError as exc:
        raise WarroomError(f"{exc}; nothing was logged") from None
    try:
        at = parse_at(args.at, current) if args.at else current
    except ValueError as exc:  # --at 25:99: a malformed argument
        raise UsageError(f"--at: {exc}; nothing was logged") from None
    conn = db.open_db(path, create=False)
    try:
        data: dict[str, object] = {"source": "cli"}
        incident_id, still_open = sql.find_incident_or_last(conn, args.incident, path)
        if not still_open:
            data["after_resolution"] = True
            print(f"warroom: {incident_id} is resolved; logged as after resolution", file=sys.stderr)
        # A hook without --incident goes to the latest declared: said when others are open too, as
        # it may not be the one being worked (a SEV-3 declared after the SEV-1).
        others = sql.open_incidents(conn) if still_open and args.incident is None else []
        row = sql.append(
            conn, sql.host_id(conn), incident_id, args.kind, text, author(args.author), now=current, at=at, data=data
        )
    except sqlite3.Error as exc:
        raise db.describe_sqlite_error(path, exc) from None
    finally:
        conn.close()
    if len(others) > 1:
        also = [i for i in others if i != incident_id]
        named = ", ".join(also[:3]) + (f" and {len(also) - 3} more" if len(also) > 3 else "")
        print(
            f"warroom: {len(others)} incidents are open; logged to {incident_id}, the latest declared "
            f"(also open: {named}); --incident ID names one",
            file=sys.stderr,
        )
    print(row[1])
    return 0
