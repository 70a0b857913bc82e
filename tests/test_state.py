"""The fold: the same events give the same state whatever order they arrived in; changes made
apart are kept and shown, not silently picked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.core import db, replica, rules
from warroom.core.models import ActionItem
from warroom.core.operations import Operations
from warroom.core.reads import event_from_row
from warroom.core.state import fold
from warroom.core.store import Store

SERVER = "postgresql:///team"


class Ticking:
    """A clock that moves a few seconds per write, like a commander's."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        self.now += timedelta(seconds=7)
        return self.now


async def _rich_incident(path, playbook, start) -> str:
    store = await Store.open(path, clock=Ticking(start))
    ops = Operations(store, playbook, "dana")
    incident = await ops.declare("Checkout down", 2, triage={"broken": "payments 500"}, service="checkout-api")
    iid = incident.id
    await ops.log(iid, "change", "deploy v2.3.4", at=start - timedelta(minutes=20))
    await ops.set_severity(iid, 1, incident.next_update_at)
    await ops.set_phase(iid, playbook.phase_key("contain"))
    await ops.decide_containment(iid, playbook.containment_for(playbook.situation_key("bad_deploy")))
    await ops.set_role(iid, "comms", "sam")
    fix = await ops.add_temp_fix(iid, "bypass token cache", "config", "INC-1")
    await ops.set_mitigation(iid, playbook.mitigation_level("full"))
    await ops.tick(iid, "assess", "broken", "What's broken?", True, "payments")
    await ops.decide_flag(iid, "rollback_first", "snooze", "snoozed", minutes=15)
    await ops.save_draft(iid, "handoff", "first draft")
    await ops.save_draft(iid, "handoff", "second draft")
    await ops.save_action_item(ActionItem(id="item-1", incident_id=iid, action="add alert", created_at=start))
    await ops.save_action_item(
        ActionItem(id="item-1", incident_id=iid, action="add alert", status="Done", created_at=start)
    )
    await ops.close_temp_fix(fix, permanent=False)
    await ops.hand_off(iid, "alex", "over to alex")
    await ops.record_copy(iid, "internal", "update #1", 1)
    await ops.resolve(iid)
    await ops.reopen(iid)
    await ops.set_phase(iid, playbook.phase_key("mitigate"))
    await store.close()
    return iid


def _events_and_row(path, incident_id):
    conn = db.open_db(path)
    try:
        rows = conn.execute(
            "SELECT seq, id, incident_id, ts, recorded_at, kind, text, author, ref, data, hlc, host FROM events"
            " WHERE incident_id = ? AND kind NOT IN ('amend', 'strike', 'pin', 'unpin')",
            (incident_id,),
        ).fetchall()
        cur = conn.execute("SELECT * FROM incidents WHERE id = ?", (incident_id,))
        row = dict(zip([c[0] for c in cur.description], cur.fetchone(), strict=True))
    finally:
        conn.close()
    import json

    row["roles"] = json.loads(row["roles"])
    return [event_from_row(r) for r in rows], row


def _summary(state):
    inc = state.incident
    return (
        inc.model_dump(),
        [(p.phase, p.entered_at) for p in state.phases],
        [(s.old, s.new) for s in state.severity_history],
        sorted(state.checklist),
        [(f.rule, f.action) for f in state.flags],
        [(f.id, f.removed_at, f.permanent) for f in state.temp_fixes],
        [(a.id, a.status) for a in state.action_items],
        state.drafts,
        [e.id for e in state.events],
        sorted(state.conflicts),
    )


START = datetime(2026, 3, 10, 14, 55, tzinfo=UTC)


@pytest.fixture(scope="module")
def rich(tmp_path_factory, playbook):
    """A rich incident's events and declaration row, written once for the module."""
    path = tmp_path_factory.mktemp("fold") / "rich.db"
    iid = asyncio.run(_rich_incident(path, playbook, START))
    return _events_and_row(path, iid)


@settings(max_examples=60, deadline=None)
@given(order=st.randoms(use_true_random=False))
def test_same_events_any_arrival_order_same_state(order, rich):
    events, row = rich
    expected = _summary(fold(dict(row), [e.model_copy() for e in events]))
    shuffled = [e.model_copy() for e in events]
    order.shuffle(shuffled)
    assert _summary(fold(dict(row), shuffled)) == expected


