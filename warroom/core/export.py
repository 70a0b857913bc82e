"""`warroom export --format json`: the whole incident, machine-readable, streamed.

Events are written in batches as they are read, so a 100,000-event incident never sits
in memory as one string.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TextIO

from warroom.core.playbook import Playbook
from warroom.core.safetext import INVISIBLE
from warroom.core.store import Store

FORMAT_VERSION = 1


def open_private(path: Path) -> TextIO:
    """An export holds the whole incident: readable by its owner only, like the database."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8")


def write_private(path: Path, text: str) -> None:
    with open_private(path) as out:
        out.write(text)


# json escapes C0 controls but not DEL or C1 (0x80-0x9f, e.g. CSI 0x9b), which a terminal
# may act on when the export is printed, nor the invisible and bidi characters safetext
# shows as <U+XXXX> (U+202E reverses what follows); escape them too (still valid, equal JSON).
_UNESCAPED_CONTROL = re.compile(f"[\x7f-\x9f\u200c\u200d{INVISIBLE}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # a tag character: JSON spells it as its UTF-16 surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def dumps(value, **kwargs) -> str:
    text = json.dumps(value, ensure_ascii=False, **kwargs)
    return _UNESCAPED_CONTROL.sub(_escape, text)


def _dump(value) -> str:
    return dumps(value, sort_keys=True)


async def write_json(store: Store, incident_id: str, out: TextIO, playbook: Playbook | None = None) -> None:
    """`playbook` names the contain phase (by its role) for the metrics' time to contain."""
    from warroom.core import metrics

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
        "metrics": metrics.as_json(state, metrics.compute(state, store.clock(), playbook)),
    }
    body = _dump(header)
    out.write(body[:-1] + ', "events": [')  # stream the events into the same object
    first = True
    async for batch in store.iter_events(incident_id):
        for event in batch:
            out.write(("\n  " if first else ",\n  ") + _dump(event.model_dump(mode="json")))
            first = False
    out.write("\n]}\n")
