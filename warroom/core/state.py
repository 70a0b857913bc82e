"""The fold: an incident's events -> its state, in one place and one deterministic order.

Everything that changes (severity, phase, status, commander and roles, mitigation, the
times the commander knows, temporary fixes, the checklist, red-flag decisions, drafts,
action items, the next update's deadline) is computed here from the incident's declaration
row and its events, sorted by (hlc, id). The same set of events gives the same state,
whatever order they arrived in (tests/test_state.py shuffles them). Nothing else mutates
a state: the UI gets a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from warroom.core import registers
from warroom.core.kinds import Kind
from warroom.core.models import (
    ActionItem,
    ChecklistMark,
    Event,
    FlagDecision,
    Incident,
    IncidentState,
    PhaseSpan,
    SeverityChange,
    TempFix,
    trusted_incident,
)
from warroom.core.timeutil import from_db

# Registers whose concurrent changes a commander must settle (a red flag names both).
DECIDED_APART = ("severity", "phase", "role:commander", "details")
HANDOFF_DRAFT = "handoff"
POSTMORTEM_PREFIX = "postmortem."
_FIX_ADDED = "Temporary fix added: "


def _dt(value: Any) -> datetime | None:
    if not value:
        return None
    return value if isinstance(value, datetime) else from_db(str(value).replace("Z", "+00:00"))


# The kinds whose events set the incident's own fields (the handlers below that change `inc`):
# the incident alone is the fold of just these (reads.incident_of).
INCIDENT_KINDS: tuple[str, ...] = (
    Kind.DECLARED,
    Kind.DETAILS,
    Kind.TRIAGE,
    Kind.SEVERITY,
    Kind.PHASE,
    Kind.ROLE,
    Kind.HANDOFF,
    Kind.MITIGATION,
    Kind.RESTORED,
    Kind.RESOLVED,
    Kind.REOPENED,
    Kind.COMMS,
)


def fold_order(event: Event) -> tuple[int, str]:
    return (event.hlc, event.id)


def _what_of_legacy_fix(event: Event) -> str:
    """A fix added before fixes carried their text in the payload: read it off the line."""
    text = event.text.removeprefix(_FIX_ADDED)
    ticket = event.data.get("ticket")
    if ticket and text.endswith(f" ({ticket})"):
        text = text[: -len(ticket) - 3]
    return text


class _Fold:
    """One pass over the events in fold order; each handler reads one kind."""

    def __init__(self, row: dict[str, Any], state: IncidentState, make: Callable[..., Any] | None = None) -> None:
        self.inc = row
        self.state = state
        # How what hangs off the state is built: validated, or constructed (fold_incident).
        self.make: Callable[..., Any] = make or (lambda model, **fields: model.model_validate(fields))
        self.changes: dict[str, list[Event]] = {}
        self.fixes: dict[str, TempFix] = {}
        self.items: dict[str, ActionItem] = {}
        self.drafts: dict[str, Event] = {}
        self.handlers = {
            Kind.DECLARED: self._on_declared,
            Kind.DETAILS: self._on_details,
            Kind.TRIAGE: self._on_triage,
            Kind.SEVERITY: self._on_severity,
            Kind.PHASE: self._on_phase,
            Kind.ROLE: self._on_role,
            Kind.HANDOFF: self._on_handoff,
            Kind.MITIGATION: self._on_mitigation,
            Kind.RESTORED: self._on_restored,
            Kind.RESOLVED: self._on_resolved,
            Kind.REOPENED: self._on_reopened,
            Kind.COMMS: self._on_comms,
            Kind.CHECKLIST: self._on_checklist,
            Kind.FLAG: self._on_flag,
            Kind.TEMPFIX: self._on_tempfix,
            Kind.ACTION_ITEM: self._on_action_item,
            Kind.DRAFT: self._on_draft,
        }

    def apply(self, event: Event) -> None:
        register = registers.register_of(event.kind, event.data)
        if register is not None:
            self.changes.setdefault(register, []).append(event)
        if "next_update_at" in event.data and event.kind in (Kind.DECLARED, Kind.SEVERITY, Kind.COMMS):
            self.inc["next_update_at"] = _dt(event.data["next_update_at"])
        handler = self.handlers.get(event.kind)  # type: ignore[call-overload]
        if handler is not None:
            handler(event)

    # ----- the incident's own fields ------------------------------------------------------

    def _on_declared(self, e: Event) -> None:
        self.state.declared_host = e.host
        for key in ("title", "severity", "phase", "commander", "service", "impact", "impact_pct"):
            if e.data.get(key) is not None:
                self.inc[key] = e.data[key]
        for key in ("started_at", "detected_at"):
            if e.data.get(key):
                self.inc[key] = _dt(e.data[key])
        if e.data.get("commander"):
            self.inc["roles"] = {**self.inc["roles"], "commander": e.data["commander"]}

    def _on_details(self, e: Event) -> None:
        for key in ("service", "impact", "impact_pct"):
            if key in e.data:
                self.inc[key] = e.data[key]
        for key in ("started_at", "detected_at"):
            if key in e.data:
                self.inc[key] = _dt(e.data[key])

    def _on_triage(self, e: Event) -> None:  # before `details` existed, times were set as triage
        for key in ("started_at", "detected_at"):
            if key in e.data:
                self.inc[key] = _dt(e.data[key])

    def _on_severity(self, e: Event) -> None:
        self.inc["severity"] = e.data["new"]
        self.state.severity_history.append(
            self.make(
                SeverityChange,
                at=e.ts,
                old=e.data.get("old"),
                new=e.data["new"],
                by=e.author,
                reason=e.data.get("reason", ""),
            )
        )

    def _on_phase(self, e: Event) -> None:
        self.inc["phase"] = e.data["new"]
        phases = self.state.phases
        if phases and phases[-1].exited_at is None:
            phases[-1].exited_at = e.ts
        phases.append(self.make(PhaseSpan, phase=e.data["new"], entered_at=e.ts))

    def _on_role(self, e: Event) -> None:
        self.inc["roles"] = {**self.inc["roles"], e.data["role"]: e.data["name"]}
        if e.data["role"] == "commander":
            self.inc["commander"] = e.data["name"]

    def _on_handoff(self, e: Event) -> None:
        self.inc["roles"] = {**self.inc["roles"], "commander": e.data["to"]}
        self.inc["commander"] = e.data["to"]
        self.state.handoffs.append(e)

    def _on_mitigation(self, e: Event) -> None:
        self.inc["mitigation"] = e.data["level"]

    def _on_restored(self, e: Event) -> None:
        if self.inc.get("restored_at") is None:
            self.inc["restored_at"] = e.ts

    def _on_resolved(self, e: Event) -> None:
        self.inc["status"] = "resolved"
        self.inc["resolved_at"] = e.ts

    def _on_reopened(self, e: Event) -> None:
        self.inc["status"] = "open"
        self.inc["resolved_at"] = None

    def _on_comms(self, e: Event) -> None:
        self.state.last_comms_at = e.ts
        number = e.data.get("number")
        if isinstance(number, int) and number > self.inc.get("updates_sent", 0):
            self.inc["updates_sent"] = number

    # ----- what hangs off the incident -----------------------------------------------------

    def _on_checklist(self, e: Event) -> None:
        d = e.data
        self.state.checklist[f"{d['phase']}:{d['item']}"] = self.make(
            ChecklistMark,
            phase=d["phase"],
            item=d["item"],
            done=d["done"],
            by=e.author,
            at=e.ts,
            answer=d.get("answer", ""),
        )

    def _on_flag(self, e: Event) -> None:
        d = e.data
        self.state.flags.append(
            self.make(
                FlagDecision,
                rule=d["rule"],
                action=d["action"],
                at=e.ts,
                by=e.author,
                reason=d.get("reason", ""),
                until=_dt(d.get("until")),
                fingerprint=d.get("fingerprint", ""),
            )
        )

    def _on_tempfix(self, e: Event) -> None:
        d = e.data
        if d.get("action") == "added":
            self.fixes[d["fix"]] = self.make(
                TempFix,
                id=d["fix"],
                incident_id=e.incident_id,
                what=d.get("what") or _what_of_legacy_fix(e),
                where=d.get("where", ""),
                ticket=d.get("ticket", ""),
                added_at=e.ts,
                added_by=e.author,
            )
        elif d.get("fix") in self.fixes:
            fix = self.fixes[d["fix"]]
            if fix.removed_at is None:
                fix.removed_at = e.ts
                fix.permanent = d.get("action") == "permanent"

    def _on_action_item(self, e: Event) -> None:
        d = e.data
        self.items[d["item"]] = self.make(
            ActionItem,
            id=d["item"],
            incident_id=e.incident_id,
            action=d.get("action", ""),
            owner=d.get("owner", ""),
            due=d.get("due", ""),
            status=d.get("status", "Open"),
            created_at=_dt(d.get("created_at")) or e.ts,
        )

    def _on_draft(self, e: Event) -> None:
        self.drafts[e.data["name"]] = e

    def _drafts_apart(self, name: str, versions: list[Event]) -> None:
        """Revisions of one draft written apart (latest first). Only what people typed can be
        edited apart: the handoff pane's template text (`generated`) follows the incident on
        every laptop, so two of those, or one beside a typed one, are not two versions to
        choose from. The typed one shows; two typed texts that differ stand as versions."""
        typed = [v for v in versions if not v.data.get("generated")]
        if typed:
            self.drafts[name] = typed[0]
        if len({v.text for v in typed}) > 1:
            self.state.draft_versions[name] = typed

    # ----- after the last event -------------------------------------------------------------

    def finish(self) -> None:
        state = self.state
        for register, changes in self.changes.items():
            standing = registers.heads((c.id, c.data) for c in changes)
            if register.startswith("draft:"):
                state.draft_heads[register.removeprefix("draft:")] = standing
            if len(standing) < 2:
                continue
            by_id = {c.id: c for c in changes}
            versions = sorted((by_id[h] for h in standing), key=fold_order, reverse=True)
            if register in DECIDED_APART:
                if registers.disagree((v.kind, v.data) for v in versions):  # the same: agreed
                    state.conflicts[register] = versions
            elif register.startswith("draft:"):
                self._drafts_apart(register.removeprefix("draft:"), versions)
        state.temp_fixes = sorted(self.fixes.values(), key=lambda f: (f.added_at, f.id))
        state.action_items = sorted(self.items.values(), key=lambda a: (a.created_at, a.id))
        state.handoff_draft = self.drafts[HANDOFF_DRAFT].text if HANDOFF_DRAFT in self.drafts else ""
        state.postmortem = {
            name.removeprefix(POSTMORTEM_PREFIX): e.text
            for name, e in self.drafts.items()
            if name.startswith(POSTMORTEM_PREFIX)
        }
        state.drafts = {name: e.text for name, e in self.drafts.items()}
        state.generated_drafts = sorted(name for name, e in self.drafts.items() if e.data.get("generated"))
        state.drafts_at = {name: e.ts for name, e in self.drafts.items()}
        state.incident = Incident.model_validate(self.inc)


def fold(
    row: dict[str, Any],
    events: Iterable[Event],
    *,
    timeline: list[Event] | None = None,
    event_count: int | None = None,
    truncated: bool = False,
) -> IncidentState:
    """The incident's state from its declaration row and its events (any order; struck events
    and markers do not count). `timeline`: the events the state shows, in timeline order
    (default: the story events of `events` by (pos, id))."""
    events = list(events)
    ordered = sorted((e for e in events if not e.struck), key=fold_order)
    inc = _incident_fields(row)
    story = timeline if timeline is not None else [e for e in events if e.kind != Kind.DRAFT]
    placeholder = Incident.model_validate(inc)
    state = IncidentState(
        incident=placeholder,
        events=story if timeline is not None else sorted(story, key=timeline_order),
        events_truncated=truncated,
        event_count=event_count if event_count is not None else len(story),
    )
    walker = _Fold(inc, state)
    for event in ordered:
        walker.apply(event)
    walker.finish()
    return state


def fold_incident(row: dict[str, Any], events: Iterable[Event]) -> Incident:
    """The incident's own fields alone (the header's, read before the first frame): the same
    walk, with nothing built through pydantic's validator but an incident whose values are not
    of the types validation gives (models.trusted_incident); pass only INCIDENT_KINDS' events."""
    inc = _incident_fields(row)
    walker = _Fold(
        inc,
        IncidentState.model_construct(incident=Incident.model_construct(**inc)),
        make=lambda model, **fields: model.model_construct(**fields),
    )
    for event in sorted((e for e in events if not e.struck), key=fold_order):
        walker.apply(event)
    return trusted_incident(inc)


def _incident_fields(row: dict[str, Any]) -> dict[str, Any]:
    inc = {**row, "roles": dict(row.get("roles") or {})}
    for key in ("declared_at", "started_at", "detected_at", "restored_at", "resolved_at", "next_update_at"):
        inc[key] = _dt(inc.get(key))
    return inc


def timeline_order(event: Event) -> tuple[int, str]:
    """The timeline's order: where each event sits (its hlc, or its time if backdated), then id."""
    from warroom.core.sql import BACKDATED_AFTER_MS, millis

    ms = millis(event.ts)
    if millis(event.recorded_at) - ms > BACKDATED_AFTER_MS:
        return (ms * 1000, event.id)
    return (event.hlc, event.id)


def next_update_label(state: IncidentState) -> str:
    """The next internal update's number as the text will say it. Laptops apart cannot agree
    on the next number, so one that did not declare the incident adds its host's tag: #3 on
    the commander's laptop, #3-k3f9 on another; numbers never repeat across laptops."""
    number = str(state.incident.updates_sent + 1)
    if state.host and state.declared_host and state.host != state.declared_host:
        return f"{number}-{state.host.rsplit('~', 1)[-1]}"
    return number
