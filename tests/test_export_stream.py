"""The JSON export writes events straight from the stored rows (no pydantic model per event):
what it writes must stay exactly what the models would write, markers and odd text included."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import timedelta

from warroom.core import export, schema
from warroom.core.reads import TIMELINE_PAGE_SQL
from warroom.core.store import Store


async def test_streamed_events_are_what_the_models_dump(db_path, playbook, clock):
    store = await Store.open(db_path)
    try:
        incident = await store.declare("Checkout down", 2, "dana", first_phase="assess")
        note = await store.append(incident.id, "note", "plain words", "dana")
        odd = await store.append(
            incident.id,
            "note",
            "ünïcode \u202e reversed \x9b csi \u200d joiner 🔥",
            "ḋana",
            data={"z": [1, 2.5, None], "a": {"ñ": "\u202e", "b": True}},
        )
        amended = await store.append(incident.id, "note", "to amend", "dana")
        await store.amend(amended, "amended \u202e text", "sam")
        await store.strike(note, "sam", "wrong")
        await store.pin(odd, "sam")
        pinned_then_unpinned = await store.append(incident.id, "note", "pin flip", "dana")
        await store.pin(pinned_then_unpinned, "sam")
        await store.pin(pinned_then_unpinned, "sam", pinned=False)
        await store.append(incident.id, "note", "backdated", "dana", at=clock() - timedelta(hours=1))
    finally:
        await store.close()
    # Rows no writer of this version makes: a kind it does not know, a whole-second time
    # (pydantic writes no fraction), and a time in another ISO spelling.
    conn = sqlite3.connect(db_path)
    for n, (ts, kind) in enumerate(
        [("2026-01-01T00:00:00.000Z", "note"), ("2026-01-01T00:00:01.5+00:00", "from_the_future")]
    ):
        params = schema.event_params(
            id=f"raw-{n}", incident_id=incident.id, ts=ts, recorded_at=ts, kind=kind, text="raw", author="x"
        )
        params["ts"] = params["recorded_at"] = ts
        conn.execute(schema.INSERT_EVENT, params)
    conn.commit()
    conn.close()

    store = await Store.open(db_path, create=False)
    try:
        expected = []
        async for batch in store.iter_events(incident.id, batch=3):
            expected += [export._dump(e.model_dump(mode="json")) for e in batch]
        out = io.StringIO()
        await export.write_json(store, incident.id, out)
    finally:
        await store.close()
    text = out.getvalue()
    lines = [line.rstrip(",")[2:] for line in text.split("\n") if line.startswith("  {")]
    assert lines == expected
    events = json.loads(text)["events"]
    by_text = {e["text"]: e for e in events}
    assert by_text["to amend"]["amended_text"] == "amended \u202e text"
    assert by_text["plain words"]["struck"] and not by_text["plain words"]["pinned"]
    assert not by_text["pin flip"]["pinned"]
    assert "\\u202e" in text and "\\u009b" in text and "\u202e" not in text
    assert any(e["ts"] == "2026-01-01T00:00:00Z" for e in events)
    assert any(e["kind"] == "from_the_future" for e in events)


async def test_timeline_pages_start_at_the_last_row_through_the_index(db_path, playbook, clock):
    store = await Store.open(db_path)
    await store.close()
    conn = sqlite3.connect(db_path)
    plan = " ".join(str(r) for r in conn.execute("EXPLAIN QUERY PLAN " + TIMELINE_PAGE_SQL, ("i", 0, "", 10)))
    conn.close()
    assert "(pos,id)>(?,?)" in plan.replace(" ", "")
