"""What the second press of ctrl+r is asked over: what says the fire may not be out yet."""

from __future__ import annotations

from builders import Story

from warroom.core.operations import unfinished_at_resolve


def test_a_finished_incident_resolves_without_a_word(playbook):
    story = Story()
    story.mitigate("full", 20)
    story.temp_fix("Bypass payment token cache", 22, removed=40)
    for item in playbook.phase("fix").items:
        story.tick("fix", item.id, 45)
    assert unfinished_at_resolve(story.state(), playbook) == []


def test_fixes_in_place_a_partial_restore_and_an_open_fix_checklist_are_named(playbook):
    story = Story()
    story.mitigate("partial", 20)
    story.temp_fix("Bypass payment token cache", 22)
    story.temp_fix("Raise pool size", 23)
    fix = playbook.phase("fix")
    story.tick("fix", fix.items[0].id, 45)
    notes = unfinished_at_resolve(story.state(), playbook)
    done = 1 if fix.items[0].requires is None else 0
    assert notes == [
        "2 temporary fixes still in place",
        "mitigation is Partial restore, not Full restore",
        f"Fix checklist {done}/{len(fix.items)}",
    ]


def test_service_never_restored_is_named(playbook):
    story = Story()
    story.temp_fix("Feature flag off", 22)
    notes = unfinished_at_resolve(story.state(), playbook)
    assert notes[:2] == ["1 temporary fix still in place", "service not restored"]


async def test_reopening_takes_the_phase_back_from_where_resolving_moved_it(db_path, playbook, clock):
    from warroom.core.operations import Operations
    from warroom.core.store import Store

    store = await Store.open(db_path, clock=clock)
    try:
        ops = Operations(store, playbook, "dana")
        incident = await store.declare("Checkout down", 2, "dana", first_phase="assess")
        await store.set_phase(incident.id, "diagnose", "dana")
        await ops.resolve(incident.id)
        assert (await store.incident(incident.id)).phase == "postmortem"
        await ops.reopen(incident.id)
        reopened = await store.incident(incident.id)
        assert (reopened.status, reopened.phase) == ("open", "diagnose")  # the fire is back

        await ops.resolve(incident.id)
        await store.set_phase(incident.id, "fix", "dana")  # chosen after resolving: it stays
        await store.set_phase(incident.id, "postmortem", "dana")
        await ops.reopen(incident.id)
        assert (await store.incident(incident.id)).phase == "postmortem"
    finally:
        await store.close()
