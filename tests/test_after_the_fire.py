"""Issue 11 in the core, through the real store and fold: resolving moves to the postmortem
phase in the same write, detail corrections are logged, the clocks of a resolved incident stop."""

from __future__ import annotations

from datetime import timedelta

from fixed_clock import FIXED_NOW

from warroom.core import metrics
from warroom.core.operations import Operations
from warroom.core.store import Store


async def _ops(db_path, playbook, now=FIXED_NOW):
    store = await Store.open(db_path, clock=lambda: now)
    return store, Operations(store, playbook, "dana")


async def test_resolve_moves_to_the_postmortem_phase_in_the_same_write(db_path, playbook):
    store, ops = await _ops(db_path, playbook)
    try:
        incident = await ops.declare("Checkout down", 1)
        await ops.set_phase(incident.id, playbook.phase_key("contain"))
        before = await store.count_events(incident.id)
        resolved = await ops.resolve(incident.id)
        state = await store.load_state(incident.id)
        assert state.incident.status == "resolved" and state.incident.phase == playbook.phase_key("postmortem")
        assert await store.count_events(incident.id) == before + 2  # resolved + phase, one transaction
        phase = [e for e in state.events if e.kind == "phase"][-1]
        assert phase.recorded_at == resolved.recorded_at and phase.hlc > resolved.hlc
        assert phase.data["old"] == "contain" and "Postmortem" in phase.text
        # Reopen is explicit and logged, and takes the phase back to Contain (changed on purpose: the
        # fire is back); resolving again moves it to Postmortem again, in the same write.
        await ops.reopen(incident.id)
        assert (await store.incident(incident.id)).phase == "contain"
        count = await store.count_events(incident.id)
        await ops.resolve(incident.id)
        assert await store.count_events(incident.id) == count + 2
        state = await store.load_state(incident.id)
        assert [e.kind for e in state.events][-4:] == ["reopened", "phase", "resolved", "phase"]
    finally:
        await store.close()


async def test_resolved_incident_clocks_stop_when_read_back(db_path, playbook):
    store, ops = await _ops(db_path, playbook)
    try:
        incident = await ops.declare("Checkout down", 2, started_at=FIXED_NOW - timedelta(minutes=20))
        await ops.resolve(incident.id)
        state = await store.load_state(incident.id)
        later = metrics.compute(state, FIXED_NOW + timedelta(days=1), playbook)
        assert later.since_start == timedelta(minutes=20) and later.resolved_at == FIXED_NOW
        assert later.time_to_resolve == timedelta(minutes=20)
        assert later.in_phase == timedelta(0)  # the postmortem phase began at the resolution
    finally:
        await store.close()


async def test_details_set_later_are_logged_and_folded(db_path, playbook):
    store, ops = await _ops(db_path, playbook)
    try:
        incident = await ops.declare("Checkout down", 2)
        started = FIXED_NOW - timedelta(minutes=18)
        await ops.set_details(incident.id, started_at=started, service="checkout-api", impact="many")
        state = await store.load_state(incident.id)
        assert state.incident.started_at == started and state.incident.service == "checkout-api"
        assert any(e.kind == "details" and "checkout-api" in e.text for e in state.events)
        assert metrics.compute(state, FIXED_NOW, playbook).time_to_declare == timedelta(minutes=18)
    finally:
        await store.close()
