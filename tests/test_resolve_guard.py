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
