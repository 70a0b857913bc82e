"""Clocks and metrics from fixed timelines."""

from __future__ import annotations

from datetime import datetime, timedelta

from builders import Story, at, seed_story, states
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.core import metrics
from warroom.core.metrics import Metrics, compute
from warroom.core.models import IncidentState, PhaseSpan

M = lambda minutes: timedelta(minutes=minutes)  # noqa: E731


def test_seed_story_metrics_agree_with_the_story():
    # deploy 14:30, errors 14:32, detected 14:38, declared 14:42, Contain 14:43-14:45 with the
    # rollback decided at 14:43 and initiated six seconds later (contained then), restored
    # 14:50, Diagnose since 14:50, next update due 15:12; now 14:55.
    result = compute(seed_story(25).state(), at(25))
    assert result == Metrics(
        since_start=M(23),
        since_detected=M(17),
        since_declared=M(13),
        in_phase=M(5),
        per_phase={"assess": M(1), "contain": M(2), "mitigate": M(5), "diagnose": M(5)},
        time_to_detect=M(6),
        time_to_declare=M(10),
        time_to_contain=M(11.1),
        time_to_mitigate=M(18),
        time_to_resolve=None,
        next_update_in=M(17),
        start=at(2),
        contained_at=at(13.1),
        detected_at=at(8),
        detected_from="given",
        resolved_at=None,
    )


def test_before_anything_is_done_only_the_clocks_run():
    result = compute(Story(next_update=42).state(), at(12.5))
    assert result.since_start == M(10.5) and result.since_declared == M(0.5)
    assert result.in_phase == M(0.5) and result.per_phase == {"assess": M(0.5)}
    assert result.time_to_contain is None and result.time_to_mitigate is None and result.time_to_resolve is None


def test_start_falls_back_to_the_declaration():
    result = compute(Story(started=None, detected=None).state(), at(20))
    assert result.since_start == M(8) and result.start == at(12)
    # No detection time and no alert: detected when declared (nobody declares the undetected).
    assert result.detected_at == at(12) and result.detected_from == "declared" and result.since_detected == M(8)
    assert result.time_to_detect is None  # no start to measure from
    assert result.time_to_declare is None  # nothing to measure it from


def test_time_to_declare_from_detection_when_start_is_unknown():
    result = compute(Story(started=None, detected=8).state(), at(20))
    assert result.time_to_declare == M(4)


def test_next_update_overdue_is_negative():
    assert compute(Story(next_update=42).state(), at(45)).next_update_in == M(-3)
    assert compute(Story(next_update=None).state(), at(45)).next_update_in is None


def test_a_phase_entered_twice_adds_up():
    story = Story()
    story.phase("contain", 13).phase("mitigate", 15).phase("contain", 20)
    result = compute(story.state(), at(24))
    assert result.per_phase == {"assess": M(1), "contain": M(2 + 4), "mitigate": M(5)}
    assert result.in_phase == M(4)


def test_a_span_that_ends_before_it_starts_counts_as_zero():
    state = Story().state()
    state.phases = [
        PhaseSpan(phase="assess", entered_at=at(20), exited_at=at(10)),
        PhaseSpan(phase="contain", entered_at=at(20)),
    ]
    assert compute(state, at(21)).per_phase == {"assess": M(0), "contain": M(1)}


def test_contained_by_the_action_after_the_decision_when_the_contain_phase_was_skipped():
    story = Story()
    story.log("decision", "Bad deploy: Rollback", 14, containment="bad_deploy")
    story.phase("mitigate", 16)
    # The decision says what will be done, not that it was: no containment yet (as the
    # Contain checklist's "containment action taken" is not ticked by it).
    assert compute(story.state(), at(30)).contained_at is None
    story.log("action", "kubectl rollout undo deployment/checkout-api", 17)
    result = compute(story.state(), at(30))
    assert result.contained_at == at(17) and result.time_to_contain == M(15)


def test_a_struck_containment_decision_does_not_count():
    story = Story()
    story.log("decision", "Bad deploy: Rollback", 14, containment="bad_deploy", struck=True)
    assert compute(story.state(), at(30)).time_to_contain is None


def test_contained_when_restored_if_nothing_else_says_so():
    story = Story()
    story.mitigate("full", 25)
    result = compute(story.state(), at(30))
    assert result.time_to_contain == result.time_to_mitigate == M(23)


def test_the_first_contain_span_end_wins_over_a_later_decision():
    story = Story()
    story.phase("contain", 13).phase("mitigate", 15)
    story.log("decision", "Cascading failure: Shed load", 18, containment="cascading_failure")
    assert compute(story.state(), at(30)).contained_at == at(15)


def test_a_containment_action_before_the_contain_phase_ends_wins():
    # The phase was advanced a minute after the rollback was started: contained at the action.
    story = Story()
    story.phase("contain", 13)
    story.log("decision", "Bad deploy: Rollback", 14, containment="bad_deploy")
    story.log("action", "Rollback initiated", 14.5)
    story.phase("mitigate", 16)
    result = compute(story.state(), at(30))
    assert result.contained_at == at(14.5) and result.time_to_contain == M(12.5)


def test_containment_action_ticked_by_hand_counts(playbook):
    story = Story()
    story.phase("contain", 13)
    story.log("decision", "Bad deploy: Rollback", 14, containment="bad_deploy")
    story.tick("contain", "action", 14.2)  # the commander ticked "containment action taken"
    story.phase("mitigate", 16)
    assert compute(story.state(), at(30), playbook).contained_at == at(14.2)


