"""Small builders for IncidentState objects, so rule and metric tests read like a timeline.

Times are minutes after 14:30 UTC on a fixed day (the seed story's deploy), so `at(12)` is
14:42, when the seed story's incident is declared.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from hypothesis import strategies as st

from warroom.core import playbook, rules
from warroom.core.models import (
    ALL_KINDS,
    ChecklistMark,
    Event,
    FlagDecision,
    Incident,
    IncidentState,
    PhaseSpan,
    SeverityChange,
    TempFix,
)

T0 = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


class Story:
    """An incident built event by event; `state()` gives the IncidentState the store would."""

    def __init__(
        self,
        *,
        declared: float = 12,
        started: float | None = 2,
        detected: float | None = 8,
        severity: int = 2,
        phase: str = "assess",
        commander: str = "dana",
        next_update: float | None = None,
    ):
        self._ids = count(1)
        self.incident = Incident(
            id="inc-1",
            title="Checkout failing",
            severity=severity,
            phase=phase,
            commander=commander,
            declared_at=at(declared),
            started_at=at(started) if started is not None else None,
            detected_at=at(detected) if detected is not None else None,
            next_update_at=at(next_update) if next_update is not None else None,
        )
        self.events: list[Event] = []
        self.phases = [PhaseSpan(phase=phase, entered_at=at(declared))]
        self.severity_history = [SeverityChange(at=at(declared), old=None, new=severity, by=commander)]
        self.checklist: dict[str, ChecklistMark] = {}
        self.flags: list[FlagDecision] = []
        self.temp_fixes: list[TempFix] = []
        self.last_comms_at: datetime | None = None
        self.log("declared", "Incident declared", declared)

    def log(
        self, kind: str, text: str, minute: float, *, struck: bool = False, author: str = "dana", **data: Any
    ) -> Event:
        event = Event(
            seq=len(self.events) + 1,
            id=f"ev-{next(self._ids)}",
            incident_id=self.incident.id,
            ts=at(minute),
            recorded_at=at(minute),
            kind=kind,
            text=text,
            author=author,
            data=data,
            struck=struck,
        )
        self.events.append(event)
        return event

    def phase(self, key: str, minute: float) -> Story:
        self.phases[-1].exited_at = at(minute)
        self.phases.append(PhaseSpan(phase=key, entered_at=at(minute)))
        self.log("phase", f"Phase → {key}", minute, old=self.incident.phase, new=key)
        self.incident.phase = key
        return self

    def severity(self, new: int, minute: float) -> Story:
        old = self.incident.severity
        self.severity_history.append(SeverityChange(at=at(minute), old=old, new=new, by="dana"))
        self.log("severity", f"SEV-{old} → SEV-{new}", minute, old=old, new=new)
        self.incident.severity = new
        return self

    def tick(self, phase: str, item: str, minute: float, done: bool = True) -> Story:
        self.checklist[f"{phase}:{item}"] = ChecklistMark(phase=phase, item=item, done=done, by="dana", at=at(minute))
        return self

    def mitigate(self, level: str, minute: float, restored: bool = True) -> Story:
        self.incident.mitigation = level
        self.log("mitigation", f"Mitigation: {level}", minute, level=level, restored=restored)
        if restored and self.incident.restored_at is None:
            self.incident.restored_at = at(minute)
        return self

    def resolve(self, minute: float) -> Story:
        self.incident.status = "resolved"
        self.incident.resolved_at = at(minute)
        return self

    def temp_fix(self, what: str, minute: float, *, removed: float | None = None, permanent: bool = False) -> TempFix:
        fix = TempFix(
            id=f"fix-{next(self._ids)}",
            incident_id=self.incident.id,
            what=what,
            ticket="INC-1234",
            added_at=at(minute),
            added_by="alex",
            removed_at=at(removed) if removed is not None else None,
            permanent=permanent,
        )
        self.temp_fixes.append(fix)
        return fix

    def decide(self, rule: str, action: str, minute: float, fingerprint: str = "", until: float | None = None) -> Story:
        self.flags.append(
            FlagDecision(
                rule=rule,
                action=action,
                at=at(minute),
                by="dana",
                fingerprint=fingerprint,
                until=at(until) if until is not None else None,
            )
        )
        return self

    def state(self) -> IncidentState:
        state = IncidentState(
            incident=self.incident,
            events=sorted(self.events, key=lambda e: (e.ts, e.seq)),
            event_count=len(self.events),
            phases=self.phases,
            severity_history=self.severity_history,
            checklist=self.checklist,
            flags=self.flags,
            temp_fixes=self.temp_fixes,
            handoffs=[e for e in self.events if e.kind == "handoff" and not e.struck],
            last_comms_at=self.last_comms_at,
        )
        return state.model_copy(deep=True)


def seed_story(upto: float) -> Story:
    """The methodology's own timeline, up to `upto` minutes after 14:30:
    deploy 14:30, errors 14:32, detected 14:38, declared 14:42, rollback decided 14:43,
    rollback complete 14:45, errors back to baseline and service restored 14:50."""
    story = Story(declared=12, started=2, detected=8, severity=2, next_update=12 + 30)
    story.log("change", "Deploy v2.3.4 of checkout-api completed", 0, author="deploy-bot")
    story.log("alert", "Error rate increased 5% → 20%", 2, author="alertmanager")
    story.log("alert", "Alert fired: checkout-api 5xx > 10%", 8, author="alertmanager")
    steps = [
        (13, lambda: story.phase("contain", 13)),
        (
            13,
            lambda: story.log(
                "decision", "Bad deploy: Rollback to previous version (v2.3.4 → v2.3.3)", 13, containment="bad_deploy"
            ),
        ),
        (13.1, lambda: story.log("action", "Rollback initiated: kubectl rollout undo deployment/checkout-api", 13.1)),
        (15, lambda: story.log("action", "Rollback complete, errors dropping", 15)),
        (15, lambda: story.phase("mitigate", 15)),
        (20, lambda: story.log("alert", "Error rate back to baseline (0.4%)", 20)),
        (20, lambda: story.mitigate("full", 20)),
        (20, lambda: story.phase("diagnose", 20)),
    ]
    for minute, step in steps:
        if minute <= upto:
            step()
    return story


# ----- hypothesis: arbitrary states -------------------------------------------------------

PLAYBOOK = playbook.load()
PHASES = [*PLAYBOOK.phase_keys, "", "triage"]
_aware = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
# Hand-built states may carry naive times; the store never writes them, the rules cope anyway.
times = st.one_of(_aware, st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)))
_maybe = st.none() | times
_text = st.text(max_size=80)
_data = st.dictionaries(
    st.sampled_from(["containment", "role", "level", "old", "new", "restored", "from", "to"]),
    st.none() | st.integers() | _text | st.booleans() | st.sampled_from(["bad_deploy", "commander", "traffic_spike"]),
    max_size=4,
)


@st.composite
def states(draw) -> IncidentState:
    incident = Incident(
        id="inc",
        title=draw(_text),
        severity=draw(st.integers(1, 4)),
        phase=draw(st.sampled_from(PHASES)),
        status=draw(st.sampled_from(["open", "resolved"])),
        commander=draw(_text),
        mitigation=draw(st.none() | st.sampled_from(["full", "degraded", "odd"])),
        declared_at=draw(times),
        started_at=draw(_maybe),
        detected_at=draw(_maybe),
        restored_at=draw(_maybe),
        resolved_at=draw(_maybe),
        next_update_at=draw(_maybe),
    )
    events = [
        Event(
            id=f"e{i}",
            incident_id="inc",
            ts=ts,
            recorded_at=ts,
            kind=draw(st.sampled_from(ALL_KINDS)),
            text=draw(_text),
            author=draw(_text),
            data=draw(_data),
            struck=draw(st.booleans()),
        )
        for i, ts in enumerate(draw(st.lists(times, max_size=12)))
    ]
    phases = [
        PhaseSpan(phase=draw(st.sampled_from(PHASES)), entered_at=entered, exited_at=draw(_maybe))
        for entered in draw(st.lists(times, max_size=5))
    ]
    severity_history = [
        SeverityChange(
            at=draw(times), old=draw(st.none() | st.integers(1, 4)), new=draw(st.integers(1, 4)), by=draw(_text)
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    checklist = {}
    for phase in PLAYBOOK.phases:
        for item in phase.items:
            if draw(st.booleans()):
                checklist[f"{phase.key}:{item.id}"] = ChecklistMark(
                    phase=phase.key, item=item.id, done=draw(st.booleans()), by="x", at=draw(times)
                )
    flags = [
        FlagDecision(
            rule=draw(st.sampled_from([f.id for f in PLAYBOOK.red_flags] + list(rules.RULES) + ["x"])),
            action=draw(st.sampled_from(["ack", "dismiss", "snooze"])),
            at=draw(times),
            by="x",
            until=draw(_maybe),
            fingerprint=draw(_text),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    temp_fixes = [
        TempFix(
            id=f"f{i}",
            incident_id="inc",
            what=draw(_text),
            ticket=draw(_text),
            added_at=draw(times),
            added_by="x",
            removed_at=draw(_maybe),
            permanent=draw(st.booleans()),
        )
        for i in range(draw(st.integers(0, 3)))
    ]
    return IncidentState(
        incident=incident,
        events=events,
        phases=phases,
        severity_history=severity_history,
        checklist=checklist,
        flags=flags,
        temp_fixes=temp_fixes,
        last_comms_at=draw(_maybe),
        handoffs=[e for e in events if e.kind == "handoff"],
    )
