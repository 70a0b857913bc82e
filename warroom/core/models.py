"""The records of every row warroom stores, and the incident state built from them: dataclasses
that pydantic validates on demand (records.py).

Domain layer: imports nothing from Textual.
"""

from __future__ import annotations

from dataclasses import field
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from warroom.core.kinds import (  # noqa: F401  (re-exported for the domain modules)
    ALL_KINDS,
    BULK_KINDS,
    HIDDEN_KINDS,
    MARKER_KINDS,
    SYSTEM_KINDS,
    USER_KINDS,
    Kind,
)
from warroom.core.records import Record, limits, record

ROLE_NAMES: dict[str, str] = {
    "commander": "Incident commander",
    "comms": "Comms lead",
    "ops": "Ops lead",
    "scribe": "Scribe",
}

# An event whose time is this much earlier than when it was written counts as backdated.
BACKDATED_AFTER = timedelta(seconds=60)


@record
class Incident(Record):
    """The incident's own fields, as its declaration row and the events since make them."""

    id: str
    title: str
    severity: Annotated[int, limits(ge=1, le=4)]
    phase: str
    status: Literal["open", "resolved"] = "open"
    commander: str
    roles: dict[str, str] = field(default_factory=dict)
    service: str | None = None
    impact: str | None = None
    impact_pct: float | None = None
    mitigation: str | None = None
    declared_at: datetime
    started_at: datetime | None = None
    detected_at: datetime | None = None
    restored_at: datetime | None = None
    resolved_at: datetime | None = None
    next_update_at: datetime | None = None
    updates_sent: int = 0


@record
class Event(Record):
    """One entry of the timeline (a row of `events`), with the markers folded in for display."""

    seq: int | None = None  # local arrival order (SQLite rowid); set by the store
    id: str
    incident_id: str
    ts: datetime  # when it happened (may be backdated)
    recorded_at: datetime  # when it was written
    kind: Kind | str  # a Kind; a kind this warroom does not know is read as its name
    text: str
    author: str
    ref: str | None = None  # the event an amend/strike/pin points at
    data: dict[str, Any] = field(default_factory=dict)
    hlc: int = 0  # the order the state is folded in (see warroom.core.sql)
    host: str = ""  # the file that wrote it
    # Folded in from marker events when read for display; never stored on the row.
    struck: bool = False
    pinned: bool = False
    amended_text: str | None = None

    @property
    def backdated(self) -> bool:
        return self.recorded_at - self.ts > BACKDATED_AFTER

    @property
    def shown_text(self) -> str:
        return self.amended_text if self.amended_text is not None else self.text


# Rows read from the file are built without pydantic when every value already has the exact
# type validation would give (each is checked: a foreign or odd row is validated as ever): before
# the first frame pydantic's import and first validator would cost 60-120 ms, and a 100,000-event
# state ran every row through the validator.
_EVENT_FIELDS = frozenset(Event.field_names())
_INCIDENT_FIELDS = frozenset(Incident.field_names())
_EVENT_STR = ("id", "incident_id", "kind", "text", "author", "host")
_INCIDENT_STR = ("id", "title", "phase", "commander")
_INCIDENT_OPTIONAL_STR = ("service", "impact", "mitigation")
_INCIDENT_TIMES = ("started_at", "detected_at", "restored_at", "resolved_at", "next_update_at")


def trusted_event(fields: dict[str, Any]) -> Event:
    """An Event from these row values: constructed if their types are those validation gives."""
    plain = (
        fields.keys() <= _EVENT_FIELDS
        and all(type(fields.get(k)) is str for k in _EVENT_STR)
        and type(fields.get("seq")) is int
        and type(fields.get("hlc")) is int
        and (fields.get("ref") is None or type(fields["ref"]) is str)
        and type(fields.get("data")) is dict
        and type(fields.get("ts")) is datetime
        and type(fields.get("recorded_at")) is datetime
    )
    return Event(**fields) if plain else Event.model_validate(fields)


