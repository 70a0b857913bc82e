"""Issue 11, item 7: every item of the shipped playbook that the timeline can show is ticked
by it (checklist.item_evidence through its done_when), one test each; the rest need a person.
Also the "recurrence?" red flag on a resolved incident that gets an alert afterwards."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from builders import Story, at
from fixed_clock import FIXED_NOW

from warroom.core import checklist, rules
from warroom.core.models import ActionItem
from warroom.core.operations import Operations
from warroom.core.store import Store

# The items only a person can tick: the timeline cannot show them.
NEEDS_A_PERSON = {
    "diagnose:reproduce",
    "diagnose:isolate",
    "diagnose:verify",
    "fix:addresses",
    "fix:tests",
    "fix:reviewed",
    "fix:rollback_plan",
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


def test_timeline_reconstructed_once_start_and_detection_are_known(playbook):
    bare = Story(started=None, detected=None)
    assert shown(bare.state(), playbook, "diagnose", "timeline") is None
    no_detection = Story(started=2, detected=None)
    assert shown(no_detection.state(), playbook, "diagnose", "timeline") is None  # detection = declaration
    no_detection.log("alert", "5xx > 10%", 8)
    assert shown(no_detection.state(), playbook, "diagnose", "timeline") == at(12)  # known since declaring
    fixed = Story(started=None, detected=8)
    fixed.incident.started_at = at(2)
    fixed.log("details", "started: 14:32", 30, started_at="2026-03-10T14:32:00.000Z")
    assert shown(fixed.state(), playbook, "diagnose", "timeline") == at(30)


def test_temporary_fixes_removed(playbook):
    story = Story()
    assert shown(story.state(), playbook, "fix", "temp_removed") is None
    fix = story.temp_fix("bypass the cache", 16)
    assert not done(story.state(), playbook, "fix", "temp_removed")
    fix.removed_at = at(60)
    assert shown(story.state(), playbook, "fix", "temp_removed") == at(60)
    assert done(story.state(), playbook, "fix", "temp_removed")


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


# ----- recurrence? --------------------------------------------------------------------------


def recurrence(state, playbook, now):
    return [p for p in rules.evaluate(state, playbook, now) if p.flag_id == "recurrence"]


def test_an_alert_after_resolution_raises_recurrence(playbook):
    story = Story().resolve(40)
    assert not recurrence(story.state(), playbook, at(50))
    story.log("note", "postmortem notes", 45)  # a person writing later is not a recurrence
    assert not recurrence(story.state(), playbook, at(50))
    story.log("alert", "checkout 5xx > 10%", 60, author="alertmanager")
    (prompt,) = recurrence(story.state(), playbook, at(61))
    assert prompt.level == "error" and "after the resolution at 15:10" in prompt.detail
    assert "reopen" in prompt.action.lower()
    # Dismissed, it stays quiet until something else comes in.
    story.decide("recurrence", "dismiss", 62, fingerprint=prompt.fingerprint)
    assert not recurrence(story.state(), playbook, at(63))
    story.log("note", "from a hook", 70, after_resolution=True, source="cli")
    assert recurrence(story.state(), playbook, at(71))


def test_recurrence_is_quiet_once_reopened(playbook):
    story = Story().resolve(40)
    story.log("alert", "checkout 5xx", 60, after_resolution=True)
    assert recurrence(story.state(), playbook, at(61))
    story.incident.status = "open"
    story.incident.resolved_at = None
    assert not recurrence(story.state(), playbook, at(62))


@pytest.mark.parametrize("kind", ["note", "alert"])
def test_warroom_log_after_resolution_raises_recurrence_through_the_store(cli, db_path, playbook, kind):
    iid = cli("declare", "Checkout down").out.strip()
    assert cli("resolve").code == 0
    logged = cli("log", "checkout 5xx again", "--kind", kind)
    assert logged.code == 0 and "after resolution" in logged.err

    async def load():
        store = await Store.open(db_path)
        try:
            return await store.load_state(iid)
        finally:
            await store.close()

    state = asyncio.run(load())
    assert state.incident.phase == playbook.phase_key("postmortem")
    assert recurrence(state, playbook, FIXED_NOW)
