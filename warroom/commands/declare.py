"""`warroom declare`, `set` and `resolve`: the commands that change an incident's record
through the core operations (the same calls the war room makes)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from warroom.commands.common import author, db_path, incident_to_show, playbook, with_store
from warroom.core.errors import UsageError, WarroomError

if TYPE_CHECKING:
    from argparse import Namespace


def _time_option(name: str, spec: str | None, current):
    """A --started/--detected value as a UTC time; a bad one is one line, nothing done."""
    if spec is None:
        return None
    from warroom.core.timeutil import parse_at

    try:
        return parse_at(spec, current)
    except ValueError as exc:  # malformed, or not a time that has passed: as `log --at`, exit 2
        raise UsageError(f"--{name}: {exc}; nothing was done") from None


def _details(args: Namespace, pb, current) -> dict:
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
        from warroom.core.details import impact_key

        details["impact"] = impact_key(pb, args.impact)
    return details


def cmd_declare(args: Namespace) -> int:
    from warroom.core.operations import Operations
    from warroom.core.timeutil import now

    pb = playbook(args.playbook)
    severity = args.sev or 2
    details = _details(args, pb, now())

    async def work(store):
        ops = Operations(store, pb, author(args.author))
        incident = await ops.declare(args.title, severity, **details)  # first update due one cadence on
        return incident.id

    print(asyncio.run(with_store(db_path(args.db), True, work)))
    return 0


def cmd_set(args: Namespace) -> int:
    from warroom.core.details import out_of_order
    from warroom.core.operations import Operations
    from warroom.core.timeutil import now

    pb = playbook(args.playbook)
    details = _details(args, pb, now())
    if not details:
        args.subparser.error("say what to set: --started, --detected, --service or --impact")

    async def work(store):
        incident = await incident_to_show(store, args.incident)  # days later: the last resolved one
        if "detected_at" in details and "started_at" not in details and incident.started_at is not None:
            if details["detected_at"] < incident.started_at:
                raise WarroomError("--detected is before the recorded start; nothing was done")
        if "started_at" in details and "detected_at" not in details and incident.detected_at is not None:
            if incident.detected_at < details["started_at"]:
                raise WarroomError("--started is after the recorded detection; nothing was done")
        started, detected = details.get("started_at"), details.get("detected_at")
        if problem := out_of_order(started, detected, incident.declared_at, now()):  # after the declaration
            raise WarroomError(f"{problem}; nothing was done")
        event = await Operations(store, pb, author(args.author)).set_details(incident.id, **details)
        return incident.id, event.text

    incident_id, text = asyncio.run(with_store(db_path(args.db), False, work))
    from warroom.core.safetext import one_line

    print(f"{incident_id} {one_line(text)}")
    return 0


def cmd_resolve(args: Namespace) -> int:
    from warroom.core.operations import Operations

    pb = playbook(args.playbook)

    async def work(store):
        if args.incident is None and args.reopen:
            raise WarroomError("say which incident to reopen: --incident ID")
        incident = await store.find_incident(args.incident)
        wanted = "open" if args.reopen else "resolved"
        if incident.status == wanted:
            raise WarroomError(f"{incident.id} is already {wanted}")
        ops = Operations(store, pb, author(args.author))
        await (ops.reopen(incident.id) if args.reopen else ops.resolve(incident.id))  # resolving moves to Postmortem
        return incident.id

    incident_id = asyncio.run(with_store(db_path(args.db), False, work))
    print(f"{incident_id} {'reopened' if args.reopen else 'resolved'}")
    return 0
