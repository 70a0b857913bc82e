"""The red flags: one function a rule, each a pure function of (state, playbook, now).

A rule looks at the incident state and returns a `Hit` (why it fires now, which condition
instance it is, how loud) or None; the engine in `warroom.core.rules` names them in its
registry and turns hits into prompts. The words of a flag and every threshold are
playbook data. Struck events never count. Domain layer: imports nothing from Textual.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from warroom.core.classify import (
    is_fix_attempt,
    is_rollback,
    is_rollback_decision,
    is_rollback_started,
    names_undoable,
    triage_answer,
)
from warroom.core.hosts import by_whom
from warroom.core.metrics import aware, compute, live_events
from warroom.core.models import Event, IncidentState
from warroom.core.playbook import Playbook
from warroom.core.safetext import one_line
from warroom.core.timeutil import duration, hm

Level = Literal["warning", "error"]

# The role of the phase of the permanent fix.
FIX_ROLE = "fix"
# How much of an event's text a prompt quotes.
QUOTE_CHARS = 60


@dataclass(frozen=True)
class Hit:
    """What a rule reports: why it fires now, which condition instance, how loud."""

    detail: str
    fingerprint: str
    level: Level = "warning"


# ----- helpers --------------------------------------------------------------------------


def _quote(event: Event) -> str:
    return "'" + one_line(event.shown_text, QUOTE_CHARS) + "'"


def _iso(dt: datetime | None) -> str:
    return aware(dt).isoformat() if dt is not None else "-"


def _impact_active(state: IncidentState) -> bool:
    """Users are still affected: not restored, not resolved."""
    inc = state.incident
    return inc.status == "open" and inc.restored_at is None and inc.resolved_at is None


def current_phase(state: IncidentState) -> str:
    """The phase the incident is in now (its open phase span, else the incident's phase)."""
    span = state.current_phase_span()
    return span.phase if span is not None else state.incident.phase


def _answered_changes(state: IncidentState, playbook: Playbook) -> list[Event]:
    """Real answers to the triage questions the playbook marks `counts_as_change` that
    name something a rollback can undo (a logged `change` event needs no such word: the
    commander called it a change)."""
    changes = []
    for question in playbook.triage:
        if not question.counts_as_change:
            continue
        answer = triage_answer(state, question.key, playbook.non_answers, question)
        if answer is not None and names_undoable(answer.shown_text, question):
            changes.append(answer)
    return changes


def _question(playbook: Playbook, event: Event) -> str:
    key = event.data.get("question")
    return next((q.question for q in playbook.triage if q.key == key), str(key))


def _undoes(rollback: Event, change: Event) -> bool:
    """Whether a rollback comes after the change it would undo.

    A triage answer is timed at the declaration but names a change made before it, so a
    rollback written after the answer counts even when backdated to before the declaration.
    """
    if aware(rollback.ts) >= aware(change.ts):
        return True
    return change.kind == "triage" and aware(rollback.recorded_at) >= aware(change.recorded_at)


def _unmitigated(state: IncidentState) -> bool:
    """Users are still affected and nothing recorded mitigates it (no mitigation, not restored)."""
    return _impact_active(state) and state.incident.mitigation is None


# ----- the rules ------------------------------------------------------------------------


def recent_change_no_rollback(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """A change shortly before the symptoms or the declaration, and nothing undone yet.

    A change is a logged `change` event, or a real answer to the triage question the
    playbook marks `counts_as_change` ("What changed?") that names something a rollback
    can undo (a deploy, a config push; not a traffic spike), timed when it was answered.
    """
    inc = state.incident
    if not _unmitigated(state):
        return None
    window = timedelta(minutes=playbook.thresholds.recent_change_minutes)
    anchors = [a for a in (aware(inc.started_at), aware(inc.declared_at)) if a is not None]
    events = live_events(state)
    logged = [e for e in events if e.kind == "change" and not is_rollback(e, playbook)]
    candidates = [*logged, *_answered_changes(state, playbook)]
    suspects = [e for e in candidates if any(a - window <= aware(e.ts) <= a for a in anchors)]
    if not suspects:
        return None
    change = max(suspects, key=lambda e: aware(e.ts))
    if any(is_rollback_started(e) and _undoes(e, change) for e in events):
        return None
    if change.kind == "triage":
        parts = [f"change {_quote(change)} (answer to '{_question(playbook, change)}')"]
    else:
        parts = [f"change {_quote(change)} logged {hm(change.ts)}"]
    decided = [e for e in events if is_rollback_decision(e, playbook) and _undoes(e, change)]
    if decided:
        # Deciding is not doing: the flag stays, quieter, until the rollback is logged as started.
        first = min(decided, key=lambda e: aware(e.ts))
        parts.append(f"rollback decided at {hm(first.ts)}: log when it starts")
        return Hit(", ".join(parts), f"decided:{change.id}", "warning")
    if inc.started_at is not None:
        parts.append(f"symptoms {hm(inc.started_at)}")
    parts.append(f"declared {hm(inc.declared_at)}")
    parts.append("no rollback yet")
    return Hit(", ".join(parts), f"change:{change.id}", "error")


def diagnosing_unmitigated(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """Looking for the cause while users still suffer and nothing mitigates it."""
    if not _unmitigated(state):
        return None
    span = state.current_phase_span()
    phase = current_phase(state)
    since = f" since {hm(span.entered_at)}" if span is not None else ""
    clocks = compute(state, now, playbook)
    impact = f", impact for {duration(clocks.since_start)}" if clocks.since_start is not None else ""
    entered = _iso(span.entered_at) if span is not None else "-"
    return Hit(
        f"in {playbook.phase_name(phase)}{since}, no mitigation recorded{impact}",
        f"phase:{phase}:{entered}",
        "error",
    )


def fix_before_restore(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """A fix being tried while service is not yet restored."""
    if not _impact_active(state):
        return None
    attempts = [e for e in live_events(state) if is_fix_attempt(e)]
    if not attempts:
        return None
    latest = max(attempts, key=lambda e: aware(e.ts))
    return Hit(
        f"fix {_quote(latest)} logged {hm(latest.ts)}, service not restored yet",
        f"attempt:{latest.id}",
        "error",
    )


def permanent_fix_before_restore(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """Working on the permanent fix (in the playbook's fix phase, found by its role) while
    service is not restored: a temporary mitigation would do, restore service first."""
    if not _impact_active(state):
        return None
    span = state.current_phase_span()
    phase = current_phase(state)
    try:
        if phase != playbook.phase_key(FIX_ROLE):
            return None
    except KeyError:
        return None
    since = f" since {hm(span.entered_at)}" if span is not None else ""
    level = state.incident.mitigation
    try:
        mitigation = f"mitigation: {playbook.mitigation_level(level).name}" if level else "no mitigation recorded"
    except KeyError:
        mitigation = f"mitigation: {one_line(level or '', 30)}"
    entered = _iso(span.entered_at) if span is not None else "-"
    return Hit(
        f"in {playbook.phase_name(phase)}{since}, service not restored ({mitigation})",
        f"permanent:{phase}:{entered}",
        "error",
    )


def speed_phase_overrun(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """Longer in a speed phase than its time box."""
    if state.incident.status != "open":
        return None
    span = state.current_phase_span()
    if span is None:
        return None
    try:
        spec = playbook.phase(span.phase)
    except KeyError:
        return None
    if spec.mode != "speed" or spec.timebox_minutes is None:
        return None
    in_phase = compute(state, now, playbook).in_phase
    box = timedelta(minutes=spec.timebox_minutes)
    if in_phase is None or in_phase <= box:
        return None
    return Hit(
        f"in {spec.name} for {duration(in_phase)} (since {hm(span.entered_at)}), time box {duration(box)}",
        f"overrun:{span.phase}:{_iso(span.entered_at)}",
        "warning",
    )


def severity_lowered_while_impacted(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """The last severity change lowered it (a higher SEV number) while users still suffer."""
    if not _impact_active(state) or not state.severity_history:
        return None
    last = state.severity_history[-1]
    if last.old is None or last.new <= last.old:
        return None
    who = f" by {one_line(last.by, 30)}" if last.by else ""
    return Hit(
        f"SEV-{last.old} → SEV-{last.new} at {hm(last.at)}{who}, service not restored yet",
        f"severity:{_iso(last.at)}:{last.old}>{last.new}",
        "warning",
    )


def status_update_overdue(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """The next status update is past due.

    Due at `incident.next_update_at`; when none is set, one cadence of the current
    severity after the last update sent (or the declaration).
    """
    inc = state.incident
    if inc.status != "open":
        return None
    try:
        cadence: timedelta | None = timedelta(minutes=playbook.severity(inc.severity).update_every_minutes)
    except KeyError:
        cadence = None
    due = aware(inc.next_update_at)
    if due is None:
        if cadence is None:
            return None
        due = aware(state.last_comms_at or inc.declared_at) + cadence
    now = aware(now)
    if now <= due:
        return None
    late = now - due
    every = f" (SEV-{inc.severity}: every {duration(cadence)})" if cadence is not None else ""
    # Missing a whole cycle is no longer a reminder: stakeholders have heard nothing.
    level: Level = "error" if cadence is not None and late >= cadence else "warning"
    return Hit(f"update was due {hm(due)}, {duration(late)} overdue{every}", f"due:{_iso(due)}", level)


def temp_fixes_in_place(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """Temporary fixes still in place (the phases it applies in come from the playbook)."""
    fixes = [f for f in state.temp_fixes if f.in_place]
    if not fixes:
        return None
    named = []
    for fix in fixes[:3]:
        ticket = f" ({one_line(fix.ticket, 20)})" if fix.ticket else ""
        named.append(f"'{one_line(fix.what, 40)}'{ticket}")
    more = f" and {len(fixes) - 3} more" if len(fixes) > 3 else ""
    noun = "temporary fix" if len(fixes) == 1 else "temporary fixes"
    ids = ",".join(sorted(f.id for f in fixes))
    return Hit(
        f"{len(fixes)} {noun} still in place: {', '.join(named)}{more}",
        f"tempfix:{current_phase(state)}:{ids}",
        "warning",
    )


def _commander_since(state: IncidentState) -> datetime:
    """When the current commander took over: the last handoff or commander role change."""
    since = aware(state.incident.declared_at)
    for event in live_events(state):
        took_over = event.kind == "handoff" or (event.kind == "role" and event.data.get("role") == "commander")
        if took_over and aware(event.ts) > since:
            since = aware(event.ts)
    return since


def commander_needs_handoff(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """Nobody in command, or the same commander for longer than a shift."""
    inc = state.incident
    if inc.status != "open":
        return None
    if not inc.commander.strip():
        return Hit("no incident commander named", "commander:none", "error")
    since = _commander_since(state)
    on_shift = aware(now) - since
    shift = timedelta(hours=playbook.thresholds.commander_shift_hours)
    if on_shift <= shift:
        return None
    return Hit(
        f"{one_line(inc.commander, 30)} in command since {hm(since)} ({duration(on_shift)}), "
        f"no handoff (shift limit {duration(shift)})",
        f"commander:{inc.commander}:{_iso(since)}",
        "warning",
    )


def _written(event: Event) -> tuple[datetime, int]:
    """When an event was written, in the order the store wrote it (its hybrid logical clock
    breaks a tie in the wall clock)."""
    return (aware(event.recorded_at), event.hlc)


def _from_a_script(e: Event) -> bool:
    """Written into the resolved incident by `warroom log` (a hook, a deploy script). A note a
    person types in a war room after the resolution is marked too, but it is not a sign of
    the incident coming back (a postmortem note); an alert is, whoever logs it."""
    return bool(e.data.get("after_resolution")) and e.data.get("source") == "cli"


def logged_after_resolution(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """A resolved incident with something logged after its latest resolution: an event a
    script or hook wrote into it (`after_resolution`), or an alert. It may be coming back.

    Only the latest resolution counts: an alert logged while the incident was resolved before,
    then reopened and resolved again, came before the resolution that stands."""
    inc = state.incident
    if inc.status != "resolved":
        return None
    events = live_events(state)
    resolutions = [e for e in events if e.kind == "resolved"]
    if resolutions:
        since = max(_written(e) for e in resolutions)
        late = [e for e in events if (_from_a_script(e) or e.kind == "alert") and _written(e) > since]
    else:  # a state without its resolution event: its resolved_at
        resolved_at = aware(inc.resolved_at)
        late = [
            e
            for e in events
            if _from_a_script(e)
            or (e.kind == "alert" and resolved_at is not None and aware(e.recorded_at) > resolved_at)
        ]
    if not late:
        return None
    resolved = aware(inc.resolved_at)
    latest = max(late, key=lambda e: (aware(e.recorded_at), e.id))
    more = f" ({len(late)} in all)" if len(late) > 1 else ""
    level: Level = "error" if any(e.kind == "alert" for e in late) else "warning"
    return Hit(
        f"{latest.kind} {_quote(latest)} logged {hm(latest.ts)}, after the resolution at {hm(resolved)}{more}",
        f"after:{latest.id}",
        level,
    )


# What each register changed apart is called in a flag, in the order the flag names them.
APART_NAMES = {"severity": "Severity", "phase": "Phase", "role:commander": "Commander", "details": "Details"}


def apart_value(register: str, event: Event, playbook: Playbook | None = None) -> str:
    """What one competing change set the register to: SEV-1, a phase's name, a commander."""
    d = event.data
    if register == "severity":
        return f"SEV-{d.get('new')}"
    if register == "details":  # "Impact: All users; Impact %: 60"
        return one_line(event.text, 60)
    if register == "phase":
        key = str(d.get("new", ""))
        try:
            return playbook.phase_name(key) if playbook is not None else key
        except KeyError:
            return key
    return one_line(str(d.get("to") or d.get("name") or ""), 30)


def apart_version(register: str, event: Event, hosts: Iterable[str], playbook: Playbook | None = None) -> str:
    """One competing change, named: `SEV-1 by dana on laptop-a at 14:32`."""
    return f"{apart_value(register, event, playbook)} by {by_whom(one_line(event.author, 30), event.host, hosts)} at {hm(event.ts)}"


def changed_apart(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """Severity, phase, commander or details changed on two laptops while they were apart (the state's
    `conflicts`): both changes named until someone confirms one (a change made after seeing both)."""
    found = [(r, state.conflicts[r]) for r in APART_NAMES if len(state.conflicts.get(r, ())) > 1]
    if not found:
        return None
    hosts = {e.host for _, versions in found for e in versions if e.host}
    parts = [
        f"{APART_NAMES[r]}: " + " · ".join(apart_version(r, e, hosts, playbook) for e in versions)
        for r, versions in found
    ]
    fingerprint = "apart:" + ",".join(sorted(e.id for _, versions in found for e in versions))
    return Hit("; ".join(parts), fingerprint, "error")
