"""Clocks and incident metrics computed from the recorded times.

Pure functions of (incident state, now): the war room shows them every second and the
postmortem reuses them, so they never raise on odd data — a missing time gives None.
Domain layer: imports nothing from Textual.

Reference points:
- start: `incident.started_at` (when the symptoms began), else `declared_at`.
- contained: the earliest of the first containment action logged (a rollback logged as
  started, or an action or change at or after the first containment decision: what ticks
  the Contain checklist's "containment action taken", or that item ticked by hand; the
  decision alone says what will be done, not that it was), the end of the first span of
  the phase in the playbook's `contain` role (the commander moved on because the bleeding stopped) and the moment
  service was restored (restored implies contained). The phase is often advanced minutes
  after the action, so the span alone would overstate it; and containment is never later
  than mitigation.
- mitigated: `incident.restored_at`; resolved: `incident.resolved_at`.
- detected: `incident.detected_at`; when not given, the first alert logged at or after the
  start (any alert, when no start is known) and no later than the declaration, else the
  declaration itself (nobody declares what they have not detected).
- resolved incidents: every clock stops at the resolution (the header shows the final
  values); a reopened incident runs again.
Struck events never count. Naive datetimes are taken as UTC.
"""

from __future__ import annotations

from dataclasses import field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, overload

from warroom.core.models import Event, IncidentState
from warroom.core.records import FrozenRecord, record

if TYPE_CHECKING:
    from warroom.core.playbook import Playbook

# The role of the phase whose end means "contained" (its key is the playbook's
# `phase_key("contain")`). Without a playbook, the shipped playbook's key is assumed.
CONTAIN_ROLE = "contain"

_ZERO = timedelta(0)


@record
class Metrics(FrozenRecord):
    """Every clock and metric; None where the times it needs are not recorded."""

    since_start: timedelta | None
    since_detected: timedelta | None
    since_declared: timedelta | None
    in_phase: timedelta | None
    per_phase: dict[str, timedelta] = field(default_factory=dict)
    time_to_detect: timedelta | None = None
    time_to_declare: timedelta | None = None
    time_to_contain: timedelta | None = None
    time_to_mitigate: timedelta | None = None
    time_to_resolve: timedelta | None = None
    next_update_in: timedelta | None = None  # negative: the update is overdue
    # The moments the durations are measured from/to, for showing "at 14:45" next to them.
    start: datetime | None = None
    contained_at: datetime | None = None
    # When it was detected (given, or derived: see `detected_from`) and resolved; the
    # clocks of a resolved incident stop at `resolved_at`.
    detected_at: datetime | None = None
    detected_from: str | None = None  # "given" | "first alert" | "declared"
    resolved_at: datetime | None = None


@overload
def aware(dt: datetime) -> datetime: ...
@overload
def aware(dt: None) -> None: ...
@overload
def aware(dt: datetime | None) -> datetime | None: ...
def aware(dt: datetime | None) -> datetime | None:
    """UTC-aware; a naive time (never written by the store, but possible in hand-built
    states) is taken as UTC so comparisons never raise."""
    if dt is None:
        return None
    if dt.tzinfo is None or dt.utcoffset() is None:
        return dt.replace(tzinfo=UTC)
    return dt


def _between(earlier: datetime | None, later: datetime | None) -> timedelta | None:
    if earlier is None or later is None:
        return None
    try:
        return aware(later) - aware(earlier)
    except OverflowError:
        return None


def live_events(state: IncidentState) -> list[Event]:
    """The events that tell the story: struck ones never count."""
    return [e for e in state.events if not e.struck]


def is_containment_decision(event: Event) -> bool:
    """A decision naming the playbook's containment situation it answers (what the war
    room's containment picker logs)."""
    if event.struck:
        return False
    return event.kind == "decision" and bool(event.data.get("containment"))


def reopened_at(state: IncidentState) -> datetime | None:
    """When the incident was last reopened; None when it never was."""
    reopens = [e.ts for e in live_events(state) if e.kind == "reopened"]
    return max(reopens, key=aware) if reopens else None


def restored_now(state: IncidentState) -> datetime | None:
    """When the service came back, as it stands now: the incident's restored_at (the first
    restore, which the fold keeps for the clocks) unless the incident was reopened after it;
    then the first level that restores service set since the latest reopen, if any (the
    fire is back until one is)."""
    restored = state.incident.restored_at
    reopened = reopened_at(state)
    if restored is None or reopened is None or aware(restored) > aware(reopened):
        return restored
    again = [
        e.ts
        for e in live_events(state)
        if e.kind == "mitigation" and e.data.get("restored") and aware(e.ts) >= aware(reopened)
    ]
    return min(again, key=aware) if again else None


def mitigation_now(state: IncidentState) -> str | None:
    """The mitigation level in force: the incident's, unless it was set before the latest
    reopen (the fire came back through it)."""
    level = state.incident.mitigation
    reopened = reopened_at(state)
    if level is None or reopened is None:
        return level
    levels = [e for e in live_events(state) if e.kind == "mitigation"]
    return level if levels and aware(levels[-1].ts) >= aware(reopened) else None