def test_the_rich_incident_folds_to_what_happened(rich):
    events, row = rich
    state = fold(dict(row), events)
    inc = state.incident
    assert (inc.severity, inc.phase, inc.status, inc.commander) == (1, "mitigate", "open", "alex")
    assert inc.roles == {"commander": "alex", "comms": "sam"} and inc.service == "checkout-api"
    assert inc.mitigation == "full" and inc.restored_at is not None and inc.updates_sent == 1
    assert state.drafts["handoff"] == "second draft" and not state.draft_versions
    assert [(a.id, a.status) for a in state.action_items] == [("item-1", "Done")]
    assert [f.in_place for f in state.temp_fixes] == [False]
    assert state.events[0].text == "deploy v2.3.4"  # backdated: first on the timeline
    assert not state.conflicts


# ----- apart ----------------------------------------------------------------------------------


def _share(src, dst):
    a, b = db.open_db(src), db.open_db(dst)
    try:
        rows = replica.unpushed(a, limit=10_000)
        replica.apply_pulled(b, SERVER + str(src), rows, len(rows))
    finally:
        a.close()
        b.close()


async def _on(path, playbook, start, work):
    store = await Store.open(path, clock=Ticking(start))
    try:
        return await work(Operations(store, playbook, path.stem), store)
    finally:
        await store.close()


def test_changes_made_apart_are_both_shown_until_one_is_confirmed(tmp_path, playbook, fixed_now):
    a, b = tmp_path / "a.db", tmp_path / "b.db"

    async def declare(ops, store):
        return (await ops.declare("Checkout down", 2)).id

    iid = asyncio.run(_on(a, playbook, fixed_now, declare))
    _share(a, b)

    async def sev(level, draft):
        async def work(ops, store):
            await ops.set_severity(iid, level, None)
            await ops.save_draft(iid, "handoff", draft)

        return work

    asyncio.run(_on(a, playbook, fixed_now, asyncio.run(sev(1, "from a"))))
    asyncio.run(_on(b, playbook, fixed_now + timedelta(minutes=1), asyncio.run(sev(3, "from b"))))
    _share(a, b)
    _share(b, a)

    async def look(ops, store):
        return await store.load_state(iid)

    seen_a, seen_b = asyncio.run(_on(a, playbook, fixed_now, look)), asyncio.run(_on(b, playbook, fixed_now, look))
    assert _summary(seen_a) == _summary(seen_b)  # both laptops show the same incident
    assert sorted(e.data["new"] for e in seen_a.conflicts["severity"]) == [1, 3]
    assert sorted(e.text for e in seen_a.draft_versions["handoff"]) == ["from a", "from b"]

    async def confirm(ops, store):
        await ops.set_severity(iid, 1, None)
        await ops.save_draft(iid, "handoff", "from a")  # the commander keeps one version
        return await store.load_state(iid)

    settled = asyncio.run(_on(a, playbook, fixed_now, confirm))
    assert settled.incident.severity == 1 and not settled.conflicts and not settled.draft_versions
    assert settled.drafts["handoff"] == "from a"


