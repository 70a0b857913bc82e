"""`warroom list`, `doc`, `export`, `actions` and `stats`: the commands that only read
(warroom.cli opens the file read-only for them: never a byte changed in it, its -wal or -shm)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from warroom.commands.common import db_path, incident_to_show, playbook, reading
from warroom.core.errors import WarroomError

if TYPE_CHECKING:
    from argparse import Namespace


def _missing_database_json(args: Namespace, empty: str) -> bool:
    """--json before any database exists: print the empty answer (a script's loop runs zero times)."""
    if getattr(args, "json", False) and not db_path(args.db).exists():
        print(empty)
        return True
    return False


def cmd_list(args: Namespace) -> int:
    from warroom.core.export import dumps
    from warroom.core.timeutil import local

    if _missing_database_json(args, "[]"):
        return 0
    path = db_path(args.db)
    if args.json:
        pb = playbook(args.playbook)

        async def with_metrics(store):
            from warroom.core import metrics

            rows = []
            for incident in await store.incidents(include_resolved=args.all):
                state = await store.load_state(incident.id)
                clocks = metrics.compute(state, store.clock(), pb)
                rows.append({**incident.model_dump(mode="json"), "metrics": metrics.as_json(state, clocks)})
            return rows

        print(dumps(asyncio.run(reading(path, with_metrics)), indent=2))
        return 0
    incidents = asyncio.run(reading(path, lambda s: s.incidents(include_resolved=args.all)))
    if not incidents:
        print("no open incidents" if not args.all else "no incidents")
        return 0
    from warroom.core.safetext import one_line

    for inc in incidents:  # one line per incident, whatever the title holds
        declared = local(inc.declared_at).strftime("%Y-%m-%d %H:%M")
        print(f"{inc.id}  SEV-{inc.severity}  {inc.status:<8}  {inc.phase:<10}  {declared}  {one_line(inc.title)}")
    return 0


def cmd_doc(args: Namespace) -> int:
    from warroom.core import documents

    pb = playbook(args.playbook)
    kinds = documents.document_kinds(pb)
    if args.kind not in kinds:  # checked after loading: a team playbook may add documents
        args.subparser.error(f"unknown document {args.kind!r} (choose from {', '.join(kinds)})")

    async def work(store):
        incident = await incident_to_show(store, args.incident)
        return await documents.render_from_store(args.kind, store, incident.id, pb)

    sys.stdout.write(asyncio.run(reading(db_path(args.db), work)))
    return 0


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


def cmd_export(args: Namespace) -> int:
    from warroom.core import export

    pb = playbook(args.playbook)  # json: the metrics object names the contain phase by its role
    path = db_path(args.db)
    if args.output is not None:
        _refuse_database_as_output(args.output, path)

    async def work(store):
        incident = await incident_to_show(store, args.incident)
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
        asyncio.run(reading(path, work))
    except OSError as exc:
        if args.output is None or isinstance(exc, BrokenPipeError):
            raise  # standard output: main() handles a closed pipe
        raise WarroomError(f"cannot write {args.output}: {exc.strerror}") from None
    if args.output:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def cmd_actions(args: Namespace) -> int:
    from warroom.core import followups
    from warroom.core.export import dumps
    from warroom.core.timeutil import local, now

    if _missing_database_json(args, "[]"):
        return 0
    states = asyncio.run(reading(db_path(args.db), followups.load_states))
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


def _since(args: Namespace, today):
    """--since: YYYY-MM-DD, or -8w / -30d back from today; a bad one is a usage error."""
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


def cmd_stats(args: Namespace) -> int:
    from warroom.core import followups, stats
    from warroom.core.export import dumps
    from warroom.core.timeutil import local, now

    current = now()
    since = _since(args, local(current).date())
    if _missing_database_json(args, dumps(stats.as_json(stats.Summary([], 0, dict.fromkeys(stats.MEASURES))))):
        return 0
    pb = playbook(args.playbook)
    states = asyncio.run(reading(db_path(args.db), followups.load_states))
    summary = stats.weekly(states, pb, current, since)
    if args.json:
        print(dumps(stats.as_json(summary), indent=2))
    else:
        sys.stdout.write(stats.render_text(summary))
    return 0