def test_a_struck_containment_action_does_not_count():
    # A walker struck "rollback started" (it was not) and logged the real rollout later.
    story = Story()
    story.log("decision", "Bad deploy: Rollback", 14, containment="bad_deploy")
    story.log("action", "Rollback started", 14.5, struck=True)
    story.log("action", "kubectl rollout undo done", 15)
    assert compute(story.state(), at(30)).contained_at == at(15)


def test_contained_no_later_than_service_restored():
    # Restored while still in Contain (the phase advanced late, no decision logged).
    story = Story()
    story.phase("contain", 13).mitigate("full", 15).phase("mitigate", 20)
    result = compute(story.state(), at(30))
    assert result.contained_at == at(15)
    assert result.time_to_contain == result.time_to_mitigate == M(13)
    # A containment decision logged after the restore does not move it later either.
    story.log("decision", "Cascading failure: Shed load", 22, containment="cascading_failure")
    assert compute(story.state(), at(30)).contained_at == at(15)


def test_time_to_resolve():
    story = seed_story(25).resolve(60)
    assert compute(story.state(), at(70)).time_to_resolve == M(58)


def test_no_phases_means_no_phase_clock():
    state = Story().state()
    state.phases = []
    result = compute(state, at(20))
    assert result.in_phase is None and result.per_phase == {}


def test_naive_times_are_taken_as_utc():
    state = Story().state()
    state.incident.declared_at = state.incident.declared_at.replace(tzinfo=None)
    result = compute(state, at(22))
    assert result.since_declared == M(10)
    result = compute(Story().state(), datetime(2026, 3, 10, 14, 52))  # a naive now
    assert result.since_declared == M(10)


def test_live_events_leave_struck_out():
    story = Story()
    story.log("note", "kept", 13)
    story.log("note", "struck", 14, struck=True)
    assert [e.text for e in metrics.live_events(story.state())] == ["Incident declared", "kept"]


@settings(max_examples=100, deadline=None)
@given(state=states(), now=st.datetimes())
def test_compute_never_raises(state: IncidentState, now: datetime):
    result = compute(state, now)
    assert all(value >= timedelta(0) for value in result.per_phase.values())
    if result.time_to_contain is not None and result.time_to_mitigate is not None:
        assert result.time_to_contain <= result.time_to_mitigate


# ----- issue 11: resolved clocks stop; detection and start the timeline knows ---------------


def test_a_resolved_incidents_clocks_stop_at_the_resolution():
    story = seed_story(25).resolve(40)
    state = story.state()
    result = compute(state, at(40 + 24 * 60))  # the postmortem, a day later
    assert result.resolved_at == at(40)
    assert result.since_start == M(38) and result.since_declared == M(28) and result.since_detected == M(32)
    assert result.in_phase == M(20)  # Diagnose from 14:50 to the resolution at 15:10
    assert result.per_phase["diagnose"] == M(20)
    assert result.time_to_resolve == M(38)
    assert result.next_update_in is None  # no update is due on a resolved incident
    # Reopened: the clocks run again.
    state.incident.status = "open"
    state.incident.resolved_at = None
    reopened = compute(state, at(60))
    assert reopened.since_start == M(58) and reopened.resolved_at is None


def test_detection_defaults_to_the_first_alert_at_or_after_the_start():
    story = Story(started=2, detected=None)
    story.log("alert", "noise before the start", 1)
    story.log("alert", "5xx > 10%", 6)
    story.log("alert", "later alert", 9)
    result = compute(story.state(), at(20))
    assert result.detected_at == at(6) and result.detected_from == "first alert"
    assert result.time_to_detect == M(4) and result.time_to_declare == M(10)


def test_detection_is_the_declaration_when_no_alert_came_before_it():
    story = Story(started=2, detected=None)
    story.log("alert", "after declaring", 14)
    story.log("alert", "struck", 5, struck=True)
    result = compute(story.state(), at(20))
    assert result.detected_at == at(12) and result.detected_from == "declared"
    assert result.time_to_detect == M(10)


def test_without_a_start_a_backdated_alert_is_the_detection():
    story = Story(started=None, detected=None)
    story.log("alert", "checkout 5xx", -6)  # 18 minutes before declaring at 14:42
    result = compute(story.state(), at(12.1))
    assert result.detected_at == at(-6) and result.time_to_declare == M(18)


def test_suggested_start_is_the_earliest_alert_or_symptom_before_declaring():
    story = Story(started=None, detected=None)
    story.log("change", "deploy v2", -10)  # a cause, not a symptom
    story.log("alert", "struck alert", -9, struck=True)
    note = story.log("note", "users report timeouts", -8)
    story.log("alert", "checkout 5xx", -6)
    story.log("alert", "after declaring", 13)
    assert metrics.suggested_start(story.state()) == note
    assert metrics.suggested_start(Story(started=None).state()) is None  # nothing before declaring
    given = Story(started=2)
    given.log("alert", "early", -5)
    assert metrics.suggested_start(given.state()) is None  # a start is recorded: nothing to offer


def test_metrics_as_json_gives_seconds_and_moments():
    state = seed_story(25).resolve(40).state()
    data = metrics.as_json(state, compute(state, at(50)))
    assert data["time_to_detect_seconds"] == 360 and data["time_to_declare_seconds"] == 600
    assert data["time_to_contain_seconds"] == 666 and data["time_to_mitigate_seconds"] == 1080
    assert data["time_to_resolve_seconds"] == 38 * 60
    assert data["start"] == "2026-03-10T14:32:00Z" and data["resolved_at"] == "2026-03-10T15:10:00Z"
    assert data["detected_from"] == "given" and data["start_given"] is True
    fresh = Story(started=None, detected=None).state()
    empty = metrics.as_json(fresh, compute(fresh, at(13)))
    assert empty["time_to_detect_seconds"] is None and empty["time_to_resolve_seconds"] is None
