"""Red-flag rules (warroom.core.redflags), the engine that runs them and the commander's
decisions about them (warroom.core.rules), and the words they read (warroom.core.classify)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from builders import PHASES, PLAYBOOK, Story, at, seed_story, states, times
from fixed_clock import FIXED_NOW
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.core import checklist, classify, metrics, rules
from warroom.core import playbook as playbook_module
from warroom.core.demo import seed_demo
from warroom.core.errors import PlaybookError
from warroom.core.store import Store


def fired(state, playbook, now, flag_id):
    return [p for p in rules.check_all(state, playbook, now) if p.flag_id == flag_id]


def shown_ids(state, playbook, now):
    return [p.flag_id for p in rules.evaluate(state, playbook, now)]


def with_playbook(playbook, **changes):
    """A copy of the shipped playbook with some top-level values replaced (validated)."""
    raw = playbook.model_dump()
    raw.update(changes)
    return playbook_module.Playbook.model_validate(raw)


def with_change_question(playbook, **changes):
    """A copy of the shipped playbook whose "What changed?" question has some fields replaced."""
    raw = playbook.model_dump()
    (question,) = [q for q in raw["triage"] if q["key"] == "changed"]
    question.update(changes)
    return playbook_module.Playbook.model_validate(raw)


# ----- the registry -----------------------------------------------------------------------


def test_every_shipped_red_flag_has_a_rule_and_every_rule_is_used(playbook):
    assert {flag.rule for flag in playbook.red_flags} == set(rules.RULES)


def test_validate_names_the_file_and_field_of_an_unknown_rule(playbook):
    raw = playbook.model_dump()
    raw["red_flags"][2]["rule"] = "gut_feeling"
    raw["source"] = "/teams/ours.toml"
    with pytest.raises(PlaybookError, match=r"/teams/ours\.toml.*red_flags\.2\.rule.*gut_feeling"):
        rules.validate(playbook_module.Playbook.model_validate(raw))


def test_validate_names_an_unknown_phase(playbook):
    raw = playbook.model_dump()
    raw["red_flags"][0]["phases"] = ["assess", "triage"]
    with pytest.raises(PlaybookError, match=r"red_flags\.0\.phases\.1.*'triage'"):
        rules.validate(playbook_module.Playbook.model_validate(raw))


def test_a_rule_that_raises_is_skipped_and_the_others_still_fire(playbook, monkeypatch):
    def broken(state, book, now):
        raise ZeroDivisionError

    monkeypatch.setitem(rules.RULES, "recent_change_no_rollback", broken)
    state = seed_story(12).state()
    ids = [p.flag_id for p in rules.check_all(state, playbook, at(50))]
    assert "rollback_first" not in ids
    assert "update_due" in ids  # due 15:12, now 15:20


def test_errors_come_before_warnings(playbook):
    story = seed_story(12)
    story.log("hypothesis", "gateway TLS", 13)
    prompts = rules.check_all(story.state(), playbook, at(50))  # update overdue (warning) too
    levels = [p.level for p in prompts]
    assert "warning" in levels and "error" in levels
    assert levels == sorted(levels, key=lambda level: level != "error")


# ----- recent change, no rollback ---------------------------------------------------------


def test_seed_story_rollback_flag_fires_before_the_rollback(playbook):
    state = seed_story(12).state()  # declared 14:42, still in Assess
    (prompt,) = fired(state, playbook, at(12.5), "rollback_first")
    assert prompt.rule == "recent_change_no_rollback"
    assert prompt.level == "error"
    assert prompt.action == playbook.red_flag("rollback_first").action
    assert prompt.thought == "Let me understand the code first"
    assert prompt.detail == (
        "change 'Deploy v2.3.4 of checkout-api completed' logged 14:30, symptoms 14:32, declared 14:42, no rollback yet"
    )


def test_seed_story_rollback_flag_follows_the_decision_then_clears_when_the_rollback_starts(playbook):
    story = seed_story(12)
    story.phase("contain", 13)
    assert fired(story.state(), playbook, at(13), "rollback_first")
    story.log("decision", "Bad deploy: Rollback to previous version", 13.2, containment="bad_deploy")
    (decided,) = fired(story.state(), playbook, at(13.3), "rollback_first")
    assert decided.detail == (
        "change 'Deploy v2.3.4 of checkout-api completed' logged 14:30, rollback decided at 14:43: log when it starts"
    )
    assert decided.level == "warning" and decided.fingerprint.startswith("decided:")
    story.log("note", "rollback looks risky", 13.4)  # talking about it is not doing it
    assert fired(story.state(), playbook, at(13.5), "rollback_first")
    story.log("action", "Rolling back checkout-api to v2.3.3", 13.6)
    assert not fired(story.state(), playbook, at(13.7), "rollback_first")


def test_an_ack_of_no_rollback_yet_does_not_silence_rollback_decided(playbook):
    story = seed_story(12)
    (first,) = fired(story.state(), playbook, at(12.5), "rollback_first")
    story.decide("rollback_first", "ack", 12.6, fingerprint=first.fingerprint)
    assert "rollback_first" not in shown_ids(story.state(), playbook, at(12.7))
    story.log("decision", "Bad deploy: Rollback to previous version", 12.8, containment="bad_deploy")
    assert "rollback_first" in shown_ids(story.state(), playbook, at(12.9))


def test_seed_story_rollback_flag_stays_clear_once_the_rollback_started(playbook):
    assert "rollback_first" in shown_ids(seed_story(13).state(), playbook, at(13))  # decided, not started
    for upto in (13.1, 15, 20, 25):
        assert "rollback_first" not in shown_ids(seed_story(upto).state(), playbook, at(upto))


@pytest.mark.parametrize(
    "kind, text",
    [
        ("action", "Rolled back checkout-api to v2.3.3"),
        ("action", "kubectl rollout undo deployment/checkout-api"),
        ("decision", "Revert the config change"),
        ("change", "Roll-back of v2.3.4 deployed"),
    ],
)
def test_rollback_words_count_as_a_rollback(playbook, kind, text):
    story = seed_story(12)
    story.log(kind, text, 12.5)
    prompts = fired(story.state(), playbook, at(13), "rollback_first")
    if kind == "decision":  # decided, not yet started
        assert [p.level for p in prompts] == ["warning"] and "rollback decided at 14:42" in prompts[0].detail
    else:
        assert not prompts


def test_containment_decision_whose_playbook_action_is_a_rollback_counts(playbook):
    raw = playbook.model_dump()
    raw["containment"].append({"key": "bad_config", "situation": "Bad config", "action": "Roll back the config"})
    book = playbook_module.Playbook.model_validate(raw)
    story = seed_story(12)
    story.log("decision", "Bad config", 12.5, containment="bad_config")
    (prompt,) = fired(story.state(), book, at(13), "rollback_first")
    assert "rollback decided" in prompt.detail
    story = seed_story(12)
    story.log("decision", "Traffic spike", 12.5, containment="traffic_spike")  # rate limiting is not a rollback
    assert fired(story.state(), book, at(13), "rollback_first")


def test_a_struck_rollback_does_not_count(playbook):
    story = seed_story(12)
    story.log("action", "Rolled back to v2.3.3", 12.5, struck=True)
    assert fired(story.state(), playbook, at(13), "rollback_first")


def test_a_struck_change_does_not_raise_the_flag(playbook):
    story = Story()
    story.log("change", "Deploy v2.3.4", 0, struck=True)
    assert not fired(story.state(), playbook, at(13), "rollback_first")


def test_a_rollback_logged_before_the_change_does_not_count(playbook):
    story = Story()
    story.log("action", "Rolled back the search service", -5)
    story.log("change", "Deploy v2.3.4", 0)
    assert fired(story.state(), playbook, at(13), "rollback_first")


def test_an_old_change_is_not_recent(playbook):
    # Window 60 min: before the symptoms (14:32) reaches 13:32; before declaring (14:42), 13:42.
    story = Story()
    story.log("change", "Deploy v2.3.3", -59)  # 13:31
    assert not fired(story.state(), playbook, at(13), "rollback_first")
    story.log("change", "Deploy v2.3.4", -57)  # 13:33
    assert fired(story.state(), playbook, at(13), "rollback_first")


def test_the_recent_window_comes_from_the_playbook(playbook):
    story = Story()
    story.log("change", "Deploy v2.3.4", -20)  # 20 min before the symptoms
    state = story.state()
    assert fired(state, playbook, at(13), "rollback_first")
    narrow = with_playbook(playbook, thresholds={**playbook.thresholds.model_dump(), "recent_change_minutes": 10})
    assert not fired(state, narrow, at(13), "rollback_first")


def test_a_change_between_symptoms_and_declaration_counts(playbook):
    story = Story(started=None, detected=None)
    story.log("change", "Feature flag new-checkout on", 5)
    (prompt,) = fired(story.state(), playbook, at(13), "rollback_first")
    assert "symptoms" not in prompt.detail and "declared 14:42" in prompt.detail


def test_rollback_flag_quiet_outside_assess_and_contain(playbook):
    story = seed_story(12)
    story.phase("diagnose", 13)
    assert not fired(story.state(), playbook, at(14), "rollback_first")


def test_rollback_flag_quiet_once_mitigated(playbook):
    story = seed_story(12)
    story.mitigate("degraded", 12.5, restored=False)
    assert not fired(story.state(), playbook, at(13), "rollback_first")


def test_rollback_fingerprint_follows_the_latest_suspect_change(playbook):
    story = seed_story(12)
    first = fired(story.state(), playbook, at(13), "rollback_first")[0].fingerprint
    story.log("change", "Config push: pool size 50", 10)
    second = fired(story.state(), playbook, at(13), "rollback_first")[0].fingerprint
    assert first != second


# ----- mitigate first ---------------------------------------------------------------------


def test_diagnosing_without_mitigation_fires(playbook):
    story = Story()
    story.phase("diagnose", 15)
    (prompt,) = fired(story.state(), playbook, at(20), "mitigate_first")
    assert prompt.level == "error"
    assert prompt.detail == "in Diagnose since 14:45, no mitigation recorded, impact for 18m00s"


def test_mitigate_first_quiet_with_any_mitigation_level(playbook):
    story = Story()
    story.phase("diagnose", 15)
    story.mitigate("maintenance", 16, restored=False)
    assert not fired(story.state(), playbook, at(20), "mitigate_first")


def test_mitigate_first_quiet_before_diagnose(playbook):
    story = Story()
    story.phase("mitigate", 15)
    assert not fired(story.state(), playbook, at(20), "mitigate_first")


def test_mitigate_first_quiet_when_resolved(playbook):
    story = Story()
    story.phase("diagnose", 15)
    story.resolve(30)
    assert not fired(story.state(), playbook, at(40), "mitigate_first")


def test_mitigate_first_refires_in_a_new_phase(playbook):
    story = Story()
    story.phase("diagnose", 15)
    first = fired(story.state(), playbook, at(20), "mitigate_first")[0].fingerprint
    story.phase("postmortem", 25)
    second = fired(story.state(), playbook, at(30), "mitigate_first")[0].fingerprint
    assert first != second


# ----- untested fix -----------------------------------------------------------------------


def test_seed_story_a_hypothesis_is_not_a_fix_a_fix_tried_before_restore_fires_then_clears(playbook):
    story = seed_story(13.1)
    story.log("hypothesis", "New payment client in v2.3.4 times out against the gateway", 13.2, author="alex")
    assert not fired(story.state(), playbook, at(14), "untested_fix")  # naming a cause tries nothing
    story.log("action", "Trying a fix: raise the client timeout to 10s", 14.5, author="alex")
    (prompt,) = fired(story.state(), playbook, at(15), "untested_fix")
    assert prompt.detail == (
        "fix 'Trying a fix: raise the client timeout to 10s' logged 14:44, service not restored yet"
    )
    story.mitigate("full", 20)
    assert not fired(story.state(), playbook, at(21), "untested_fix")


@pytest.mark.parametrize(
    "text", ["Trying a fix for the TLS handshake", "try patching the client timeout", "Deploying hotfix 2.3.5"]
)
def test_a_fix_being_tried_fires(playbook, text):
    story = Story()
    story.log("action", text, 14)
    assert fired(story.state(), playbook, at(15), "untested_fix")


@pytest.mark.parametrize(
    "kind, text",
    [
        ("action", "Paged the payments team"),
        ("action", "Try a rollback to v2.3.3"),
        ("note", "someone should try a fix"),  # a note is not an attempt
        ("alert", "hotfix pipeline alert"),
    ],
)
def test_other_events_are_not_fix_attempts(playbook, kind, text):
    story = Story()
    story.log(kind, text, 14)
    assert not fired(story.state(), playbook, at(15), "untested_fix")


def test_a_struck_attempt_does_not_count(playbook):
    story = Story()
    story.log("action", "Trying a fix for DNS", 14, struck=True)
    assert not fired(story.state(), playbook, at(15), "untested_fix")


def test_untested_fix_fingerprint_changes_with_a_new_attempt(playbook):
    story = Story()
    story.log("action", "Trying a fix for DNS", 14)
    first = fired(story.state(), playbook, at(15), "untested_fix")[0].fingerprint
    story.log("action", "Trying a fix for TLS", 16)
    assert fired(story.state(), playbook, at(17), "untested_fix")[0].fingerprint != first


# ----- time box ---------------------------------------------------------------------------


def test_too_long_in_assess_fires(playbook):
    state = Story().state()  # Assess since 14:42, time box 5 min
    (prompt,) = fired(state, playbook, at(17.5), "timebox")
    assert prompt.detail == "in Assess for 5m30s (since 14:42), time box 5m00s"
    assert not fired(state, playbook, at(17), "timebox")


def test_contain_has_its_own_time_box(playbook):
    story = Story()
    story.phase("contain", 13)
    assert not fired(story.state(), playbook, at(27), "timebox")  # 14 min of 15
    assert fired(story.state(), playbook, at(29), "timebox")


def test_thoroughness_phases_have_no_time_box(playbook):
    story = Story()
    story.phase("diagnose", 13)
    assert not fired(story.state(), playbook, at(13 + 600), "timebox")


def test_time_box_comes_from_the_playbook(playbook):
    raw = playbook.model_dump()
    raw["phases"][0]["timebox_minutes"] = 20
    book = playbook_module.Playbook.model_validate(raw)
    assert not fired(Story().state(), book, at(30), "timebox")
    assert fired(Story().state(), book, at(33), "timebox")


def test_time_box_fingerprint_is_per_phase_span(playbook):
    story = Story()
    first = fired(story.state(), playbook, at(20), "timebox")[0].fingerprint
    story.phase("contain", 20)
    assert fired(story.state(), playbook, at(40), "timebox")[0].fingerprint != first


# ----- severity lowered -------------------------------------------------------------------


def test_severity_lowered_while_impacted_fires(playbook):
    story = Story(severity=1)
    story.severity(3, 20)
    (prompt,) = fired(story.state(), playbook, at(21), "small_issue")
    assert prompt.detail == "SEV-1 → SEV-3 at 14:50 by dana, service not restored yet"


def test_severity_raised_is_fine(playbook):
    story = Story(severity=3)
    story.severity(1, 20)
    assert not fired(story.state(), playbook, at(21), "small_issue")


def test_severity_lowered_then_raised_back_is_fine(playbook):
    story = Story(severity=1)
    story.severity(3, 20).severity(1, 21)
    assert not fired(story.state(), playbook, at(22), "small_issue")


def test_severity_lowered_after_restore_is_fine(playbook):
    story = Story(severity=1)
    story.mitigate("full", 19)
    story.severity(3, 20)
    assert not fired(story.state(), playbook, at(21), "small_issue")


# ----- status update overdue --------------------------------------------------------------


def test_overdue_update_fires(playbook):
    state = Story(next_update=42).state()
    assert not fired(state, playbook, at(42), "update_due")
    (prompt,) = fired(state, playbook, at(43), "update_due")
    assert prompt.detail == "update was due 15:12, 1m00s overdue (SEV-2: every 30m00s)"
    assert prompt.level == "warning"


def test_an_update_a_whole_cycle_late_is_an_error(playbook):
    state = Story(next_update=42).state()
    assert fired(state, playbook, at(42 + 30), "update_due")[0].level == "error"


def test_without_a_next_update_time_the_severity_cadence_counts_from_the_last_update(playbook):
    story = Story(severity=1, next_update=None)  # SEV-1: every 15 min
    assert fired(story.state(), playbook, at(12 + 16), "update_due")
    story.last_comms_at = at(20)
    assert not fired(story.state(), playbook, at(12 + 16), "update_due")
    assert fired(story.state(), playbook, at(36), "update_due")


def test_sending_an_update_changes_the_fingerprint(playbook):
    story = Story(next_update=42)
    first = fired(story.state(), playbook, at(43), "update_due")[0].fingerprint
    story.incident.next_update_at = at(50)
    assert fired(story.state(), playbook, at(51), "update_due")[0].fingerprint != first


def test_no_update_due_once_resolved(playbook):
    story = Story(next_update=42).resolve(40)
    assert not fired(story.state(), playbook, at(60), "update_due")


# ----- temporary fixes --------------------------------------------------------------------


def test_temp_fixes_in_place_in_fix_phase_fire(playbook):
    story = Story()
    story.temp_fix("Bypass payment token cache", 16)
    story.phase("fix", 60)
    (prompt,) = fired(story.state(), playbook, at(61), "temp_fixes_left")
    assert prompt.detail == "1 temporary fix still in place: 'Bypass payment token cache' (INC-1234)"


def test_temp_fixes_removed_or_permanent_are_fine(playbook):
    story = Story()
    story.temp_fix("Bypass cache", 16, removed=50)
    story.temp_fix("Pool size 50", 16, permanent=True)
    story.phase("fix", 60)
    assert not fired(story.state(), playbook, at(61), "temp_fixes_left")


def test_temp_fixes_are_fine_while_mitigating(playbook):
    story = Story()
    story.temp_fix("Bypass cache", 16)
    story.phase("mitigate", 15)
    assert not fired(story.state(), playbook, at(20), "temp_fixes_left")


def test_temp_fixes_still_flagged_after_resolution(playbook):
    story = Story()
    story.temp_fix("Bypass cache", 16)
    story.phase("postmortem", 60).resolve(60)
    assert fired(story.state(), playbook, at(120), "temp_fixes_left")


def test_temp_fix_fingerprint_changes_with_a_new_fix_or_phase(playbook):
    story = Story()
    story.temp_fix("Bypass cache", 16)
    story.phase("fix", 60)
    first = fired(story.state(), playbook, at(61), "temp_fixes_left")[0].fingerprint
    story.temp_fix("Disable retries", 62)
    second = fired(story.state(), playbook, at(63), "temp_fixes_left")[0].fingerprint
    story.phase("postmortem", 70)
    third = fired(story.state(), playbook, at(71), "temp_fixes_left")[0].fingerprint
    assert len({first, second, third}) == 3


# ----- commander handoff ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "   "])
def test_no_commander_fires(playbook, name):
    (prompt,) = fired(Story(commander=name).state(), playbook, at(13), "hand_off")
    assert prompt.level == "error" and prompt.detail == "no incident commander named"


def test_commander_past_the_shift_limit_fires(playbook):
    state = Story().state()  # dana in command since 14:42; shift limit 8 h
    assert not fired(state, playbook, at(12 + 8 * 60), "hand_off")
    (prompt,) = fired(state, playbook, at(12 + 8 * 60 + 1), "hand_off")
    assert prompt.detail == "dana in command since 14:42 (8h01m), no handoff (shift limit 8h00m)"


def test_a_handoff_restarts_the_shift(playbook):
    story = Story()
    story.log("handoff", "Handoff to lee", 12 + 4 * 60, **{"from": "dana", "to": "lee"})
    story.incident.commander = "lee"
    assert not fired(story.state(), playbook, at(12 + 8 * 60 + 1), "hand_off")


def test_a_commander_role_change_restarts_the_shift(playbook):
    story = Story()
    story.log("role", "commander: lee", 12 + 4 * 60, role="commander", name="lee")
    story.log("role", "comms: sam", 12 + 5 * 60, role="comms", name="sam")
    story.incident.commander = "lee"
    state = story.state()
    assert not fired(state, playbook, at(12 + 8 * 60 + 1), "hand_off")
    assert "since 18:42" in fired(state, playbook, at(12 + 12 * 60 + 1), "hand_off")[0].detail


def test_a_struck_handoff_does_not_restart_the_shift(playbook):
    story = Story()
    story.log("handoff", "Handoff to lee", 12 + 4 * 60, struck=True)
    assert fired(story.state(), playbook, at(12 + 8 * 60 + 1), "hand_off")


def test_shift_limit_comes_from_the_playbook(playbook):
    short = with_playbook(playbook, thresholds={**playbook.thresholds.model_dump(), "commander_shift_hours": 0.5})
    assert fired(Story().state(), short, at(12 + 31), "hand_off")


# ----- recurrence? --------------------------------------------------------------------------


def recurrence(state, playbook, now):
    return [p for p in rules.evaluate(state, playbook, now) if p.flag_id == "recurrence"]


def test_an_alert_after_resolution_raises_recurrence(playbook):
    story = Story().resolve(40)
    assert not recurrence(story.state(), playbook, at(50))
    story.log("note", "postmortem notes", 45)  # a person writing later is not a recurrence
    assert not recurrence(story.state(), playbook, at(50))
    story.log("note", "typed in the war room", 46, after_resolution=True)  # marked so, still a person's
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


def test_recurrence_compares_with_the_latest_resolution_only(cli, db_path, playbook):
    # An alert logged while resolved, then a reopen and a second resolution: that alert came
    # before the resolution that stands, so it is no recurrence; a new one after it is.
    iid = cli("declare", "Search API timeouts").out.strip()
    assert cli("resolve").code == 0
    assert cli("log", "--kind", "alert", "search 502 again").code == 0
    assert cli("resolve", "--reopen", "--incident", iid).code == 0
    assert cli("resolve", "--incident", iid).code == 0

    async def load():
        store = await Store.open(db_path)
        try:
            return await store.load_state(iid)
        finally:
            await store.close()

    assert not recurrence(asyncio.run(load()), playbook, FIXED_NOW)
    assert cli("log", "--kind", "alert", "search 502 once more", "--incident", iid).code == 0
    (prompt,) = recurrence(asyncio.run(load()), playbook, FIXED_NOW)
    assert "search 502 once more" in prompt.detail


def test_recurrence_after_a_second_resolution_counts_hook_events_after_it_only(playbook):
    story = Story()
    story.log("resolved", "Resolved", 40)
    story.log("note", "from a hook", 45, after_resolution=True, source="cli")
    story.log("reopened", "Reopened", 50)
    story.log("resolved", "Resolved", 55)
    story.resolve(55)
    assert not recurrence(story.state(), playbook, at(56))
    story.log("note", "from the hook again", 57, after_resolution=True, source="cli")
    (prompt,) = recurrence(story.state(), playbook, at(58))
    assert "from the hook again" in prompt.detail and "(2 in all)" not in prompt.detail


# ----- the commander's decisions ----------------------------------------------------------


def _rollback_story():
    story = seed_story(12)
    return story, fired(story.state(), playbook_module.load(), at(12.5), "rollback_first")[0]


@pytest.mark.parametrize("action", ["ack", "dismiss"])
def test_ack_or_dismiss_stays_quiet_until_the_condition_changes(playbook, action):
    story, prompt = _rollback_story()
    story.decide("rollback_first", action, 12.6, fingerprint=prompt.fingerprint)
    assert "rollback_first" not in shown_ids(story.state(), playbook, at(12.7))
    assert "rollback_first" not in shown_ids(story.state(), playbook, at(16.9))  # much later, same condition
    story.log("change", "Config push: pool size 50", 11)  # a new suspect change: a new condition
    assert "rollback_first" in shown_ids(story.state(), playbook, at(13))


def test_a_decision_recorded_by_rule_name_counts_too(playbook):
    story, prompt = _rollback_story()
    story.decide("recent_change_no_rollback", "dismiss", 12.6, fingerprint=prompt.fingerprint)
    assert "rollback_first" not in shown_ids(story.state(), playbook, at(12.7))


def test_a_decision_about_another_flag_does_not_silence(playbook):
    story, prompt = _rollback_story()
    story.decide("timebox", "ack", 12.6, fingerprint=prompt.fingerprint)
    assert "rollback_first" in shown_ids(story.state(), playbook, at(12.7))


def test_snooze_stays_quiet_until_it_ends(playbook):
    story, prompt = _rollback_story()
    story.decide("rollback_first", "snooze", 12.6, fingerprint=prompt.fingerprint, until=12.6 + 15)
    assert "rollback_first" not in shown_ids(story.state(), playbook, at(27))
    assert "rollback_first" in shown_ids(story.state(), playbook, at(27.6))


def test_snooze_without_an_end_lasts_the_shortest_snooze(playbook):
    story, prompt = _rollback_story()
    story.decide("rollback_first", "snooze", 12.6)
    assert min(playbook.thresholds.snooze_minutes) == 15
    assert "rollback_first" not in shown_ids(story.state(), playbook, at(27))
    snoozed: list = []  # the screen counts them: asked for, the snoozed ones come back with their end
    rules.evaluate(story.state(), playbook, at(27), snoozed=snoozed)
    assert [(p.flag_id, until) for p, until in snoozed] == [("rollback_first", at(27.6))]
    assert "rollback_first" in shown_ids(story.state(), playbook, at(27.6))


def test_the_latest_decision_wins(playbook):
    story, prompt = _rollback_story()
    story.decide("rollback_first", "ack", 12.6, fingerprint=prompt.fingerprint)
    story.decide("rollback_first", "snooze", 13, until=14)  # a later snooze that has run out
    assert "rollback_first" in shown_ids(story.state(), playbook, at(15))


def test_evaluate_is_check_all_without_the_silenced(playbook):
    story, prompt = _rollback_story()
    story.log("action", "Trying a fix for TLS", 12.4)
    story.decide("rollback_first", "ack", 12.6, fingerprint=prompt.fingerprint)
    state = story.state()
    everything = [p.flag_id for p in rules.check_all(state, playbook, at(12.7))]
    assert everything == ["rollback_first", "untested_fix"]
    assert shown_ids(state, playbook, at(12.7)) == ["untested_fix"]


# ----- the seed's story through the real store --------------------------------------------


async def test_demo_incident_has_no_rollback_flag_and_agrees_with_the_story(db_path, playbook, fixed_now):
    store = await Store.open(db_path, clock=lambda: fixed_now)
    iid = await seed_demo(store, playbook, fixed_now)  # 14:30 deploy ... 14:55 now
    state = await store.load_state(iid)
    await store.close()
    assert rules.evaluate(state, playbook, fixed_now) == []
    clocks = metrics.compute(state, fixed_now)
    assert clocks.time_to_declare == timedelta(minutes=10)
    assert clocks.time_to_mitigate == timedelta(minutes=18)
    # Forty minutes on, the update the demo scheduled (15:16) is overdue.
    later = [p.flag_id for p in rules.evaluate(state, playbook, fixed_now + timedelta(minutes=40))]
    assert later == ["update_due"]


# ----- never raise ------------------------------------------------------------------------


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(state=states(), now=times, target=st.sampled_from(PHASES))
def test_rules_never_raise_on_any_state(state, now, target):
    # check_all swallows a failing rule; call each rule directly so a crash is seen here.
    for rule in rules.RULES.values():
        hit = rule(state, PLAYBOOK, now)
        assert hit is None or (hit.detail and hit.fingerprint and hit.level in ("warning", "error"))
    prompts = rules.evaluate(state, PLAYBOOK, now)
    assert all(isinstance(p, rules.Prompt) for p in prompts)
    checklist.advance_warning(state, PLAYBOOK, target)
    progress = checklist.phase_progress(state, PLAYBOOK)
    assert all(0 <= done <= total for done, total in progress.values())
    metrics.compute(state, now)


# ----- triage answers from the declare screen -----------------------------------------------
# The declare screen logs each answer as a `triage` event at the declaration, with
# data {"question": key}. A real answer to the question the playbook marks counts_as_change
# is a suspect change; "answered:KEY" checklist items are done by the answer to KEY.


def answered(*answers: tuple[str, str], declared: float = 12, **story_args) -> Story:
    """A story declared at `declared` whose declare screen answered (question, answer) pairs."""
    story = Story(declared=declared, **story_args)
    for question, text in answers:
        story.log("triage", text, declared, question=question)
    return story


def test_the_shipped_playbook_marks_what_changed_as_the_change_question(playbook):
    assert [q.key for q in playbook.triage if q.counts_as_change] == ["changed"]
    assert "nothing that we know of" in playbook.non_answers


def test_an_answered_change_raises_the_rollback_flag_at_the_declaration(playbook):
    story = answered(("changed", "Deploy v2.3.4 of checkout-api at 14:30"))
    answer = story.events[-1]
    (prompt,) = fired(story.state(), playbook, at(12.5), "rollback_first")
    assert prompt.level == "error"
    assert prompt.fingerprint == f"change:{answer.id}"
    assert prompt.detail == (
        "change 'Deploy v2.3.4 of checkout-api at 14:30' (answer to 'What changed?'), "
        "symptoms 14:32, declared 14:42, no rollback yet"
    )


@pytest.mark.parametrize(
    "text",
    [
        "nothing",
        "None.",
        "NO",
        "n/a",
        "N/A",
        "Nothing that we know of",
        "nothing that we know of...",
        "unknown",
        "Not sure",
        "  not   sure ?",
        "don\u2019t know",
        "?",
        "-",
        "—",
    ],
)
def test_an_answer_that_says_nothing_changed_raises_no_flag(playbook, text):
    story = answered(("changed", text))
    assert not fired(story.state(), playbook, at(12.5), "rollback_first")


def test_only_the_change_question_counts(playbook):
    story = answered(("broken", "checkout deploy broke payments"), ("started", "14:32, right after the deploy"))
    assert not fired(story.state(), playbook, at(12.5), "rollback_first")


def test_which_question_is_the_change_question_comes_from_the_playbook(playbook):
    raw = playbook.model_dump()
    for question in raw["triage"]:
        question["counts_as_change"] = question["key"] == "started"
    book = playbook_module.Playbook.model_validate(raw)
    changed = answered(("changed", "Deploy v2.3.4"))
    assert fired(changed.state(), playbook, at(12.5), "rollback_first")
    assert not fired(changed.state(), book, at(12.5), "rollback_first")
    started = answered(("started", "14:30 with the v2.3.4 deploy"))
    assert fired(started.state(), book, at(12.5), "rollback_first")


def test_the_words_that_mean_nothing_come_from_the_playbook(playbook):
    freeze = answered(("changed", "Deploy freeze since Friday"))
    assert fired(freeze.state(), playbook, at(12.5), "rollback_first")
    ours = with_playbook(playbook, non_answers=["deploy freeze since friday"])
    assert not fired(freeze.state(), ours, at(12.5), "rollback_first")
    # With no non-answers and no undoable words on the question, even "nothing" is a change.
    nothing = answered(("changed", "nothing"))
    bare = with_change_question(playbook, undoable_words=[], undoable_pattern=None)
    assert not fired(nothing.state(), bare, at(12.5), "rollback_first")
    assert fired(nothing.state(), with_playbook(bare, non_answers=[]), at(12.5), "rollback_first")


@pytest.mark.parametrize(
    "kind, text, data",
    [
        ("action", "rolled back to v2.3.3", {}),
        ("action", "kubectl rollout undo deployment/checkout-api", {}),
        ("decision", "Bad deploy: Rollback to previous version", {"containment": "bad_deploy"}),
    ],
)
def test_a_rollback_logged_after_the_answer_clears_the_flag(playbook, kind, text, data):
    story = answered(("changed", "deploy v2.3.4 at 14:30"))
    assert fired(story.state(), playbook, at(13), "rollback_first")
    story.log(kind, text, 13, **data)
    left = fired(story.state(), playbook, at(13.5), "rollback_first")
    if kind == "decision":
        assert [p.level for p in left] == ["warning"]  # decided: log when it starts
    else:
        assert not left


def test_a_rollback_backdated_to_before_the_declaration_still_clears_it(playbook):
    # At 14:44 the commander logs "14:40 a: rolled back": written after the answer.
    story = answered(("changed", "deploy v2.3.4 at 14:30"))
    rollback = story.log("action", "rolled back to v2.3.3", 10)
    rollback.recorded_at = at(14)
    assert not fired(story.state(), playbook, at(14.5), "rollback_first")


def test_a_rollback_written_before_the_answer_does_not_clear_it(playbook):
    story = answered(("changed", "deploy v2.3.4 at 14:30"))
    story.log("action", "rolled back the search service", 5)  # written 14:35, before declaring
    assert fired(story.state(), playbook, at(13), "rollback_first")


def test_an_answered_change_raises_no_flag_once_mitigation_is_recorded(playbook):
    story = answered(("changed", "deploy v2.3.4 at 14:30"))
    story.mitigate("degraded", 12.5, restored=False)
    assert not fired(story.state(), playbook, at(13), "rollback_first")


def test_an_answered_change_is_quiet_outside_assess_and_contain(playbook):
    story = answered(("changed", "deploy v2.3.4 at 14:30"))
    story.phase("contain", 13)
    assert fired(story.state(), playbook, at(13.5), "rollback_first")
    story.phase("diagnose", 14)
    assert not fired(story.state(), playbook, at(14.5), "rollback_first")


def test_a_struck_or_corrected_answer_counts_no_more(playbook):
    struck = Story()
    struck.log("triage", "deploy v2.3.4", 12, struck=True, question="changed")
    assert not fired(struck.state(), playbook, at(13), "rollback_first")
    corrected = answered(("changed", "deploy v2.3.4"))
    corrected.events[-1].amended_text = "config push: pool size 50"
    (prompt,) = fired(corrected.state(), playbook, at(13), "rollback_first")
    assert "'config push: pool size 50'" in prompt.detail
    corrected.events[-1].amended_text = "Nothing."
    assert not fired(corrected.state(), playbook, at(13), "rollback_first")


def test_a_time_correction_logged_as_triage_is_not_an_answer(playbook):
    # store.set_times logs a `triage` event without a question.
    story = Story()
    story.log("triage", "started at 2026-03-10T14:32:00+00:00", 13, started_at="2026-03-10T14:32:00+00:00")
    assert not fired(story.state(), playbook, at(13.5), "rollback_first")
    assert checklist.phase_progress(story.state(), playbook)["assess"] == (0, 5)


def test_an_answered_change_and_a_logged_deploy_give_one_flag(playbook):
    story = seed_story(12)
    story.log("triage", "Deploy v2.3.4 of checkout-api at 14:30", 12, question="changed")
    prompts = fired(story.state(), playbook, at(12.5), "rollback_first")
    assert len(prompts) == 1 and "answer to 'What changed?'" in prompts[0].detail
    story.log("action", "Rollback initiated: kubectl rollout undo deployment/checkout-api", 13)
    assert not fired(story.state(), playbook, at(13.5), "rollback_first")


class Clock:
    def __init__(self, minute: float) -> None:
        self.now = at(minute)

    def __call__(self):
        return self.now

    def at(self, minute: float) -> None:
        self.now = at(minute)


async def test_declared_with_a_change_through_the_store_the_flag_fires_then_clears(db_path, playbook):
    clock = Clock(12)
    store = await Store.open(db_path, clock=clock)
    try:
        incident = await store.declare(
            "Checkout failing",
            2,
            "dana",
            first_phase="assess",
            started_at=at(2),
            triage={"broken": "checkout 500s", "changed": "deploy v2.3.4 at 14:30"},
        )
        clock.at(12.5)
        state = await store.load_state(incident.id)
        assert "rollback_first" in shown_ids(state, playbook, clock.now)
        clock.at(13)
        await store.append(incident.id, "action", "rolled back to v2.3.3", "dana")
        state = await store.load_state(incident.id)
        assert "rollback_first" not in shown_ids(state, playbook, clock.now)
    finally:
        await store.close()


# The Assess items "What's broken?" and "What changed recently?" are done by the answers.


def test_answered_triage_questions_tick_their_assess_items(playbook):
    state = answered(("broken", "checkout 500s"), ("changed", "deploy v2.3.4 at 14:30")).state()
    items = {item.id: item for item in playbook.phase("assess").items}
    for item_id in ("broken", "changed"):
        item = items[item_id]
        assert checklist.item_done(state, "assess", item.id, item.requires, item.done_when)
        assert checklist.item_evidence(state, item.done_when) == at(12)  # shown "on the timeline 14:42"
    assert checklist.item_answer(state, items["changed"].done_when) == "deploy v2.3.4 at 14:30"  # shown under it
    assert checklist.item_answer(state, items["rollback"].done_when) is None
    assert checklist.phase_progress(state, playbook)["assess"] == (2, 5)
    assert checklist.advance_warning(state, playbook, "contain") == (
        "3 of 5 Assess items unticked — speed first, you may skip"
    )


@pytest.mark.parametrize("text", ["unknown", "Nothing.", "not sure", "n/a", "?"])
def test_an_answer_that_says_nothing_ticks_nothing(playbook, text):
    state = answered(("broken", text), ("changed", text)).state()
    assert checklist.phase_progress(state, playbook)["assess"] == (0, 5)
    assert checklist.item_evidence(state, playbook.phase("assess").items[0].done_when) is None
    assert checklist.item_answer(state, playbook.phase("assess").items[0].done_when) is None


def test_unanswered_questions_tick_nothing(playbook):
    assert checklist.phase_progress(Story().state(), playbook)["assess"] == (0, 5)
    # Only "What's broken?" answered (the store does not log blank answers).
    state = answered(("broken", "checkout 500s"), ("affected", "everyone")).state()
    assert checklist.phase_progress(state, playbook)["assess"] == (1, 5)
    changed = playbook.phase("assess").items[1]
    assert not checklist.item_done(state, "assess", changed.id, changed.requires, changed.done_when)


def test_a_struck_answer_ticks_nothing(playbook):
    story = Story()
    story.log("triage", "checkout 500s", 12, struck=True, question="broken")
    assert checklist.phase_progress(story.state(), playbook)["assess"] == (0, 5)


def test_the_non_answers_an_item_uses_are_the_playbooks(playbook):
    state = answered(("changed", "TBC")).state()
    assert checklist.phase_progress(state, playbook)["assess"] == (1, 5)
    assert checklist.phase_progress(state, with_playbook(playbook, non_answers=["tbc"]))["assess"] == (0, 5)


def test_answered_done_when_round_trips_and_names_its_question(playbook):
    item = playbook.phase("assess").items[1]
    assert isinstance(item.done_when, playbook_module.Answered) and item.done_when.triage == "changed"
    assert item.model_dump()["done_when"] == "answered:changed"  # the TOML's own form
    again = playbook_module.Playbook.model_validate(playbook.model_dump())
    assert again.phase("assess").items[1].done_when.non_answers == tuple(playbook.non_answers)


def test_validate_refuses_an_answered_item_for_an_unknown_question(playbook):
    raw = playbook.model_dump()
    raw["phases"][0]["items"][1]["done_when"] = "answered:what_shipped"
    raw["source"] = "/teams/ours.toml"
    with pytest.raises(PlaybookError, match=r"/teams/ours\.toml.*phases\.0\.items\.1\.done_when.*'what_shipped'"):
        rules.validate(playbook_module.Playbook.model_validate(raw))


@pytest.mark.parametrize("value", ["answered:", "answered:  ", "answerd:changed", "containment_loged"])
def test_a_malformed_done_when_is_refused_with_the_choices(tmp_path, value):
    text = playbook_module.SHIPPED.read_text(encoding="utf-8")
    old = 'done_when = "answered:changed"'
    assert text.count(old) == 1
    path = tmp_path / "team.toml"
    path.write_text(text.replace(old, f'done_when = "{value}"'), encoding="utf-8")
    with pytest.raises(PlaybookError, match=r"field phases\.0\.items\.1\.done_when: .*answered:QUESTION"):
        playbook_module.load(path)


@given(text=st.text(max_size=40))
def test_non_answers_never_raise_and_punctuation_alone_says_nothing(text):
    classify.is_non_answer(text, PLAYBOOK.non_answers)
    stripped = "".join(ch for ch in text if ch.isalnum())
    if not stripped:
        assert classify.is_non_answer(text, PLAYBOOK.non_answers)


@given(word=st.sampled_from(PLAYBOOK.non_answers), edge=st.sampled_from(["", ".", "!", " ...", "?", "  "]))
def test_every_shipped_non_answer_matches_in_any_case_with_trailing_punctuation(word, edge):
    assert classify.is_non_answer(word.upper() + edge, PLAYBOOK.non_answers)
    assert classify.is_non_answer(" " + word.title() + edge, PLAYBOOK.non_answers)


# ----- which answers to "What changed?" are a change a rollback can undo ---------------------

CHANGED = next(q for q in PLAYBOOK.triage if q.key == "changed")


@pytest.mark.parametrize(
    "text",
    [
        "nothing changed, no deploys today",
        "Nothing changed.",
        "No deploys today",
        "no changes since the Friday deploy",
        "None that we know of\u2026",
        "not that I know of",
        "Not that I know of - deploys are frozen",
        "no idea",
        "No idea yet, checking the deploy log",
        "none",
        "unknown",
    ],
)
def test_an_answer_that_opens_by_saying_nothing_changed_raises_no_flag(playbook, text):
    assert not fired(answered(("changed", text)).state(), playbook, at(12.5), "rollback_first")


@pytest.mark.parametrize(
    "text",
    [
        "traffic spike from marketing email",  # rate limiting or scaling, not a rollback
        "Traffic doubled after the TV ad",
        "error rate 3.1% since 14:30",  # "3.1" alone is not a version
        "AWS us-east-1 degraded",
    ],
)
def test_an_answer_naming_nothing_a_rollback_can_undo_raises_no_flag(playbook, text):
    assert not fired(answered(("changed", text)).state(), playbook, at(12.5), "rollback_first")


@pytest.mark.parametrize(
    "text",
    [
        "Deploy v2.3.4 of checkout-api at 14:30",
        "deploy v2.3.4 at 14:30",
        "config push at 14:28",
        "feature flag new-checkout enabled",
        "bumped payment client to 3.1",
        "Upgraded payment client to 3.1",
        "v2.3.4 went out at 14:30",  # the version alone
        "checkout-api 2.3.4 at 14:30",
        "Redeployed checkout-api",
        "orders table migration at 14:00",
        # ordinary answers that merely contain "no" somewhere
        "Notification service deploy at 14:20",
        "Node pool upgrade",
        "config push, no other changes",
        "No-downtime migration of the orders table",
        # opens like a non-answer, then names a change after a contrast word
        "No deploys, but a config push at 14:28",
        "nothing changed except the feature flag new-checkout",
        "Not that I know of, though ops rotated the TLS certificate",
    ],
)
def test_an_answer_naming_a_change_a_rollback_can_undo_raises_the_flag(playbook, text):
    (prompt,) = fired(answered(("changed", text)).state(), playbook, at(12.5), "rollback_first")
    assert "answer to 'What changed?'" in prompt.detail


def test_bumped_counts_by_the_word_not_by_the_number(playbook):
    # "3.1" could be a rate or a percentage, so the undoable_pattern takes versions with a
    # "v" or three parts; the word "bumped" is what makes the answer a change.
    story = answered(("changed", "bumped payment client to 3.1"))
    assert fired(story.state(), playbook, at(12.5), "rollback_first")
    words = [w for w in CHANGED.undoable_words if w != "bump"]
    assert len(words) == len(CHANGED.undoable_words) - 1
    assert not fired(story.state(), with_change_question(playbook, undoable_words=words), at(12.5), "rollback_first")


def test_a_logged_change_needs_no_undoable_word(playbook):
    # The commander logging a `change` calls it a change: only triage answers are screened.
    story = Story()
    story.log("change", "traffic spike from marketing email", 5)
    assert fired(story.state(), playbook, at(13), "rollback_first")


def test_the_prefixes_contrast_and_undoable_words_come_from_the_playbook(playbook):
    nothing = answered(("changed", "nothing changed, no deploys today"))
    assert fired(nothing.state(), with_change_question(playbook, non_answer_prefixes=[]), at(12.5), "rollback_first")
    ours = with_change_question(playbook, non_answer_prefixes=["all quiet"])
    assert not fired(answered(("changed", "All quiet, no deploys")).state(), ours, at(12.5), "rollback_first")
    but = answered(("changed", "No deploys, but a config push at 14:28"))
    assert not fired(but.state(), with_change_question(playbook, contrast_words=[]), at(12.5), "rollback_first")
    spike = answered(("changed", "traffic spike from marketing email"))
    every = with_change_question(playbook, undoable_words=[], undoable_pattern=None)
    assert fired(spike.state(), every, at(12.5), "rollback_first")  # no words: every real answer counts
    assert fired(spike.state(), with_change_question(playbook, undoable_words=["traffic"]), at(12.5), "rollback_first")
    release = answered(("changed", "release R-2026-03 at 14:00"))
    pattern_only = with_change_question(playbook, undoable_words=[], undoable_pattern=r"\bR-\d{4}-\d\d\b")
    assert fired(release.state(), pattern_only, at(12.5), "rollback_first")
    assert not fired(spike.state(), pattern_only, at(12.5), "rollback_first")


def test_a_contrast_word_counts_only_as_a_whole_word(playbook):
    # "button" is not "but": the answer still opens by saying nothing changed.
    story = answered(("changed", "no deploys, button colour config untouched"))
    assert not fired(story.state(), playbook, at(12.5), "rollback_first")


def test_the_prefixes_tick_nothing_and_a_traffic_spike_is_still_an_answer(playbook):
    # A non-answer leaves "What changed recently?" open; a traffic spike is a real answer
    # (it ticks the item and is shown under it) that is simply not a rollback matter.
    nothing = answered(("changed", "Nothing changed, no deploys today")).state()
    changed = playbook.phase("assess").items[1]
    assert changed.done_when.asked.key == "changed"
    assert not checklist.item_done(nothing, "assess", changed.id, changed.requires, changed.done_when)
    assert checklist.item_answer(nothing, changed.done_when) is None
    spike = answered(("changed", "traffic spike from marketing email")).state()
    assert checklist.item_done(spike, "assess", changed.id, changed.requires, changed.done_when)
    assert checklist.item_answer(spike, changed.done_when) == "traffic spike from marketing email"


def test_the_prefixes_belong_to_the_change_question_only(playbook):
    # "no checkouts go through" answers "What's broken?"; "no deploys" would only be a
    # non-answer to "What changed?".
    state = answered(("broken", "No deploys can go out, the pipeline is down")).state()
    assert checklist.phase_progress(state, playbook)["assess"] == (1, 5)


TAILS = ["", ".", "...", ", no deploys today", " - deploys are frozen", "\u2026 checking the deploy log"]


@given(prefix=st.sampled_from(CHANGED.non_answer_prefixes), tail=st.sampled_from(TAILS))
def test_every_shipped_prefix_opens_a_non_answer_unless_a_contrast_follows(prefix, tail):
    args = (PLAYBOOK.non_answers, CHANGED.non_answer_prefixes, CHANGED.contrast_words)
    assert classify.is_non_answer(prefix.upper() + tail, *args)
    assert not classify.is_non_answer(prefix.title() + ", but a config push at 14:28", *args)
    assert not classify.is_non_answer(prefix + "x", *args)  # whole words: "no deploy" does not open "no deployx"


@pytest.mark.parametrize(
    "old, new, expected",
    [
        (r"undoable_pattern = '\b", r"undoable_pattern = '(\b", r"triage\.3\.undoable_pattern: .*not a valid regular"),
        (r"undoable_pattern = '\b", r"undoable_pattern = 'x*|\b", r"triage\.3\.undoable_pattern: .*matches empty text"),
        ('"no idea",\n', '"no idea", "...",\n', r"triage\.3\.non_answer_prefixes: .*'\.\.\.' has no letters"),
        ('undoable_words = [\n  "deploy",', 'undoable_words = [\n  " ", "deploy",', r"undoable_words: .*no letters"),
    ],
)
def test_a_bad_change_question_is_refused_on_load(tmp_path, old, new, expected):
    text = playbook_module.SHIPPED.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "team.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PlaybookError, match=expected):
        playbook_module.load(path)
