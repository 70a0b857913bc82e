"""Single-valued things an incident has (its severity, phase, commander, each role, the
mitigation level, resolved or not, each draft and each action item) and how concurrent
changes to them are seen.

Every event that changes one names, in `data["base"]`, the heads of that register its writer
saw. The heads of a register are its events that no later event names as a base: one head is
an ordinary value; two or more are changes made apart (on two laptops, or two war rooms on one
file), which the fold shows instead of silently picking one. A new change that names every
head as its base settles it. Stdlib only: the write path computes bases with it, and the fold
reads them with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# typing costs `warroom log` ~3 ms to import; the annotations are strings (see the future import)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# kind -> the register it changes (None: it depends on the payload, see register_of)
_FIXED = {
    "severity": "severity",
    "phase": "phase",
    "mitigation": "mitigation",
    "resolved": "status",
    "reopened": "status",
    "handoff": "role:commander",
    "details": "details",  # service, impact, % affected, started, detected: see disagree
}
REGISTER_KINDS: tuple[str, ...] = (*_FIXED, "role", "draft", "action_item")


def register_of(kind: str, data: Mapping[str, Any]) -> str | None:
    """The register an event of this kind and payload changes; None for events that only add."""
    if kind in _FIXED:
        return _FIXED[kind]
    if kind == "role":
        return f"role:{data.get('role', '')}"
    if kind == "draft":
        return f"draft:{data.get('name', '')}"
    if kind == "action_item":
        return f"item:{data.get('item', '')}"
    return None


def disagree(changes: Iterable[tuple[str, Mapping[str, Any]]]) -> bool:
    """Whether changes made apart (kind, data) set something to different values: two that set
    the same value agree, and two details changes of different fields (one the service, one
    the impact) both stand."""
    seen: dict[str, set[str]] = {}
    for kind, data in changes:
        values = {k: v for k, v in data.items() if k != "base"} if kind == "details" else {"": value_of(kind, data)}
        for field, value in values.items():
            seen.setdefault(field, set()).add(repr(value))
    return any(len(values) > 1 for values in seen.values())


def value_of(kind: str, data: Mapping[str, Any]) -> object:
    """What a change sets its register to: two changes made apart that set the same value
    (both reopened it, both moved to Assess) are not two decisions to choose between."""
    if kind in ("severity", "phase"):
        return data.get("new")
    if kind == "mitigation":
        return data.get("level")
    if kind in ("resolved", "reopened"):
        return kind
    if kind == "role":
        return data.get("name")
    if kind == "handoff":
        return data.get("to")
    return object()  # drafts, action items: every change its own (a draft's text is compared apart)


def register_filter(register: str) -> tuple[str, tuple[Any, ...]]:
    """A SQL condition (and its parameters) selecting one register's events of an incident."""
    family, _, name = register.partition(":")
    if register == "role:commander":
        return "(kind = 'handoff' OR (kind = 'role' AND json_extract(data, '$.role') = 'commander'))", ()
    if family == "role":
        return "kind = 'role' AND json_extract(data, '$.role') = ?", (name,)
    if family == "draft":
        return "kind = 'draft' AND json_extract(data, '$.name') = ?", (name,)
    if family == "item":
        return "kind = 'action_item' AND json_extract(data, '$.item') = ?", (name,)
    kinds = [k for k, r in _FIXED.items() if r == register]
    return f"kind IN ({','.join('?' * len(kinds))})", tuple(kinds)


def heads(changes: Iterable[tuple[str, Mapping[str, Any]]]) -> list[str]:
    """The current heads of one register, from its (id, data) changes in fold order (hlc, id).

    A change replaces the heads it names as its base and joins the rest; a change written
    before bases existed (no "base" key) replaces everything before it."""
    current: list[str] = []
    for event_id, data in changes:
        if "base" not in data:
            current = [event_id]
            continue
        replaced = set(data.get("base") or ())
        current = [h for h in current if h not in replaced]
        current.append(event_id)
    return current
