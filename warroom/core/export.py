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
from warroom.core.timeutil import from_db

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


# json.dumps(value, ensure_ascii=False, sort_keys=True) builds this encoder on every call.
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


_STR = json.encoder.encode_basestring  # what that encoder writes a str with (C when available)


def _json_time(text: str) -> str:
    """A stored time as Event.model_dump(mode="json") writes it, without building a datetime
    for the stored form (YYYY-MM-DDTHH:MM:SS.mmmZ, timeutil.to_db)."""
    if len(text) == 24 and text[19] == "." and text[23] == "Z" and text[20:23].isdigit():
        return text[:19] + "Z" if text[20:23] == "000" else text[:23] + "000Z"
    from pydantic_core import to_jsonable_python

    return to_jsonable_python(from_db(text))


def _opt(value: str | None) -> str:
    return "null" if value is None else _STR(value)


def event_json(row: tuple, mark: list | None) -> str:
    """One stored row (sql.EVENT_COLUMNS) with its markers, as exactly
    `_dump(event.model_dump(mode="json"))` of the marked Event, before the escape: written
    directly, since building 100,000 pydantic models cost more than everything else."""
    seq, id_, incident_id, ts, recorded_at, kind, text, author, ref, data, hlc, host = row
    amended, struck, pinned = mark or (None, False, False)
    payload = "{}" if not data or data == "{}" else _ENCODE(json.loads(data))
    return (
        f'{{"amended_text": {_opt(amended)}, "author": {_STR(author)}, "data": {payload}, "hlc": {int(hlc)},'
        f' "host": {_STR(host)}, "id": {_STR(id_)}, "incident_id": {_STR(incident_id)}, "kind": {_STR(kind)},'
        f' "pinned": {"true" if pinned else "false"}, "recorded_at": "{_json_time(recorded_at)}",'
        f' "ref": {_opt(ref)}, "seq": {int(seq)}, "struck": {"true" if struck else "false"},'
        f' "text": {_STR(text)}, "ts": "{_json_time(ts)}"}}'
    )


def _escaped(text: str) -> str:
    # Everything the escape touches but DEL is outside ASCII, and most batches are all ASCII.
    return text if text.isascii() and "\x7f" not in text else _UNESCAPED_CONTROL.sub(_escape, text)


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
    async for rows, marks in store.iter_event_rows(incident_id):
        text = ",\n  ".join([event_json(row, marks.get(row[1])) for row in rows])
        out.write(("\n  " if first else ",\n  ") + _escaped(text))
        first = False
    out.write("\n]}\n")
