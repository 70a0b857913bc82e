"""The phase checklist (warroom.core.checklist). Issue 11, item 7: every item of the shipped
playbook that the timeline can show is ticked by it (item_evidence through its done_when), one
test each; the rest need a person. Also progress per phase and the phase-advance guard."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from builders import Story, at
from fixed_clock import FIXED_NOW

from warroom.core import checklist
from warroom.core.models import ActionItem
from warroom.core.operations import Operations
from warroom.core.store import Store

# The items only a person can tick: the timeline cannot show them.
NEEDS_A_PERSON = {
    "diagnose:isolate",
    "diagnose:verify",
    "diagnose:timeline",
    "fix:addresses",
    "fix:tests",
    "fix:reviewed",
    "fix:rollback_plan",
    "fix:temp_removed",
    "postmortem:reviewed",
}


def item(playbook, phase: str, item_id: str):
    return next(i for i in playbook.phase(phase).items if i.id == item_id)


def shown(state, playbook, phase: str, item_id: str):
    spec = item(playbook, phase, item_id)
    return checklist.item_evidence(state, spec.done_when, playbook)


def done(state, playbook, phase: str, item_id: str) -> bool:
    spec = item(playbook, phase, item_id)
    return checklist.item_done(state, phase, spec.id, spec.requires, spec.done_when, playbook)


def test_every_shipped_item_is_read_from_the_timeline_or_named_as_needing_a_person(playbook):
    without = {f"{p.key}:{i.id}" for p in playbook.phases for i in p.items if i.done_when is None}
    assert without == NEEDS_A_PERSON


def test_can_we_roll_back_after_a_rollback_is_decided(playbook):
    story = Story()
    assert shown(story.state(), playbook, "assess", "rollback") is None
    story.log("note", "considering options", 12.5)
    assert shown(story.state(), playbook, "assess", "rollback") is None
    story.log("decision", "Bad deploy: Rollback to previous version", 13, containment="bad_deploy")
    assert shown(story.state(), playbook, "assess", "rollback") == at(13)
    # Without a playbook (as the checklist pane may call it) the shipped situation key counts.
    assert checklist.item_evidence(story.state(), "rollback_logged") == at(13)


def test_who_needs_to_know_after_roles_are_assigned_and_an_update_is_sent(playbook):
    story = Story()
    story.log("comms", "Internal update #1 sent", 13, document="internal", number=1)
    assert shown(story.state(), playbook, "assess", "notify") is None  # an update, but no roles
    story.log("role", "comms: kim", 14, role="comms", name="kim")
    assert shown(story.state(), playbook, "assess", "notify") == at(14)
    roles_only = Story()
    roles_only.log("role", "scribe: lee", 13, role="scribe", name="lee")
    assert shown(roles_only.state(), playbook, "assess", "notify") is None


def test_whats_our_mitigation_after_a_mitigation_level_is_set(playbook):
    story = Story()
    assert not done(story.state(), playbook, "assess", "mitigation")
    story.mitigate("degraded", 16, restored=False)
    assert shown(story.state(), playbook, "assess", "mitigation") == at(16)


def test_containment_action_taken_after_the_decision(playbook):
    story = Story()
    story.log("action", "paged the database team", 12.5)  # before any containment decision
    assert shown(story.state(), playbook, "contain", "action") is None
    story.log("decision", "Feature bug: Disable feature flag", 13, containment="feature_bug")
    assert shown(story.state(), playbook, "contain", "action") is None
    story.log("action", "new-checkout flag disabled", 14)
    assert shown(story.state(), playbook, "contain", "action") == at(14)
    rollback = Story()
    rollback.log("action", "Rolled back checkout-api to v2.3.3", 13)  # a rollback started needs no decision
    assert shown(rollback.state(), playbook, "contain", "action") == at(13)


def test_no_longer_getting_worse_once_service_is_restored(playbook):
    story = Story()
    story.mitigate("degraded", 15, restored=False)
    assert shown(story.state(), playbook, "contain", "worse") is None
    story.mitigate("partial", 18)
    assert shown(story.state(), playbook, "contain", "worse") == at(18)


def test_temporary_fixes_documented_with_a_ticket(playbook):
    story = Story()
    assert shown(story.state(), playbook, "mitigate", "tempfixes") is None  # none to document
    story.temp_fix("bypass the cache", 16)  # the builder gives it ticket INC-1234
    assert shown(story.state(), playbook, "mitigate", "tempfixes") == at(16)
    untracked = story.temp_fix("pin the pool size", 17)
    untracked.ticket = ""
    assert shown(story.state(), playbook, "mitigate", "tempfixes") is None


def test_hypothesize_after_a_hypothesis_is_logged(playbook):
    story = Story()
    story.log("hypothesis", "pool size typo", 21, struck=True)
    assert shown(story.state(), playbook, "diagnose", "hypothesize") is None
    story.log("hypothesis", "connection pool exhausted", 22)
    assert shown(story.state(), playbook, "diagnose", "hypothesize") == at(22)


def test_start_known_once_start_and_detection_are_known(playbook):
    # The word a team may use; the shipped "Timeline reconstructed" does not (see below).
    bare = Story(started=None, detected=None)
    assert checklist.item_evidence(bare.state(), "start_known", playbook) is None
    no_detection = Story(started=2, detected=None)
    assert checklist.item_evidence(no_detection.state(), "start_known", playbook) is None
    no_detection.log("alert", "5xx > 10%", 8)
    assert checklist.item_evidence(no_detection.state(), "start_known", playbook) == at(12)
    fixed = Story(started=None, detected=8)
    fixed.incident.started_at = at(2)
    fixed.log("details", "started: 14:32", 30, started_at="2026-03-10T14:32:00.000Z")
    assert checklist.item_evidence(fixed.state(), "start_known", playbook) == at(30)


def test_timeline_reconstructed_is_not_ticked_by_known_times(playbook):
    # Start and detection given at the declaration reconstruct nothing: the commander ticks it.
    story = Story(started=2, detected=8)
    story.log("alert", "5xx > 10%", 8)
    assert not done(story.state(), playbook, "diagnose", "timeline")
    story.tick("diagnose", "timeline", 40)
    assert done(story.state(), playbook, "diagnose", "timeline")


def test_temporary_fixes_removed_is_not_verified(playbook):
    # Removing the last fix does not verify the system without it: only a tick does, and a
    # tick does not count while a fix is in place.
    story = Story()
    fix = story.temp_fix("bypass the cache", 16)
    assert not done(story.state(), playbook, "fix", "temp_removed")
    fix.removed_at = at(60)
    assert not done(story.state(), playbook, "fix", "temp_removed")
    assert checklist.item_evidence(story.state(), "temp_fixes_removed", playbook) == at(60)  # the word still reads it
    story.tick("fix", "temp_removed", 70)
    assert done(story.state(), playbook, "fix", "temp_removed")
    story.temp_fix("pin the pool size", 75)
    assert not done(story.state(), playbook, "fix", "temp_removed")


def test_reproduce_after_a_note_says_reproduced(playbook):
    story = Story()
    for kind, text in [
        ("note", "could not reproduce in staging"),
        ("note", "not reproducible yet"),
        ("note", "reproduced?"),
        ("hypothesis", "it would be reproduced with 500 pods"),
        ("note", "reproduced in staging"),
    ]:
        assert shown(story.state(), playbook, "diagnose", "reproduce") is None
        story.log(kind, text, 30, struck=text == "reproduced in staging")
    assert shown(story.state(), playbook, "diagnose", "reproduce") is None  # struck
    story.log("note", "Reproduced in staging with 500 pods", 31)
    assert shown(story.state(), playbook, "diagnose", "reproduce") == at(31)


def test_root_cause_identified_after_a_root_cause_line(playbook):
    story = Story()
    story.log("hypothesis", "root cause: the pool size", 30)
    story.log("decision", "root cause: unknown", 31)
    story.log("note", "Root cause: TBD", 31)
    story.log("note", "root cause: not found yet", 31)
    assert shown(story.state(), playbook, "fix", "root_cause") is None
    story.log("decision", "root cause: pool size typo (5 → 500) in the config push", 32)
    assert shown(story.state(), playbook, "fix", "root_cause") == at(32)


def test_checklist_ticks_through_the_cli(cli, db_path, playbook):
    # The new-user check: declared with start and detection, a note and a decision logged.
    iid = cli("declare", "Search API timeouts", "--started", "-30m", "--detected", "-20m").out.strip()
    assert cli("log", "--kind", "alert", "search p99 > 5s").code == 0

    async def load():
        store = await Store.open(db_path)
        try:
            return await store.load_state(iid)
        finally:
            await store.close()

    state = asyncio.run(load())
    assert not done(state, playbook, "diagnose", "timeline")
    assert not done(state, playbook, "diagnose", "reproduce")
    assert not done(state, playbook, "fix", "root_cause")
    assert cli("log", "reproduced in staging").code == 0  # a note
    # The entry line's `d: root cause: ...` is this decision.
    assert cli("log", "--kind", "decision", "root cause: connection pool too small after the config push").code == 0
    state = asyncio.run(load())
    assert done(state, playbook, "diagnose", "reproduce")
    assert done(state, playbook, "fix", "root_cause")
    assert not done(state, playbook, "diagnose", "timeline")


def test_postmortem_shared_when_copied(playbook):
    story = Story()
    story.log("comms", "Postmortem shared", 2000, document="status")
    assert shown(story.state(), playbook, "postmortem", "published") is None
    story.log("comms", "Postmortem shared", 2001, document="postmortem")
    assert shown(story.state(), playbook, "postmortem", "published") == at(2001)


async def test_root_cause_postmortem_and_action_items_through_the_store(db_path, playbook):
    now = [FIXED_NOW]
    store = await Store.open(db_path, clock=lambda: now[0])
    ops = Operations(store, playbook, "dana")
    try:
        incident = await ops.declare("Checkout down", 2)
        iid = incident.id

        async def state():
            return await store.load_state(iid)

        assert shown(await state(), playbook, "fix", "root_cause") is None
        now[0] = FIXED_NOW + timedelta(hours=1)
        await ops.save_draft(iid, "postmortem.root_cause", "Pool size typo: 5 → 500")
        assert shown(await state(), playbook, "fix", "root_cause") == now[0]
        assert shown(await state(), playbook, "postmortem", "written") is None  # no summary yet
        now[0] = FIXED_NOW + timedelta(hours=2)
        await ops.save_draft(iid, "postmortem.summary", "Orders failed for 40 minutes.")
        assert shown(await state(), playbook, "postmortem", "written") == now[0]
        # Action items: every one owned and dated.
        assert shown(await state(), playbook, "postmortem", "actions") is None
        created = FIXED_NOW + timedelta(hours=3)
        item_ = ActionItem(id="a1", incident_id=iid, action="Validate pool size", owner="kim", created_at=created)
        await ops.save_action_item(item_)
        assert shown(await state(), playbook, "postmortem", "actions") is None  # no due date
        await ops.save_action_item(item_.model_copy(update={"due": "2026-03-20"}))
        assert shown(await state(), playbook, "postmortem", "actions") == created
    finally:
        await store.close()


async def test_postmortem_written_only_when_blameless(db_path, playbook):
    # "Postmortem written (blameless)": a postmortem the editor's blameless check flags is not it.
    now = [FIXED_NOW]
    store = await Store.open(db_path, clock=lambda: now[0])
    ops = Operations(store, playbook, "dana")
    try:
        iid = (await ops.declare("Checkout down", 2)).id

        async def written():
            state = await store.load_state(iid)
            assert done(state, playbook, "postmortem", "written") == (
                shown(state, playbook, "postmortem", "written") is not None
            )
            return shown(state, playbook, "postmortem", "written")

        await ops.save_draft(iid, "postmortem.summary", "Orders failed for 40 minutes.")
        await ops.save_draft(iid, "postmortem.root_cause", "Bob broke prod; he should have been more careful.")
        assert await written() is None
        now[0] = FIXED_NOW + timedelta(hours=1)
        await ops.save_draft(iid, "postmortem.root_cause", "The pool size field accepted any integer.")
        assert await written() == now[0]
        # Any section counts, and a person on the incident (an author) is named as one.
        await ops.save_draft(iid, "postmortem.went_poorly", "dana forgot to check the dashboard")
        assert await written() is None
    finally:
        await store.close()


# ----- the phase-advance guard ------------------------------------------------------------


def test_no_warning_when_every_item_is_ticked(playbook):
    story = Story()
    for item in playbook.phase("assess").items:
        story.tick("assess", item.id, 13)
    assert checklist.advance_warning(story.state(), playbook, "contain") is None


def test_speed_phase_gets_a_gentle_note(playbook):
    story = (
        Story().tick("assess", "broken", 13).tick("assess", "changed", 13).tick("assess", "rollback", 13, done=False)
    )
    note = checklist.advance_warning(story.state(), playbook, "contain")
    assert note == "3 of 5 Assess items unticked — speed first, you may skip"


def test_fix_phase_gets_a_firm_warning(playbook):
    story = Story(phase="fix")
    for item in playbook.phase("fix").items[:4]:
        story.tick("fix", item.id, 13)
    warning = checklist.advance_warning(story.state(), playbook, "postmortem")
    assert warning.startswith("Fix is not finished: 2 of 6 items unticked (Rollback plan if fix fails;")
    assert "leave it only on purpose" in warning


def test_a_temp_fix_in_place_keeps_the_fix_checklist_open(playbook):
    story = Story(phase="fix")
    for item in playbook.phase("fix").items:
        story.tick("fix", item.id, 13)
    fix = story.temp_fix("Bypass cache", 5)
    warning = checklist.advance_warning(story.state(), playbook, "postmortem")
    assert "1 of 6 items unticked (1 temporary fix still in place)" in warning
    assert checklist.phase_progress(story.state(), playbook)["fix"] == (5, 6)
    fix.removed_at = at(20)
    assert checklist.advance_warning(story.state(), playbook, "postmortem") is None
    assert checklist.phase_progress(story.state(), playbook)["fix"] == (6, 6)


def test_going_back_needs_no_warning(playbook):
    story = Story(phase="mitigate")
    assert checklist.advance_warning(story.state(), playbook, "contain") is None
    assert checklist.advance_warning(story.state(), playbook, "mitigate") is None


def test_phase_progress_counts_every_phase(playbook):
    story = Story().tick("assess", "broken", 13).tick("assess", "changed", 13, done=False).tick("contain", "action", 14)
    progress = checklist.phase_progress(story.state(), playbook)
    assert list(progress) == playbook.phase_keys
    assert progress["assess"] == (1, 5)
    assert progress["contain"] == (1, 4)
    assert progress["postmortem"] == (0, 4)


async def test_done_when_items_are_done_by_the_timeline(db_path, playbook):
    """Logging the containment decision, the mitigation and a status update ticks their items."""
    store = await Store.open(db_path)
    try:
        incident = await store.declare("x", 2, "dana", first_phase="assess")
        before = checklist.phase_progress(await store.load_state(incident.id), playbook)
        await store.append(incident.id, "decision", "Bad deploy: roll back", "dana", data={"containment": "bad_deploy"})
        await store.set_mitigation(incident.id, "full", "Full restore", True, "dana")
        await store.record_update_sent(incident.id, "status", "## Status", "dana", None)
        state = await store.load_state(incident.id)
    finally:
        await store.close()
    after = checklist.phase_progress(state, playbook)
    assert before["contain"][0] == 0 and before["mitigate"][0] == 0
    assert after["contain"][0] == 3  # situation identified, no longer worse (restored), stakeholders informed
    assert after["mitigate"][0] == 3  # level set, status page updated, restored
    assert checklist.item_evidence(state, "service_restored") == state.incident.restored_at
    assert checklist.item_evidence(state, None) is None


def test_what_changed_recently_is_answered_by_a_change_on_the_timeline(playbook):
    """`c: deploy v9.1` (or `warroom log --kind change`) says what changed: "What changed recently?"
    is done by it when no triage answer gave it (found in a new-user walk); a struck one is not."""
    story = Story()
    assert shown(story.state(), playbook, "assess", "changed") is None
    story.log("change", "deploy v9.1 of payments-api", 12, struck=True)
    story.log("note", "errors at 5%", 12.5)
    assert shown(story.state(), playbook, "assess", "changed") is None
    story.log("change", "config push to the gateway", 13)
    assert shown(story.state(), playbook, "assess", "changed") == at(13)
    spec = item(playbook, "assess", "changed")
    assert checklist.item_answer(story.state(), spec.done_when) == "config push to the gateway"
    # A question whose answer is no change ("Who's affected?") is not answered by one.
    assert shown(story.state(), playbook, "assess", "broken") is None