def contained_at(state: IncidentState, playbook: Playbook | None = None) -> datetime | None:
    """When the incident was contained (see the module docstring for the choice)."""
    from warroom.core.classify import containment_action_at  # classify reads this module's helpers

    contain = playbook.phase_key(CONTAIN_ROLE) if playbook is not None else CONTAIN_ROLE
    acted = containment_action_at(state)
    candidates = [acted] if acted is not None else []
    if playbook is not None and contain in playbook.phase_keys:  # "containment action taken", ticked by hand
        for item in playbook.phase(contain).items:
            mark = state.checklist.get(f"{contain}:{item.id}")
            if item.done_when == "containment_action" and mark is not None and mark.done:
                candidates.append(aware(mark.at))
    contain_ends = [s.exited_at for s in state.phases if s.phase == contain and s.exited_at is not None]
    if contain_ends:
        candidates.append(aware(contain_ends[0]))
    if state.incident.restored_at is not None:
        candidates.append(aware(state.incident.restored_at))
    return min(candidates, default=None)


def detection(state: IncidentState) -> tuple[datetime | None, str | None]:
    """When the incident was detected, and how that is known ("given", "first alert" or
    "declared"): see the module docstring."""
    inc = state.incident
    if inc.detected_at is not None:
        return aware(inc.detected_at), "given"
    declared = aware(inc.declared_at)
    start = aware(inc.started_at)
    alerts = [
        aware(e.ts)
        for e in state.events
        if e.kind == "alert"
        and not e.struck
        and (start is None or aware(e.ts) >= start)
        and (declared is None or aware(e.ts) <= declared)
    ]
    if alerts:
        return min(alerts), "first alert"
    if declared is not None:
        return declared, "declared"
    return None, None


# The kinds that tell of a symptom when logged before the declaration (a change is a cause).
SYMPTOM_KINDS = ("alert", "note")


def suggested_start(state: IncidentState) -> Event | None:
    """With no start time given, the earliest alert or symptom note logged (backdated) from
    before the declaration: the war room offers its time as the start. None when a start is
    recorded or nothing was logged before declaring."""
    inc = state.incident
    if inc.started_at is not None:
        return None
    declared = aware(inc.declared_at)
    before = [e for e in state.events if e.kind in SYMPTOM_KINDS and not e.struck and aware(e.ts) < declared]
    return min(before, key=lambda e: (aware(e.ts), e.id), default=None)


def clock_end(state: IncidentState, now: datetime) -> datetime:
    """Where the clocks stop: the resolution of a resolved incident, else now."""
    inc = state.incident
    if inc.status == "resolved" and inc.resolved_at is not None:
        return min(aware(now), aware(inc.resolved_at))
    return aware(now)


def per_phase(state: IncidentState, now: datetime) -> dict[str, timedelta]:
    """Total time spent in each phase entered so far; the open span counts up to now.

    A phase entered twice (went back to Contain) adds both spans. A span that ends before
    it starts (clock skew between hosts) counts as zero rather than negative.
    """
    totals: dict[str, timedelta] = {}
    for span in state.phases:
        end = span.exited_at if span.exited_at is not None else now
        length = _between(span.entered_at, end)
        if length is None or length < _ZERO:
            length = _ZERO
        totals[span.phase] = totals.get(span.phase, _ZERO) + length
    return totals


def compute(state: IncidentState, now: datetime, playbook: Playbook | None = None) -> Metrics:
    """All clocks and metrics for `state` as of `now` (a resolved incident's clocks stop at its
    resolution). The playbook names the Contain phase (by its role) for time to contain;
    without one, the shipped key is assumed."""
    live_now = aware(now)
    now = clock_end(state, live_now)
    inc = state.incident
    start = aware(inc.started_at) or aware(inc.declared_at)
    detected, detected_from = detection(state)
    span = state.current_phase_span()
    in_phase = None
    if span is not None:
        in_phase = _between(span.entered_at, span.exited_at if span.exited_at is not None else now)
    contained = contained_at(state, playbook)
    return Metrics(
        since_start=_between(start, now),
        since_detected=_between(detected, now),
        since_declared=_between(inc.declared_at, now),
        in_phase=in_phase,
        per_phase=per_phase(state, now),
        time_to_detect=_between(inc.started_at, detected),
        # Without a start time the declaration is measured from a detection that is known (given
        # or an alert); with neither there is nothing to measure (declared - declared would
        # claim an instant response).
        time_to_declare=_between(
            inc.started_at or (detected if detected_from != "declared" else None), inc.declared_at
        ),
        time_to_contain=_between(start, contained),
        time_to_mitigate=_between(start, inc.restored_at),
        time_to_resolve=_between(start, inc.resolved_at),
        next_update_in=_between(live_now, inc.next_update_at) if inc.status != "resolved" else None,
        start=start,
        contained_at=contained,
        detected_at=detected,
        detected_from=detected_from,
        resolved_at=aware(inc.resolved_at) if inc.status == "resolved" else None,
    )


MEASURES = ("detect", "declare", "contain", "mitigate", "resolve")


def _seconds(delta: timedelta | None) -> int | None:
    return int(delta.total_seconds()) if delta is not None else None


def _iso(dt: datetime | None) -> str | None:
    return aware(dt).astimezone(UTC).isoformat().replace("+00:00", "Z") if dt is not None else None


def as_json(state: IncidentState, m: Metrics) -> dict[str, object]:
    """The response times for `export --format json` and `list --json`: each time to X in
    whole seconds (null when not recorded yet) and the moments they are measured between."""
    inc = state.incident
    out: dict[str, object] = {f"time_to_{name}_seconds": _seconds(getattr(m, f"time_to_{name}")) for name in MEASURES}
    out.update(
        start=_iso(m.start),
        start_given=inc.started_at is not None,
        detected_at=_iso(m.detected_at),
        detected_from=m.detected_from,
        declared_at=_iso(inc.declared_at),
        contained_at=_iso(m.contained_at),
        restored_at=_iso(inc.restored_at),
        resolved_at=_iso(m.resolved_at),
    )
    return out
