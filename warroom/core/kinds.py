"""Every kind of event warroom stores, and the payload each one carries.

Stdlib only and small: `warroom log` validates --kind against it without importing
pydantic. `Kind` is a `StrEnum`, so a stored kind compares equal to its plain string.
Each payload is a `TypedDict`; `PAYLOADS` maps a kind to its payload type, so a kind
that nothing writes or a payload field that nothing reads shows up in one place.
"""

# No `from __future__ import annotations`: the payloads' annotations are plain builtin types,
# evaluated as the classes are made; as strings, TypedDict compiled each one (63 compiles, ~2 ms
# of every start-up).
from enum import StrEnum
from typing import TypedDict


class Kind(StrEnum):
    # What a person (or a script) logs.
    NOTE = "note"
    ACTION = "action"
    DECISION = "decision"  # a containment decision carries `containment` in its payload
    CHANGE = "change"
    ALERT = "alert"
    COMMS = "comms"  # also a copied update (payload: document, number, next_update_at)
    HYPOTHESIS = "hypothesis"
    # What warroom writes as the commander acts; nobody can forge these from the CLI.
    DECLARED = "declared"
    TRIAGE = "triage"
    DETAILS = "details"  # when impact started, when it was detected, the service, the impact
    SEVERITY = "severity"
    PHASE = "phase"
    CHECKLIST = "checklist"
    FLAG = "flag"
    HANDOFF = "handoff"
    ROLE = "role"
    MITIGATION = "mitigation"
    TEMPFIX = "tempfix"
    RESTORED = "restored"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    ACTION_ITEM = "action_item"  # a revision of a postmortem action item
    DRAFT = "draft"  # a revision of the handoff draft or a postmortem section (not on the timeline)
    AMEND = "amend"
    STRIKE = "strike"
    PIN = "pin"
    UNPIN = "unpin"


USER_KINDS: tuple[str, ...] = (
    Kind.NOTE,
    Kind.ACTION,
    Kind.DECISION,
    Kind.CHANGE,
    Kind.ALERT,
    Kind.COMMS,
    Kind.HYPOTHESIS,
)
SYSTEM_KINDS: tuple[str, ...] = tuple(k for k in Kind if k not in USER_KINDS)
ALL_KINDS: tuple[str, ...] = tuple(Kind)
# Events that mark another event rather than tell part of the story themselves.
MARKER_KINDS: tuple[str, ...] = (Kind.AMEND, Kind.STRIKE, Kind.PIN, Kind.UNPIN)
# Events the timeline never lists: markers fold into their targets; drafts and action items
# are revisions (the postmortem screen shows the items).
HIDDEN_KINDS: tuple[str, ...] = (*MARKER_KINDS, Kind.DRAFT, Kind.ACTION_ITEM)
# The kinds that scripts and alert hooks produce in bulk.
BULK_KINDS: tuple[str, ...] = (Kind.ALERT, Kind.NOTE)


# ----- payloads ------------------------------------------------------------------------------
# `base`: the ids of the register's heads the writer saw (see warroom.core.state): two events
# made apart name the same base, and the fold shows both instead of silently picking one.


class NoPayload(TypedDict):
    pass


class LoggedPayload(TypedDict, total=False):
    source: str  # "cli" when a script logged it
    containment: str  # a decision taken from the containment table: the situation's key
    after_resolution: bool  # logged while the incident was resolved


class DeclaredPayload(TypedDict, total=False):
    title: str
    severity: int
    phase: str
    commander: str
    service: str | None
    impact: str | None
    impact_pct: float | None
    started_at: str | None
    detected_at: str | None
    next_update_at: str | None


class TriagePayload(TypedDict, total=False):
    question: str


class DetailsPayload(TypedDict, total=False):
    started_at: str | None
    detected_at: str | None
    service: str | None
    impact: str | None
    impact_pct: float | None


class SeverityPayload(TypedDict, total=False):
    old: int | None
    new: int
    reason: str
    next_update_at: str | None
    base: list[str]


class PhasePayload(TypedDict, total=False):
    old: str | None
    new: str
    base: list[str]
    resolved: bool  # the move to Postmortem that resolving made (reopening takes it back)


class ChecklistPayload(TypedDict, total=False):
    phase: str
    item: str
    done: bool
    answer: str


class FlagPayload(TypedDict, total=False):
    rule: str
    action: str  # ack | dismiss | snooze | confirm
    reason: str
    until: str | None
    fingerprint: str


class RolePayload(TypedDict, total=False):
    role: str
    name: str
    old: str | None
    base: list[str]


# "from" is a keyword: the functional form keeps the stored field name.
HandoffPayload = TypedDict("HandoffPayload", {"from": str | None, "to": str, "base": list[str]}, total=False)


class MitigationPayload(TypedDict, total=False):
    level: str
    restored: bool
    base: list[str]


class TempFixPayload(TypedDict, total=False):
    fix: str
    action: str  # added | removed | permanent
    what: str
    where: str
    ticket: str


class CommsPayload(TypedDict, total=False):
    document: str
    number: int
    next_update_at: str | None


class StatusPayload(TypedDict, total=False):
    base: list[str]


class ActionItemPayload(TypedDict, total=False):
    item: str
    action: str
    owner: str
    due: str
    status: str
    created_at: str
    base: list[str]


class DraftPayload(TypedDict, total=False):
    name: str  # "handoff", "handoff.generated", "postmortem.<section>"
    base: list[str]
    generated: bool  # written by the template, not typed: never one side of "edited apart"


PAYLOADS: dict[Kind, type] = {
    Kind.NOTE: LoggedPayload,
    Kind.ACTION: LoggedPayload,
    Kind.DECISION: LoggedPayload,
    Kind.CHANGE: LoggedPayload,
    Kind.ALERT: LoggedPayload,
    Kind.COMMS: CommsPayload,
    Kind.HYPOTHESIS: LoggedPayload,
    Kind.DECLARED: DeclaredPayload,
    Kind.TRIAGE: TriagePayload,
    Kind.DETAILS: DetailsPayload,
    Kind.SEVERITY: SeverityPayload,
    Kind.PHASE: PhasePayload,
    Kind.CHECKLIST: ChecklistPayload,
    Kind.FLAG: FlagPayload,
    Kind.HANDOFF: HandoffPayload,
    Kind.ROLE: RolePayload,
    Kind.MITIGATION: MitigationPayload,
    Kind.TEMPFIX: TempFixPayload,
    Kind.RESTORED: NoPayload,
    Kind.RESOLVED: StatusPayload,
    Kind.REOPENED: StatusPayload,
    Kind.ACTION_ITEM: ActionItemPayload,
    Kind.DRAFT: DraftPayload,
    Kind.AMEND: NoPayload,
    Kind.STRIKE: NoPayload,
    Kind.PIN: NoPayload,
    Kind.UNPIN: NoPayload,
}
