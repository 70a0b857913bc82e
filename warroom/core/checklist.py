"""The phase checklist and the advance guard: pure functions of the incident state.

An item is done when the commander ticked it or the timeline itself shows it done (its
playbook `done_when`: `item_evidence` says what each word reads); `advance_warning` says
what to ask before leaving a phase with items not done. Struck events never count.
Domain layer: imports nothing from Textual.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from warroom.core.classify import containment_action_at, is_reproduced, is_rollback, root_cause_said, triage_answer
from warroom.core.metrics import aware, detection, is_containment_decision, live_events
from warroom.core.models import Event, IncidentState
from warroom.core.playbook import Answered, Playbook

# The document whose sending is a status page update (for done_when = "status_update_sent").
STATUS_DOCUMENT = "status"


def item_evidence(
    state: IncidentState, done_when: str | Answered | None, playbook: Playbook | None = None
) -> datetime | None:
    """When the timeline itself showed a checklist item done (its `done_when`), or None.

    `playbook` names the status and postmortem documents and the bad-deploy situation (by
    their roles); without one, the shipped keys are assumed. What each word reads:
    - rollback_logged: a rollback decided or started ("Can we roll back?" answered by doing it).
    - roles_and_update: a role assigned and an update sent ("Who needs to know?").
    - containment_action: an action or change logged at or after the first containment
      decision, or a rollback logged as started.
    - temp_fixes_ticketed / temp_fixes_removed: at least one temporary fix, and every one
      has a ticket / none is still in place (removed, not verified: an item that also asks
      for verifying needs a person's tick).
    - hypothesis_logged: a hypothesis on the timeline.
    - reproduced_logged: a note, action or decision saying it was reproduced ("reproduced in
      staging"; not "could not reproduce", not a question).
    - start_known: when impact started is recorded, and detection is known (given or an alert).
    - root_cause_written: the postmortem's root cause saved, or a note or decision writing it
      down on the timeline ("root cause: pool size typo"; not "root cause: unknown").
    - postmortem_written: its summary and root cause saved, and no sentence of it blames a
      person (warroom.core.review's blameless check, as the postmortem editor flags it).
    - actions_owned: action items, every one with an owner and a due date.
    - postmortem_shared: the postmortem copied out (logged as sent).
    """
    if done_when is None:
        return None
    if isinstance(done_when, Answered):
        answer = _answering(state, done_when)
        return answer.ts if answer is not None else None
    if done_when == "service_restored":
        return state.incident.restored_at
    special = _EVIDENCE.get(done_when)
    if special is not None:
        return special(state, playbook)
    status = playbook.document_key(STATUS_DOCUMENT) if playbook is not None else STATUS_DOCUMENT
    for event in state.events:
        if event.struck:
            continue
        if done_when == "containment_logged" and is_containment_decision(event):
            return event.ts
        if done_when == "mitigation_set" and event.kind == "mitigation":
            return event.ts
        if done_when == "update_sent" and event.kind == "comms":
            return event.ts
        if done_when == "status_update_sent" and event.kind == "comms" and event.data.get("document") == status:
            return event.ts
    return None


def _first(events: Iterable[Event]) -> datetime | None:
    return min((aware(e.ts) for e in events), default=None)


def _rollback_logged(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    return _first(e for e in live_events(state) if is_rollback(e, playbook))


def _roles_and_update(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    events = live_events(state)
    role = _first(e for e in events if e.kind == "role")
    update = _first(e for e in events if e.kind == "comms")
    return max(role, update) if role is not None and update is not None else None


def _containment_action(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    return containment_action_at(state)


def _temp_fixes_ticketed(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    fixes = state.temp_fixes
    if not fixes or not all(f.ticket.strip() for f in fixes):
        return None
    return max(aware(f.added_at) for f in fixes)


def _temp_fixes_removed(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    fixes = state.temp_fixes
    if not fixes or any(f.in_place for f in fixes):
        return None
    return max(aware(f.removed_at or f.added_at) for f in fixes)


def _hypothesis_logged(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    return _first(e for e in live_events(state) if e.kind == "hypothesis")


def _start_known(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    inc = state.incident
    if inc.started_at is None or detection(state)[1] not in ("given", "first alert"):
        return None
    said = [e for e in live_events(state) if e.kind in ("declared", "details", "triage") and e.data.get("started_at")]
    return max((aware(e.recorded_at) for e in said), default=aware(inc.declared_at))


def _reproduced_logged(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    return _first(e for e in live_events(state) if is_reproduced(e))


def _root_cause_written(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    non_answers = playbook.non_answers if playbook is not None else ()
    logged = _first(e for e in live_events(state) if root_cause_said(e, non_answers) is not None)
    written = _sections_written(state, ("root_cause",))
    return min((t for t in (logged, written) if t is not None), default=None)


def _sections_written(state: IncidentState, keys: tuple[str, ...]) -> datetime | None:
    prefix = "postmortem."
    if not all(state.postmortem.get(key, "").strip() for key in keys):
        return None
    times = [aware(state.drafts_at[prefix + key]) for key in keys if prefix + key in state.drafts_at]
    return max(times, default=aware(state.incident.declared_at))


def _postmortem_written(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    """Summary and root cause saved, and nothing in the postmortem blames a person (the
    item is "Postmortem written (blameless)"): a sentence the editor's blameless check flags
    keeps it unticked. Unreadable review rules prove nothing either way, so they tick nothing."""
    written = _sections_written(state, ("summary", "root_cause"))
    if written is None:
        return None
    from warroom.core import review  # its word lists load on first use, not with the checklist
    from warroom.core.errors import PlaybookError

    try:
        blaming = review.postmortem_findings(state)
    except PlaybookError:
        return None
    return None if blaming else written


def _actions_owned(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    items = state.action_items
    if not items or not all(a.owner.strip() and a.due.strip() for a in items):
        return None
    return max(aware(a.created_at) for a in items)


def _postmortem_shared(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    key = playbook.document_key("postmortem") if playbook is not None else "postmortem"
    return _first(e for e in live_events(state) if e.kind == "comms" and e.data.get("document") == key)


_EVIDENCE: dict[str, Callable[[IncidentState, Playbook | None], datetime | None]] = {
    "rollback_logged": _rollback_logged,
    "roles_and_update": _roles_and_update,
    "containment_action": _containment_action,
    "temp_fixes_ticketed": _temp_fixes_ticketed,
    "temp_fixes_removed": _temp_fixes_removed,
    "hypothesis_logged": _hypothesis_logged,
    "start_known": _start_known,
    "reproduced_logged": _reproduced_logged,
    "root_cause_written": _root_cause_written,
    "postmortem_written": _postmortem_written,
    "actions_owned": _actions_owned,
    "postmortem_shared": _postmortem_shared,
}


def item_answer(state: IncidentState, done_when: str | Answered | None) -> str | None:
    """What the timeline answered for an `answered:KEY` item (shown under it), else None."""
    if not isinstance(done_when, Answered):
        return None
    answer = _answering(state, done_when)
    return answer.shown_text.strip() if answer is not None else None


def _answering(state: IncidentState, done_when: Answered) -> Event | None:
    """The event answering an `answered:KEY` item: the triage answer, else, for a question whose
    answer counts as a change ("What changed?"), the first change logged on the timeline (a
    deploy logged with `c:` or `warroom log --kind change` says what changed)."""
    answer = triage_answer(state, done_when.triage, done_when.non_answers, done_when.asked)
    if answer is None and done_when.asked is not None and done_when.asked.counts_as_change:
        answer = next((e for e in state.events if e.kind == "change" and not e.struck), None)
    return answer


def item_done(
    state: IncidentState,
    phase: str,
    item_id: str,
    requires: str | None = None,
    done_when: str | Answered | None = None,
    playbook: Playbook | None = None,
) -> bool:
    """Ticked (or shown done by the timeline), and what it requires holds (no temporary fix in place)."""
    mark = state.checklist.get(f"{phase}:{item_id}")
    ticked = mark is not None and mark.done
    if not ticked and item_evidence(state, done_when, playbook) is None:
        return False
    if requires == "no_temp_fixes" and any(f.in_place for f in state.temp_fixes):
        return False
    return True


def phase_progress(state: IncidentState, playbook: Playbook) -> dict[str, tuple[int, int]]:
    """Every playbook phase -> (items done, items in total)."""
    return {
        phase.key: (
            sum(item_done(state, phase.key, item.id, item.requires, item.done_when, playbook) for item in phase.items),
            len(phase.items),
        )
        for phase in playbook.phases
    }


def advance_warning(state: IncidentState, playbook: Playbook, target_phase: str) -> str | None:
    """What to ask before leaving the current phase for `target_phase`, or None.

    None when every item of the current phase is done, or when going back. A speed phase
    gets a gentle note (speed first, skipping is fine); a thoroughness phase a firm one.
    """
    try:
        current = playbook.phase(state.incident.phase)
    except KeyError:
        return None
    if target_phase == current.key:
        return None
    keys = playbook.phase_keys
    if target_phase in keys and keys.index(target_phase) < keys.index(current.key):
        return None
    missing = [
        item
        for item in current.items
        if not item_done(state, current.key, item.id, item.requires, item.done_when, playbook)
    ]
    if not missing:
        return None
    total = len(current.items)
    if current.mode == "speed":
        return f"{len(missing)} of {total} {current.name} items unticked — speed first, you may skip"
    listed = "; ".join(item.text for item in missing[:3])
    if len(missing) > 3:
        listed += f" and {len(missing) - 3} more"
    blocked = [f for f in state.temp_fixes if f.in_place]
    fixes = ""
    if blocked and any(item.requires == "no_temp_fixes" for item in missing):
        fixes = f" ({len(blocked)} temporary fix{'es' if len(blocked) > 1 else ''} still in place)"
    return (
        f"{current.name} is not finished: {len(missing)} of {total} items unticked{fixes} ({listed}). "
        f"{current.name} is about thoroughness — leave it only on purpose."
    )
