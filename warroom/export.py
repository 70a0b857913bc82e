"""`warroom export --format json`: the whole incident, machine-readable, streamed.

Events are written in batches as they are read, so a 100,000-event incident never sits
in memory as one string.
"""

from __future__ import annotations

import json
from typing import TextIO

from warroom.store import Store

FORMAT_VERSION = 1


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


async def write_json(store: Store, incident_id: str, out: TextIO) -> None:
    state = await store.load_state(incident_id)
    header = {
        "format": "warroom-incident",
        "format_version": FORMAT_VERSION,
        "incident": state.incident.model_dump(mode="json"),
        "phases": [p.model_dump(mode="json") for p in state.phases],
        "severity_history": [s.model_dump(mode="json") for s in state.severity_history],
        "checklist": [m.model_dump(mode="json") for m in state.checklist.values()],
        "flags": [f.model_dump(mode="json") for f in state.flags],
        "temp_fixes": [f.model_dump(mode="json") for f in state.temp_fixes],
        "action_items": [a.model_dump(mode="json") for a in state.action_items],
        "postmortem": state.postmortem,
        "handoff_draft": state.handoff_draft,
        "event_count": state.event_count,
    }
    body = _dump(header)
    out.write(body[:-1] + ', "events": [')  # stream the events into the same object
    first = True
    async for batch in store.iter_events(incident_id):
        for event in batch:
            out.write(("\n  " if first else ",\n  ") + _dump(event.model_dump(mode="json")))
            first = False
    out.write("\n]}\n")
