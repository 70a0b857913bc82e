"""The incident told in time order, as the documents show it: the postmortem's story
(`story`, dated by day), the Mermaid gantt chart of its phases and milestones, and the
full timeline's lines (every event, struck ones crossed out, with author).

Domain layer: imports nothing from Textual.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from markupsafe import Markup

from warroom.core import metrics as metrics_module
from warroom.core.facts import said
from warroom.core.markdown import md_inline
from warroom.core.metrics import live_events as live  # struck events never count
from warroom.core.models import Event, IncidentState
from warroom.core.playbook import Playbook
from warroom.core.timeutil import hm, local
from warroom.core.timewords import day, day_label

# Kinds told in the postmortem's story as they were logged.
STORY_KINDS = ("note", "action", "decision", "change", "alert", "containment", "tempfix", "resolved", "reopened")
# Keyed by document role, so a team's renamed status document is still told as one.
COMMS_LABELS = {
    "status": "Status page updated",
    "internal": "Internal update #{number} sent",
    "external": "External notice posted",
    "handoff": "Handoff notes shared",
    "postmortem": "Postmortem shared",
}


def story_text(event: Event, playbook: Playbook) -> str | None:
    """The line an event contributes to the postmortem's story, or None to leave it out."""
    kind, data, text = event.kind, event.data, said(event)
    if kind in STORY_KINDS:
        return text
    if kind == "hypothesis":
        return f"Hypothesis: {text}"
    if kind == "declared":
        return f"Incident declared (SEV-{data.get('severity', '?')})"
    if kind == "severity":
        return text if data.get("old") is not None else None
    if kind == "mitigation":
        try:
            name = playbook.mitigation_level(str(data.get("level"))).name
        except KeyError:
            name = text.removeprefix("Mitigation: ")
        return f"Service restored: {name}" if data.get("restored_now") else f"Mitigation: {name}"
    if kind == "restored":
        return text
    if kind == "handoff":
        return f"Incident command handed over to {data.get('to') or 'a new commander'}"
    if kind == "comms":
        if not data.get("document"):  # logged by hand (m: paged the payments lead): the commander's words
            return f"Comms: {text}"
        label = COMMS_LABELS.get(playbook.document_role(str(data.get("document"))) or "", "Update sent")
        return label.format(number=data.get("label", data.get("number", "")))
    return None  # phase changes (in the chart), checklist ticks, flags, roles, triage


def story(state: IncidentState, playbook: Playbook) -> list[tuple[datetime, str]]:
    """The postmortem's timeline: live events, amended text, a restoring mitigation and its
    "Service restored" told once."""
    events = live(state)
    restored_at = {e.ts for e in events if e.kind == "restored"}
    lines: list[tuple[datetime, str]] = []
    merged: set[datetime] = set()
    for event in events:
        if event.kind == "mitigation" and event.data.get("restored") and event.ts in restored_at:
            event = event.model_copy(update={"data": {**event.data, "restored_now": True}})
            merged.add(event.ts)
        if event.kind == "restored" and event.ts in merged:
            continue
        text = story_text(event, playbook)
        if text:
            lines.append((event.ts, _cut(text)))
    return lines


# A line of the postmortem's story says what happened; a pasted log dump (hundreds of KB) is
# cut here, and stays whole on the timeline (`warroom doc timeline`, the export).
STORY_LINE_CHARS = 400


def _cut(text: str) -> str:
    if len(text) <= STORY_LINE_CHARS:
        return text
    return text[: STORY_LINE_CHARS - 1].rstrip() + "… (cut here: the whole text is on the timeline)"


@dataclass
class Entry:
    date: str  # set when the day changes (and is not the reference day)
    time: str
    text: str


def dated(entries: Iterable[tuple[datetime, str]], reference: date) -> list[Entry]:
    out = []
    previous = reference
    for ts, text in entries:
        today = day(ts)
        out.append(Entry(day_label(today) if today != previous else "", hm(ts), text))
        previous = today
    return out


def _gantt_name(name: str) -> Markup:
    """Mermaid task names cannot hold ':', '#' or ';' (they are syntax)."""
    return Markup(re.sub(r"[:#;\n\r`<>]+", " ", name).strip() or "phase")


def _gantt_time(dt: datetime) -> Markup:
    return Markup(local(dt).strftime("%Y-%m-%d %H:%M:%S"))


@dataclass
class GanttRow:
    name: Markup
    state: Markup  # done / active / milestone
    start: Markup
    end: Markup


def gantt(state: IncidentState, playbook: Playbook, now: datetime) -> tuple[list[GanttRow], list[GanttRow]]:
    aware = metrics_module.aware  # hand-built states may carry naive times
    now = aware(now)
    phases = []
    for span in state.phases:
        end = aware(span.exited_at or (state.incident.resolved_at if state.incident.status == "resolved" else None))
        if end is not None and end <= aware(span.entered_at):
            continue  # an instant (the postmortem begun at resolution) draws nothing
        phases.append(
            GanttRow(
                _gantt_name(playbook.phase_name(span.phase)),
                Markup("done" if end is not None else "active"),
                _gantt_time(span.entered_at),
                _gantt_time(end or max(now, aware(span.entered_at))),
            )
        )
    inc = state.incident
    marks = [
        ("Symptoms started", inc.started_at),
        ("Detected", inc.detected_at),
        ("Declared", inc.declared_at),
        ("Service restored", inc.restored_at),
        ("Resolved", inc.resolved_at),
    ]
    milestones = [
        GanttRow(Markup(label), Markup("milestone"), _gantt_time(at), Markup("0m")) for label, at in marks if at
    ]
    return phases, milestones


def timeline_line(event: Event, playbook: Playbook) -> Markup:
    """One line of the full timeline: every event, struck ones crossed out, with author."""
    if event.kind in ("comms", "handoff"):
        text = md_inline(story_text(event, playbook) or event.kind)  # full texts live in the export
    elif event.kind == "triage" and event.data.get("question"):
        question = next((q.question for q in playbook.triage if q.key == event.data["question"]), None)
        shown = said(event)
        text = md_inline(f"{question} {shown}" if question else shown)
    else:
        text = md_inline(said(event))
    if event.amended_text is not None:
        text = Markup(f"{text} _(amended)_")
    if event.struck:
        text = Markup(f"~~{text}~~ _(struck)_")
    backdated = " _(logged later)_" if event.backdated else ""
    return Markup(
        f"- {local(event.ts).strftime('%H:%M:%S')} [{md_inline(event.kind)}] {text} — {md_inline(event.author)}{backdated}"
    )


def timeline_lines(events: Iterable[Event], playbook: Playbook, out: list[Markup], previous: list[date]) -> None:
    """Append one line per event (and a date line when the day changes); previous[0] is the
    day of the line before, carried across the store's batches."""
    for event in events:
        today = day(event.ts)
        if today != previous[0]:
            out.append(Markup(f"\n**{day_label(today)}**\n"))
            previous[0] = today
        out.append(timeline_line(event, playbook))
