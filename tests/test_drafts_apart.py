"""Drafts written apart (two war rooms on one file here; two laptops behave the same through
the team sync): only what people typed can stand as two versions. The handoff pane's template
text (`generated`) follows the incident on every laptop by itself, so it never makes a choice."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import timedelta

from warroom.core.operations import Operations
from warroom.core.store import Store


class Ticking:
    def __init__(self, start):
        self.now = start

    def __call__(self):
        self.now += timedelta(milliseconds=5)
        return self.now


def _apart(tmp_path, playbook, fixed_now, first: tuple[str, bool], second: tuple[str, bool]):
    """Both rooms load the same handoff, then each writes one revision from it: (text, generated)."""

    async def work():
        path = tmp_path / "one.db"
        one = await Store.open(path, clock=Ticking(fixed_now))
        two = await Store.open(path, clock=Ticking(fixed_now))
        try:
            ops1, ops2 = Operations(one, playbook, "dana"), Operations(two, playbook, "sam")
            iid = (await ops1.declare("Checkout down", 2)).id
            await ops1.save_draft(iid, "handoff", "from the template", generated=True)
            loaded = (await two.load_state(iid)).draft_heads["handoff"]
            await ops1.save_draft(iid, "handoff", first[0], base=loaded, generated=first[1])
            await ops2.save_draft(iid, "handoff", second[0], base=loaded, generated=second[1])
            state = await one.load_state(iid)
            assert len(state.draft_heads["handoff"]) == 2  # both revisions stand in the file
            return state
        finally:
            await one.close()
            await two.close()

    return asyncio.run(work())


def test_two_template_texts_apart_are_not_versions(tmp_path, playbook, fixed_now):
    state = _apart(tmp_path, playbook, fixed_now, ("SEV-1 handoff", True), ("SEV-3 handoff", True))
    assert not state.draft_versions
    assert state.handoff_draft == "SEV-3 handoff"  # the latest
    assert state.generated_drafts == ["handoff"]  # the template's: the pane goes on following it


def test_typed_text_beside_a_template_text_stands_even_when_older(tmp_path, playbook, fixed_now):
    state = _apart(tmp_path, playbook, fixed_now, ("dana's own words", False), ("regenerated", True))
    assert not state.draft_versions
    assert state.handoff_draft == "dana's own words"
    assert state.drafts["handoff"] == "dana's own words"
    assert state.generated_drafts == []  # the shown text is typed: nothing follows the template


def test_two_typed_texts_apart_stand_as_versions(tmp_path, playbook, fixed_now):
    state = _apart(tmp_path, playbook, fixed_now, ("dana's edit", False), ("sam's edit", False))
    assert sorted(v.text for v in state.draft_versions["handoff"]) == ["dana's edit", "sam's edit"]
    assert state.handoff_draft == "sam's edit"


def test_the_same_words_typed_apart_are_one_version(tmp_path, playbook, fixed_now):
    state = _apart(tmp_path, playbook, fixed_now, ("rolled back v2.31", False), ("rolled back v2.31", False))
    assert not state.draft_versions
    assert state.handoff_draft == "rolled back v2.31"


def test_only_template_texts_carry_the_generated_mark(tmp_path, playbook, fixed_now):
    _apart(tmp_path, playbook, fixed_now, ("typed", False), ("template", True))
    conn = sqlite3.connect(tmp_path / "one.db")
    try:
        rows = conn.execute("SELECT text, data FROM events WHERE kind = 'draft' ORDER BY hlc").fetchall()
    finally:
        conn.close()
    marks = {text: json.loads(data).get("generated", False) for text, data in rows}
    assert marks == {"from the template": True, "typed": False, "template": True}


def test_a_versions_own_lines_are_those_another_version_lacks():
    from datetime import UTC, datetime

    from warroom.core.models import Event
    from warroom.tui.screens.apart import MERGE_MARK, merged, own_lines

    template = "## Incident Handoff\n**Status**: Assess\n**Current severity**: SEV-2"
    at = datetime(2026, 3, 10, 14, 55, tzinfo=UTC)

    def version(author: str, host: str, text: str) -> Event:
        return Event(
            id=author, incident_id="I", ts=at, recorded_at=at, kind="note", text=text, author=author, host=host
        )

    ana = version("ana", "h1", template + "\nANA: gateway")
    ben = version("ben", "h2", template.replace("SEV-2", "SEV-1") + "\nBEN: db")
    assert own_lines(ana, [ana, ben]) == ["**Current severity**: SEV-2", "ANA: gateway"]
    assert own_lines(ben, [ana, ben]) == ["**Current severity**: SEV-1", "BEN: db"]
    assert own_lines(ana, [ana]) == []
    assert len(MERGE_MARK.findall(merged([ana, ben]))) == 2  # the hand-off check finds them
    assert not MERGE_MARK.search(template)