def test_the_same_change_made_apart_is_agreed_not_a_conflict(tmp_path, playbook, fixed_now):
    """Both laptops reopened it, or moved to the same phase, at once: nothing to choose between
    (a walker's two war rooms flagged 'Phase: Assess by bob · Assess by ann')."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"

    async def declare(ops, store):
        return (await ops.declare("Checkout down", 2)).id

    iid = asyncio.run(_on(a, playbook, fixed_now, declare))
    _share(a, b)

    def to_contain_then(level):
        async def work(ops, store):
            await ops.set_phase(iid, "contain")
            await ops.set_severity(iid, level, None)

        return work

    asyncio.run(_on(a, playbook, fixed_now, to_contain_then(1)))
    asyncio.run(_on(b, playbook, fixed_now + timedelta(minutes=1), to_contain_then(3)))
    _share(a, b)
    _share(b, a)

    async def look(ops, store):
        return await store.load_state(iid)

    state = asyncio.run(_on(a, playbook, fixed_now, look))
    assert state.incident.phase == "contain" and "phase" not in state.conflicts  # both chose Contain
    assert sorted(e.data["new"] for e in state.conflicts["severity"]) == [1, 3]  # these differ


def test_details_set_apart_stand_side_by_side_when_they_differ(tmp_path, playbook, fixed_now):
    """ann set the impact to All users while bob set Some users, apart: both stand (a walker saw
    ann's silently replaced); a service set on one and an impact on the other both hold."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"

    async def declare(ops, store):
        return (await ops.declare("Checkout down", 2)).id

    iid = asyncio.run(_on(a, playbook, fixed_now, declare))
    _share(a, b)

    def details(**fields):
        async def work(ops, store):
            await ops.set_details(iid, **fields)

        return work

    async def look(ops, store):
        return await store.load_state(iid)

    asyncio.run(_on(a, playbook, fixed_now, details(service="checkout")))
    asyncio.run(_on(b, playbook, fixed_now + timedelta(minutes=1), details(impact="some")))
    _share(a, b)
    _share(b, a)
    state = asyncio.run(_on(a, playbook, fixed_now, look))
    assert (state.incident.service, state.incident.impact) == ("checkout", "some") and not state.conflicts

    asyncio.run(_on(a, playbook, fixed_now + timedelta(minutes=2), details(impact="all")))
    asyncio.run(_on(b, playbook, fixed_now + timedelta(minutes=3), details(impact="many", impact_pct=20.0)))
    _share(a, b)
    _share(b, a)
    state = asyncio.run(_on(a, playbook, fixed_now, look))
    assert sorted(e.data["impact"] for e in state.conflicts["details"]) == ["all", "many"]
    hit = rules.evaluate(state, playbook, fixed_now + timedelta(minutes=4))
    apart = next(p for p in hit if p.rule == "changed_apart")
    assert "Details: Impact: Many users; Impact %: 20 by" in apart.detail and "Impact: All users by" in apart.detail

    settled = asyncio.run(_on(a, playbook, fixed_now + timedelta(minutes=5), details(impact="all")))
    state = asyncio.run(_on(a, playbook, fixed_now, look))
    assert state.incident.impact == "all" and "details" not in state.conflicts
    assert settled is None


def test_two_war_rooms_on_one_file_keep_both_handoff_edits(tmp_path, playbook, fixed_now):
    """Two war rooms on one file both loaded the handoff, then each saved its own edit: the
    second does not overwrite the first; both stand and the state says so."""
    path = tmp_path / "one.db"

    async def work():
        first = await Store.open(path, clock=Ticking(fixed_now))
        second = await Store.open(path, clock=Ticking(fixed_now))
        ops1, ops2 = Operations(first, playbook, "dana"), Operations(second, playbook, "sam")
        iid = (await ops1.declare("Checkout down", 2)).id
        await ops1.save_draft(iid, "handoff", "base")
        loaded = (await second.load_state(iid)).draft_heads["handoff"]  # both editors start here
        mine = await ops1.save_draft(iid, "handoff", "dana's edit", base=loaded)
        mine = await ops1.save_draft(iid, "handoff", "dana's edit, more", base=mine)  # typing on
        await ops2.save_draft(iid, "handoff", "sam's edit", base=loaded)
        state = await first.load_state(iid)
        await first.close()
        await second.close()
        return state

    state = asyncio.run(work())
    assert sorted(e.text for e in state.draft_versions["handoff"]) == ["dana's edit, more", "sam's edit"]
    assert state.drafts["handoff"] == "sam's edit"  # the latest shows; the other is kept and named


def test_logging_into_a_resolved_incident_marks_the_event(tmp_path, playbook, fixed_now):
    async def work():
        store = await Store.open(tmp_path / "r.db", clock=Ticking(fixed_now))
        ops = Operations(store, playbook, "dana")
        iid = (await ops.declare("Checkout down", 2)).id
        before = await ops.log(iid, "note", "while open")
        await ops.resolve(iid)
        after = await ops.log(iid, "note", "a day later")
        await store.close()
        return before, after

    before, after = asyncio.run(work())
    assert "after_resolution" not in before.data and after.data["after_resolution"] is True