def trusted_incident(fields: dict[str, Any]) -> Incident:
    """An Incident from these values: constructed if their types are those validation gives."""
    roles = fields.get("roles", {})
    if type(fields.get("impact_pct")) is int:  # a whole percentage in JSON: validation's float
        fields = {**fields, "impact_pct": float(fields["impact_pct"])}
    plain = (
        fields.keys() <= _INCIDENT_FIELDS
        and all(type(fields.get(k)) is str for k in _INCIDENT_STR)
        and all(fields.get(k) is None or type(fields[k]) is str for k in _INCIDENT_OPTIONAL_STR)
        and type(fields.get("severity")) is int
        and 1 <= fields["severity"] <= 4
        and fields.get("status", "open") in ("open", "resolved")
        and type(fields.get("updates_sent", 0)) is int
        and (fields.get("impact_pct") is None or type(fields["impact_pct"]) is float)
        and type(roles) is dict
        and all(type(k) is str and type(v) is str for k, v in roles.items())
        and type(fields.get("declared_at")) is datetime
        and all(fields.get(k) is None or type(fields[k]) is datetime for k in _INCIDENT_TIMES)
    )
    return Incident(**fields) if plain else Incident.model_validate(fields)


@record
class PhaseSpan(Record):
    """A phase the incident was in, from when to when (open while current)."""

    phase: str
    entered_at: datetime
    exited_at: datetime | None = None


@record
class SeverityChange(Record):
    """A change of severity: from `old` (None at the declaration) to `new`, by whom and why."""

    at: datetime
    old: int | None
    new: int
    by: str
    reason: str = ""


@record
class ChecklistMark(Record):
    """The latest tick (or untick) of one checklist item, with its answer."""

    phase: str
    item: str
    done: bool
    by: str
    at: datetime
    answer: str = ""


@record
class FlagDecision(Record):
    """What someone decided about a red flag: acknowledged, dismissed or snoozed."""

    rule: str
    action: Literal["ack", "dismiss", "snooze"]
    at: datetime
    by: str
    reason: str = ""
    until: datetime | None = None
    fingerprint: str = ""  # the condition the decision was made about; a new one re-raises


@record
class TempFix(Record):
    """A temporary fix put in place while mitigating, until removed or made permanent."""

    id: str
    incident_id: str
    what: str
    where: str = ""
    ticket: str = ""
    added_at: datetime
    added_by: str
    removed_at: datetime | None = None
    permanent: bool = False

    @property
    def in_place(self) -> bool:
        return self.removed_at is None and not self.permanent


@record
class ActionItem(Record):
    """A postmortem action item: what, who owns it, by when, its status."""

    id: str
    incident_id: str
    action: str
    owner: str = ""
    due: str = ""
    status: str = "Open"
    created_at: datetime


@record
class IncidentState(Record):
    """Everything the rules, clocks and documents need, read in one go.

    `events` is in time order with amend/strike/pin folded in. For very long incidents
    routine bulk events (alerts, notes) that nobody pinned are left out and
    `events_truncated` is set; `warroom doc timeline` streams them all.
    """

    incident: Incident
    events: list[Event] = field(default_factory=list)
    events_truncated: bool = False
    event_count: int = 0
    phases: list[PhaseSpan] = field(default_factory=list)
    severity_history: list[SeverityChange] = field(default_factory=list)
    checklist: dict[str, ChecklistMark] = field(default_factory=dict)  # "phase:item" -> latest mark
    flags: list[FlagDecision] = field(default_factory=list)
    temp_fixes: list[TempFix] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    postmortem: dict[str, str] = field(default_factory=dict)  # human-written postmortem sections
    handoff_draft: str = ""
    handoffs: list[Event] = field(default_factory=list)
    last_comms_at: datetime | None = None
    # Changes made apart that a person must settle: register -> the competing events.
    conflicts: dict[str, list[Event]] = field(default_factory=dict)
    # A draft edited apart: its name -> every version still standing (the shown one first).
    draft_versions: dict[str, list[Event]] = field(default_factory=dict)
    drafts: dict[str, str] = field(default_factory=dict)  # every draft's shown text, by name
    generated_drafts: list[str] = field(default_factory=list)  # those whose shown text the template wrote
    draft_heads: dict[str, list[str]] = field(default_factory=dict)  # the revisions that stand, by name
    drafts_at: dict[str, datetime] = field(default_factory=dict)  # when each draft's shown text was saved
    host: str = ""  # the file this state was read from (its host id)
    declared_host: str = ""  # the file the incident was declared on

    def current_phase_span(self) -> PhaseSpan | None:
        return self.phases[-1] if self.phases else None
