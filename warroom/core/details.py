"""An incident's details as a commander corrects them in the war room: the service, the
impact and how much of it, when impact started and when it was detected.

The war room's details form shows them as text (`as_text`) and hands back what was typed;
`changes` reads only the fields whose text changed, and says in one line what is wrong
(ValueError) when something does not read. What it returns goes to `Operations.set_details`,
the call `warroom set` makes.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from warroom.core.timeutil import local, parse_at

if TYPE_CHECKING:
    from warroom.core.models import Incident
    from warroom.core.playbook import Playbook

FIELDS = ("service", "impact", "impact_pct", "started_at", "detected_at")
# A service's name and an impact line are short: the status page and the header carry them.
LONGEST = {"service": 100, "impact": 200}
NAMES = {
    "service": "Service",
    "impact": "Impact",
    "impact_pct": "% affected",
    "started_at": "Impact started",
    "detected_at": "Detected",
}


def impact_key(playbook: Playbook, text: str | None) -> str | None:
    """A playbook impact given by key or label is stored as its key, else the words (None: none)."""
    if text is None:
        return None
    said = " ".join(text.split())
    for option in playbook.impacts:
        if said.casefold() in (option.key.casefold(), option.label.casefold()):
            return option.key
    return said or None


def impact_label(playbook: Playbook, impact: str | None) -> str:
    """The stored impact as the commander reads it: a playbook impact by its label."""
    if not impact or not impact.strip():
        return ""
    return next((option.label for option in playbook.impacts if option.key == impact), impact.strip())


def time_text(at: datetime | None, now: datetime) -> str:
    """A time as the form shows it, in a form the time parser reads back: 14:32 for today's
    (up to now), else with its day."""
    if at is None:
        return ""
    shown, today = local(at), local(now)
    if shown.date() == today.date() and shown <= today:
        return shown.strftime("%H:%M")
    return shown.strftime("%Y-%m-%dT%H:%M")  # the form every time field (the entry line too) reads


def as_text(incident: Incident, playbook: Playbook, now: datetime) -> dict[str, str]:
    """The details as the form's fields show them."""
    pct = incident.impact_pct
    return {
        "service": incident.service or "",
        "impact": impact_label(playbook, incident.impact),
        "impact_pct": f"{pct:g}" if pct is not None else "",
        "started_at": time_text(incident.started_at, now),
        "detected_at": time_text(incident.detected_at, now),
    }


def changes(
    incident: Incident, playbook: Playbook, before: dict[str, str], after: dict[str, str], now: datetime
) -> dict[str, object]:
    """What to set: the fields whose text the commander changed, read. Raises ValueError with
    one line naming the field when one does not read, or when detection would come before
    the start (with the recorded value of the one not changed)."""
    edited = {name: " ".join(after[name].split()) for name in FIELDS if after[name].strip() != before[name].strip()}
    result: dict[str, object] = {}
    for name, longest in LONGEST.items():
        if len(edited.get(name, "")) > longest:
            raise ValueError(f"{NAMES[name]}: at most {longest} characters (a line the status page can carry)")
    if "service" in edited:
        result["service"] = edited["service"] or None
    if "impact" in edited:
        result["impact"] = impact_key(playbook, edited["impact"])
    if "impact_pct" in edited:
        result["impact_pct"] = _percent(edited["impact_pct"])
    for name in ("started_at", "detected_at"):
        if name in edited:
            if not edited[name]:
                raise ValueError(f"{NAMES[name]}: give a time (it can be corrected, not removed)")
            try:
                result[name] = parse_at(edited[name], now)
            except ValueError as exc:
                raise ValueError(f"{NAMES[name]}: {exc}") from None
    started = result.get("started_at", incident.started_at)
    detected = result.get("detected_at", incident.detected_at)
    problem = out_of_order(
        started if isinstance(started, datetime) else None,
        detected if isinstance(detected, datetime) else None,
        incident.declared_at,
        now,
    )
    if problem:
        raise ValueError(problem)
    return result


def out_of_order(started: datetime | None, detected: datetime | None, declared: datetime, now: datetime) -> str | None:
    """What is wrong with when impact started and was detected, said with the times as read
    (None: in order). Impact starts, then is detected, then declared: a start or detection
    after the declaration made response times negative ('since start 0s')."""
    if started is not None and detected is not None and detected < started:
        read = f"detected {time_text(detected, now)}, impact started {time_text(started, now)}"
        return f"Detected is before impact started ({read}): impact is detected after it starts"
    for name, at in (("started_at", started), ("detected_at", detected)):
        if at is not None and at > declared:
            return (
                f"{NAMES[name]} {time_text(at, now)} is after the declaration ({time_text(declared, now)}):"
                " an incident is declared once its impact has started and been detected"
            )
    return None


def _percent(text: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text.removesuffix("%").strip())
    except ValueError:
        raise ValueError(f"% affected: {text!r} is not a number") from None
    if not 0 <= value <= 100:
        raise ValueError("% affected: a percentage is between 0 and 100")
    return value
