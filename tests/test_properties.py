"""Property tests: any text round-trips exactly, and no text makes output unsafe.

Text is any Unicode string except lone surrogates (which UTF-8 cannot hold), with control
characters, escape sequences and markup characters drawn often on purpose.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
import sys
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom import cli
from warroom.core import export
from warroom.core.store import Store

NASTY_PIECES = [
    "\x1b",
    "\x1b[31m",
    "\x1b]52;c;",
    "\x07",
    "\x9b",
    "\x00",
    "\x7f",
    "\r",
    "\n",
    "\t",
    "[red]",
    "[/]",
    "[link=x]",
    "|",
    "<b>",
    "`",
    "\\",
    "\u202e",
    "\u2028",
    " ",
]
TEXT = st.lists(
    st.one_of(st.text(st.characters(codec="utf-8"), max_size=20), st.sampled_from(NASTY_PIECES)),
    max_size=12,
).map("".join)
SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture(scope="module")
def scratch():
    """One database for the module: a fresh file per example would only add time."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "props.db"
        incident = asyncio.run(_declare(path))
        yield path, incident


async def _declare(path: Path) -> str:
    store = await Store.open(path)
    try:
        return (await store.declare("Property incident", 2, "dana", first_phase="assess")).id
    finally:
        await store.close()


def _cli(*args: str, stdin: bytes = b"") -> tuple[int, str, str]:
    """cli.main in this process, with its own stdin/stdout/stderr: the command's code path."""
    fake_in = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.object(sys, "stdin", fake_in), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


@SETTINGS
@given(text=TEXT)
def test_store_round_trip(scratch, text):
    path, incident = scratch

    async def go():
        store = await Store.open(path, create=False)
        try:
            event = await store.append(incident, "note", text, "dana")
            (again,) = await store.events_by_seq([event.seq])
            fresh = await store.events_after(incident, event.seq - 1)
            out = io.StringIO()
            await export.write_json(store, incident, out)
            return event, again, fresh[0], out.getvalue()
        finally:
            await store.close()

    event, again, fresh, exported = asyncio.run(go())
    assert event.text == again.text == fresh.text == text
    by_id = {e["id"]: e for e in json.loads(exported)["events"]}
    assert by_id[event.id]["text"] == text
    assert not RAW_CONTROL.search(exported.replace("\n", ""))


@SETTINGS
@given(text=TEXT)
def test_cli_log_and_export_round_trip(scratch, text):
    """`warroom log -` stores the text (surrounding blanks trimmed) or refuses a blank one;
    `warroom export --format json` gives it back exactly."""
    path, incident = scratch
    code, out, err = _cli("--db", str(path), "log", "-", "--incident", incident, stdin=text.encode("utf-8"))
    if not text.strip():
        assert code == 1 and out == "" and err.startswith("warroom: ") and err.count("\n") == 1
        return
    assert code == 0, err
    event_id = out.strip()
    code, exported, err = _cli("--db", str(path), "export", "--format", "json", "--incident", incident)
    assert code == 0, err
    assert not RAW_CONTROL.search(exported.replace("\n", ""))
    by_id = {e["id"]: e for e in json.loads(exported)["events"]}
    assert by_id[event_id]["text"] == text.strip()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(texts=st.lists(TEXT, min_size=1, max_size=5), title=TEXT.filter(lambda t: t.strip()))
def test_documents_from_any_text_are_inert(playbook, texts, title):
    """Every document the CLI prints (and the TUI copies) renders and carries no raw control
    character, whatever the title and the events say."""
    from warroom.core import documents

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "docs.db"

        async def go():
            store = await Store.open(path)
            try:
                incident = await store.declare(title, 1, "dana", first_phase="assess", triage={"broken": texts[0]})
                for n, text in enumerate(texts):
                    await store.append(incident.id, ("note", "action", "change", "alert")[n % 4], text, "dana")
                return {
                    kind: await documents.render_from_store(kind, store, incident.id, playbook)
                    for kind in ("timeline", "status", "internal", "external", "handoff")
                }
            finally:
                await store.close()

        for kind, text in asyncio.run(go()).items():
            found = RAW_CONTROL.search(text.replace("\n", "").replace("\t", ""))
            assert found is None, (kind, found.group())
