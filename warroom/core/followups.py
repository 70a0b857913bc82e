"""Follow-ups across incidents: every open postmortem action item, whoever owns it and
whichever incident it came from, with what is overdue marked.

`warroom actions` prints them and the war room's follow-ups screen lists them; both read
`follow_ups(states, today)`. Changing an item's status is `Operations.save_action_item`
(a new revision, logged on its own incident's timeline).

Choices:
- Open: any status but a closing word ("Done", "Closed", "Won't do", ...), ignoring case.
- Due: the item's due text read as a date when it is one: ISO `2026-03-20`, or `3/15`
  (month/day, the first such day on or after the item was created). Anything else stays
  text and is never called overdue.
- Overdue: open, with a due date before today (a due date of today is not late yet).
- Order: overdue first, then by due date (undated last), then newest incident first.

Domain layer: no Textual.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from warroom.core.models import ActionItem, IncidentState
from warroom.core.timeutil import local

CLOSED = frozenset(
    {"done", "closed", "complete", "completed", "resolved", "fixed", "cancelled", "canceled", "won't do", "wont do"}
)
_MONTH_DAY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})\s*$")


@dataclass(frozen=True)
class FollowUp:
    item: ActionItem
    incident_id: str
    incident_title: str
    incident_status: str
    due_date: date | None
    overdue: bool


def is_open(item: ActionItem) -> bool:
    return " ".join(item.status.replace("\u2019", "'").casefold().split()) not in CLOSED


def due_date(item: ActionItem) -> date | None:
    """The due text as a date, when it is one (see the module docstring)."""
    text = item.due.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    m = _MONTH_DAY.match(text)
    if m is None:
        return None
    created = local(item.created_at).date()
    for year in (created.year, created.year + 1):
        try:
            candidate = date(year, int(m[1]), int(m[2]))
        except ValueError:
            return None
        if candidate >= created:
            return candidate
    return None


def follow_ups(
    states: Iterable[IncidentState], today: date, *, owner: str | None = None, overdue_only: bool = False
) -> list[FollowUp]:
    """Every open action item of these incidents (by `owner`, ignoring case; only the overdue)."""
    wanted = owner.casefold().strip() if owner else None
    found: list[tuple[IncidentState, FollowUp]] = []
    for state in states:
        inc = state.incident
        for item in state.action_items:
            if not is_open(item):
                continue
            if wanted is not None and item.owner.casefold().strip() != wanted:
                continue
            due = due_date(item)
            late = due is not None and due < today
            if overdue_only and not late:
                continue
            found.append((state, FollowUp(item, inc.id, inc.title, inc.status, due, late)))
    found.sort(key=lambda pair: pair[0].incident.declared_at, reverse=True)  # newest incident first ...
    found.sort(key=lambda pair: (not pair[1].overdue, pair[1].due_date or date.max))  # ... within the same due
    return [f for _, f in found]


def as_json(f: FollowUp) -> dict[str, object]:
    return {
        "incident": f.incident_id,
        "incident_title": f.incident_title,
        "incident_status": f.incident_status,
        "item": f.item.id,
        "action": f.item.action,
        "owner": f.item.owner,
        "due": f.item.due,
        "due_date": f.due_date.isoformat() if f.due_date else None,
        "status": f.item.status,
        "overdue": f.overdue,
    }


async def load_states(store) -> list[IncidentState]:
    """Every incident's state, newest first (what the follow-ups and the stats read)."""
    return [await store.load_state(inc.id) for inc in await store.incidents(include_resolved=True)]
