"""Incident state -> the Markdown texts the commander copies: status page update,
internal update #N, external notice, on-call handoff, postmortem, timeline.

The wording lives in Jinja2 templates (`warroom/core/data/templates/*.md.j2`); this module
only gathers facts from the state into a context. A team rewords a heading or adds a
document (an executive summary, a CAN report) in its playbook: a `[[documents]]` entry
names the template, and `templates_dir` (relative to the playbook file) is searched
before the shipped templates, so a team template may also `{% extends %}` a shipped one.

Templates run in a sandbox with StrictUndefined. Every `{{ value }}` that is plain text is
escaped for Markdown on output (control characters made visible, `<`, `>`, backticks,
a leading list/heading marker, newlines flattened); filters return already-safe text:
`md` (the same, explicitly), `cell` (also `|`, for table cells) and `block` (multi-line
human text: paragraphs kept, HTML escaped).

Choices made here (the methodology leaves them open):
- Status (status page, external notice): Resolved when the incident is resolved;
  Monitoring once service is restored; Identified once past the first phase or a
  mitigation level is set; Investigating before that.
- Current state: Operational when resolved or restored by the first ("full") mitigation
  level; Down in the last level (maintenance mode) or, with no mitigation yet, at SEV-1;
  Degraded otherwise.
- Next update: the time an update sent now promises, now + the severity's cadence
  (`next_update_at`), so the text and the timer restarted on sending agree; the
  incident's stored next_update_at is the deadline for *this* update, already due.
- Workaround: the latest live note/comms/action event whose text starts with
  "workaround:" (case-insensitive); "workaround: none" withdraws it.
- What users see: the triage answers "broken" (service before a colon, symptom after)
  and "affected"; `incident.service` wins for the service name when set. With no service
  name, internal documents name the incident by its title (`service_or_title`); public
  ones (status, external) say "service disruption" — never the title, which may be
  internal, and never a literal "our service".
- Internal update "what we know": triage answers, pinned note/alert/change/hypothesis
  events and the current hypothesis (the latest live one, said once even if pinned);
  "what we're doing": temporary fixes in place, then pinned action/decision events, else
  the last few actions/decisions since the previous internal update; when there are none
  since, the last few overall as context (`doing_is_context`), so an update read alone
  still says what has been done.
- Postmortem draft: the severity declared with (the first severity record), and the
  highest reached only when it differs ("escalated to").

Domain layer: imports nothing from Textual.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from warroom.core import checklist, classify
from warroom.core import metrics as metrics_module
from warroom.core.errors import InputError, PlaybookError
from warroom.core.metrics import live_events as live  # struck events never count
from warroom.core.models import ROLE_NAMES, Event, IncidentState
from warroom.core.playbook import DocumentSpec, Playbook, shipped_documents
from warroom.core.relative import absolute

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment
from warroom.core.safetext import plain
from warroom.core.state import next_update_label
from warroom.core.timeutil import hm, local  # hm: blank for an unknown time, as documents want

SHIPPED_TEMPLATES = Path(__file__).parent / "data" / "templates"
# The built-in documents live once, in the shipped playbook's [[documents]]; a loaded
# playbook's list (`document_kinds(playbook)`) also has the team's own.
DOCUMENT_KINDS: tuple[str, ...] = tuple(spec.key for spec in shipped_documents())

# "What we're doing" falls back to this many recent actions/decisions.
RECENT_ACTIONS = 3
WORKAROUND_PREFIX = "workaround:"
WORKAROUND_KINDS = ("note", "comms", "action")
KNOW_KINDS = ("note", "alert", "change", "hypothesis")
DOING_KINDS = ("action", "decision")
LEARNED_KINDS = ("note", "alert", "change")
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
# The role of the phase whose actions count as the permanent fix.
FIX_ROLE = "fix"


# ----- escaping ---------------------------------------------------------------------

# A backslash before ASCII punctuation is a Markdown escape; double it so it stays literal.
_ESCAPING_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~])")
_LINE_BREAKS = re.compile(r"[ \t]*(?:\r\n|\r|\n)+[ \t]*")
# What turns the start of a line into a heading, quote, list item or rule.
_BLOCK_START = re.compile(r"^(?:#{1,6}(?=\s|$)|>|[-+*](?=\s|$)|\d{1,9}[.)](?=\s|$)|[-*_](?=(?:\s*[-*_]){2,}\s*$))")


def _escape_html_and_code(text: str) -> str:
    # `<` starts every HTML tag and autolink; a `>` alone is harmless except at the start
    # of a line (a quote), which _BLOCK_START handles, so "5xx > 10%" stays readable.
    text = _ESCAPING_BACKSLASH.sub(r"\\\\", text)
    return _escape_links(text.replace("<", "\\<").replace("`", "\\`"))


def _escape_links(text: str) -> str:
    """No link, image or link definition from incident text: `[` and `]` escaped, so
    `![x](http://...)` loads nothing and `[l](javascript:...)` is not clickable. (`<` is
    escaped by the callers, which takes autolinks; a bare URL stays as readable text.)"""
    return text.replace("[", "\\[").replace("]", "\\]")


def md_inline(value: Any) -> Markup:
    """Incident text placed inside a line: one line, no HTML, no code spans, no block marker."""
    if isinstance(value, Markup):
        return value
    text = plain(str(value))
    if "\n" in text or "\r" in text:
        text = _LINE_BREAKS.sub(" / ", text.strip())
    text = _escape_html_and_code(text)
    if m := _BLOCK_START.match(text):  # "# x" or "- x" at the start would change the structure
        mark = m.group()
        text = (mark[:-1] + "\\" + mark[-1] if mark[0].isdigit() else "\\" + mark) + text[len(mark) :]
    return Markup(text)


def md_cell(value: Any) -> Markup:
    """Incident text in a table cell: also escapes the pipe that would end the cell."""
    if isinstance(value, Markup):
        return value
    return Markup(str(md_inline(value)).replace("|", "\\|"))


def md_block(value: Any) -> Markup:
    """Human-written Markdown (postmortem sections): paragraphs kept, HTML and links escaped."""
    if isinstance(value, Markup):
        return value
    text = plain(str(value)).replace("\r\n", "\n").replace("\r", "\n").strip()
    text = _ESCAPING_BACKSLASH.sub(r"\\\\", text)
    return Markup(_escape_links(text.replace("<", "\\<")))


def _finalize(value: Any) -> Any:
    """Every plain string a template prints is escaped, so a team template is safe by default."""
    if value is None:
        return ""
    if isinstance(value, str) and not isinstance(value, Markup):
        return md_inline(value)
    return value


# ----- times ------------------------------------------------------------------------


def zone(dt: datetime) -> str:
    return local(dt).strftime("%Z") or local(dt).strftime("%z")


def hm_zone(dt: datetime | None) -> str:
    return f"{hm(dt)} {zone(dt)}" if dt is not None else ""


def day(dt: datetime) -> date:
    return local(dt).date()


def day_label(d: date) -> str:
    return d.strftime("%A %Y-%m-%d")


def long_duration(delta: timedelta | None) -> str:
    """The methodology's "X hours Y minutes": 18 minutes, 1 hour 5 minutes, 2 days 3 hours."""
    if delta is None:
        return ""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60

    def unit(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n != 1 else ''}"

    parts = []
    if days:
        parts.append(unit(days, "day"))
    if hours:
        parts.append(unit(hours, "hour"))
    if minutes and not days:
        parts.append(unit(minutes, "minute"))
    return " ".join(parts) or unit(0, "minute")


# ----- facts from the state ---------------------------------------------------------


def said(event: Event) -> str:
    """An event's text as documents show it: relative times ("-18m", "20 minutes ago") made
    absolute as of when it was written (warroom.core.relative says how and why)."""
    return absolute(event.shown_text.strip(), event.recorded_at)


def triage_answers(state: IncidentState, playbook: Playbook) -> dict[str, str]:
    """The live answer per triage question (classify.triage_answer: the latest one; times
    corrected later carry no question). An answer that says nothing ("unknown", "nothing
    changed, no deploys") leaves its question out, so a document keeps its own wording.
    Keyed by the question's role (its key when it plays none), so a template finds
    "broken" or "changed" whatever the team calls the question."""
    questions = {q.key: q for q in playbook.triage}
    asked = dict.fromkeys(str(e.data["question"]) for e in live(state) if e.kind == "triage" and e.data.get("question"))
    answers: dict[str, str] = {}
    for key in asked:
        event = classify.triage_answer(state, key, playbook.non_answers, questions.get(key))
        if event is not None:
            answers[playbook.question_role(key) or key] = said(event)
    return answers


def status_word(state: IncidentState, playbook: Playbook) -> str:
    inc = state.incident
    if inc.status == "resolved":
        return "Resolved"
    if inc.restored_at is not None:
        return "Monitoring"
    first = playbook.phase_key("assess")
    if inc.mitigation or inc.phase != first or any(metrics_module.is_containment_decision(e) for e in state.events):
        return "Identified"
    return "Investigating"


def current_state(state: IncidentState, playbook: Playbook) -> str:
    inc = state.incident
    if inc.status == "resolved":
        return "Operational"
    levels = [m.key for m in playbook.mitigation]
    if inc.mitigation in levels:
        level = playbook.mitigation_level(inc.mitigation)
        if level.restored and inc.mitigation == levels[0]:
            return "Operational"
        if not level.restored and inc.mitigation == levels[-1]:
            return "Down"
        return "Degraded"
    return "Down" if inc.severity == 1 else "Degraded"


def workaround(state: IncidentState) -> str | None:
    found: str | None = None
    for event in live(state):
        text = said(event)
        if event.kind in WORKAROUND_KINDS and text.lower().startswith(WORKAROUND_PREFIX):
            found = text[len(WORKAROUND_PREFIX) :].strip()
    if found is None or found.lower() in ("", "none", "-"):
        return None
    return found


def service_and_symptom(state: IncidentState, triage: dict[str, str]) -> tuple[str | None, str | None]:
    """The service (the incident's field; only without one, the head of a "Service: symptom"
    answer to "What's broken?") and the symptom users see. With the service set, an answer
    naming another head ("Payments API: timeouts") is kept whole as the symptom."""
    broken = triage.get("broken")
    service = (state.incident.service or "").strip() or None
    symptom = broken
    if broken and ":" in broken:
        head, tail = (part.strip() for part in broken.split(":", 1))
        if head and tail and (service is None or head.casefold() == service.casefold()):
            service = service or head
            symptom = tail
    return service, symptom


def _since_last_internal(state: IncidentState, playbook: Playbook) -> datetime | None:
    internal = playbook.document_key("internal")
    last = None
    for event in live(state):
        if event.kind == "comms" and event.data.get("document") == internal:
            last = event.ts
    return last


def _with_time(event: Event) -> str:
    """`HH:MM - text`, the methodology's timeline form, for every list of events."""
    return f"{hm(event.ts)} - {said(event)}"


def _labelled(event: Event) -> str:
    text = said(event)
    return f"{hm(event.ts)} - " + (f"Hypothesis: {text}" if event.kind == "hypothesis" else text)


def next_update_at(state: IncidentState, playbook: Playbook, now: datetime) -> datetime | None:
    """The next update an update sent now promises: now plus the severity's cadence, which
    is what sending it sets the timer to. Without a cadence, the incident's own timer."""
    if state.incident.status == "resolved":
        return None
    try:
        return now + timedelta(minutes=playbook.severity(state.incident.severity).update_every_minutes)
    except KeyError:
        return state.incident.next_update_at


def latest_hypothesis(state: IncidentState) -> Event | None:
    hypotheses = [e for e in live(state) if e.kind == "hypothesis"]
    return hypotheses[-1] if hypotheses else None


def next_steps(state: IncidentState, playbook: Playbook) -> list[str]:
    try:
        phase = playbook.phase(state.incident.phase)
    except KeyError:
        return []
    # Done counts as the checklist pane shows it: ticked, or shown done by the timeline.
    return [
        item.text
        for item in phase.items
        if not checklist.item_done(state, phase.key, item.id, item.requires, item.done_when, playbook)
    ]


def contacts(state: IncidentState) -> list[tuple[str, str]]:
    roles = state.incident.roles
    ordered = [r for r in ROLE_NAMES if roles.get(r)] + sorted(r for r in roles if r not in ROLE_NAMES and roles[r])
    return [(ROLE_NAMES.get(r, r.replace("_", " ").capitalize()), roles[r]) for r in ordered]


@dataclass
class FixView:
    what: str
    where: str
    ticket: str
    added: str
    status: str
    in_place: bool


def temp_fixes(state: IncidentState) -> list[FixView]:
    views = []
    for fix in state.temp_fixes:
        if fix.in_place:
            status = "still in place"
        elif fix.permanent:
            status = f"made permanent at {hm(fix.removed_at)}"
        else:
            status = f"removed at {hm(fix.removed_at)}"
        what = absolute(fix.what, fix.added_at)
        views.append(FixView(what, fix.where, fix.ticket, hm(fix.added_at), status, fix.in_place))
    return views


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
            lines.append((event.ts, text))
    return lines


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


@dataclass
class Section:
    key: str
    heading: str
    hint: str
    text: Markup  # block-escaped; empty when nobody has written it
    items: list[str]  # one per non-empty line, list markers stripped


_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def sections(state: IncidentState, playbook: Playbook) -> dict[str, Section]:
    out = {}
    for spec in playbook.postmortem_sections:
        raw = state.postmortem.get(spec.key, "").strip()
        items = [_LIST_MARK.sub("", line).strip() for line in raw.splitlines() if line.strip()]
        out[spec.key] = Section(spec.key, spec.heading, spec.hint, md_block(raw) if raw else Markup(""), items)
    return out


def permanent_fix(state: IncidentState, playbook: Playbook) -> list[str]:
    fix_phase = playbook.phase_key(FIX_ROLE)
    fix_spans = [s for s in state.phases if s.phase == fix_phase]
    found = []
    for event in live(state):
        if event.kind not in ("action", "change", "decision"):
            continue
        if any(s.entered_at <= event.ts and (s.exited_at is None or event.ts < s.exited_at) for s in fix_spans):
            found.append(_with_time(event))
    return found


def temporary_measures(state: IncidentState, playbook: Playbook) -> list[str]:
    found = []
    for event in live(state):
        if metrics_module.is_containment_decision(event):
            found.append(_with_time(event))
        elif event.kind == "mitigation":
            try:
                level = playbook.mitigation_level(str(event.data.get("level")))
                found.append(f"{hm(event.ts)} - {level.name}: {level.description}")
            except KeyError:
                found.append(_with_time(event))
    return found


def highest_severity(state: IncidentState) -> int:
    levels = [c.new for c in state.severity_history] + [state.incident.severity]
    return min(levels)


def declared_severity(state: IncidentState) -> int:
    """The severity the incident was declared with: the first severity record (its old
    value if the declaration's own record is missing), else the current severity."""
    if not state.severity_history:
        return state.incident.severity
    first = state.severity_history[0]
    return first.old if first.old is not None else first.new


# ----- rendering --------------------------------------------------------------------


def document_specs(playbook: Playbook) -> dict[str, DocumentSpec]:
    """The playbook's documents by key: the shipped ones, reworded or extended by a team's
    `[[documents]]` (merged when the playbook loads)."""
    return {spec.key: spec for spec in playbook.documents}


def document_kinds(playbook: Playbook) -> tuple[str, ...]:
    return tuple(document_specs(playbook))


def _team_dir(playbook: Playbook) -> str | None:
    if not playbook.templates_dir:
        return None
    base = Path(playbook.source).parent if playbook.source else Path.cwd()
    return str((base / playbook.templates_dir).resolve())


@lru_cache(maxsize=8)
def environment(team_dir: str | None = None) -> SandboxedEnvironment:
    # Jinja2 is imported here, not at the top: it costs ~40 ms, and the war room's first
    # frame needs no document.
    from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    loaders = [FileSystemLoader(team_dir)] if team_dir else []
    loaders.append(FileSystemLoader(str(SHIPPED_TEMPLATES)))
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=_finalize,
    )
    env.filters.update(md=md_inline, cell=md_cell, block=md_block, hm=hm, hm_zone=hm_zone, duration=long_duration)
    return env


def context(state: IncidentState, playbook: Playbook, now: datetime, number: int | None = None) -> dict[str, Any]:
    """Everything a template may use. Plain strings are escaped when printed."""
    inc = state.incident
    triage = triage_answers(state, playbook)
    service, symptom = service_and_symptom(state, triage)
    m = metrics_module.compute(state, now, playbook)
    events = live(state)
    pinned = [e for e in events if e.pinned]
    since = _since_last_internal(state, playbook)
    doing_pinned = [_with_time(e) for e in pinned if e.kind in DOING_KINDS]
    done = [e for e in events if e.kind in DOING_KINDS]
    recent = [e for e in done if since is None or e.ts > since]
    # Nothing new since the last update: repeat the latest as context, so #N read alone informs.
    doing_is_context = not doing_pinned and not recent and since is not None and bool(done)
    doing = doing_pinned or [_with_time(e) for e in (done if doing_is_context else recent)[-RECENT_ACTIONS:]]
    hypothesis = latest_hypothesis(state)
    start = m.start or inc.declared_at
    impact_end = inc.restored_at or inc.resolved_at
    # A playbook impact by its label; the commander's own words (`declare --impact`) as they are.
    impact_label = inc.impact.strip() or None if inc.impact else None
    for option in playbook.impacts:
        if option.key == inc.impact:
            impact_label = option.label
    phases, milestones = gantt(state, playbook, now)
    fixes = temp_fixes(state)
    promised = next_update_at(state, playbook, now)
    return {
        "incident": inc,
        "title": inc.title,
        "id": inc.id,
        "severity": inc.severity,
        "highest_severity": highest_severity(state),
        "declared_severity": declared_severity(state),
        "phase": playbook.phase_name(inc.phase),
        "phase_key": inc.phase,
        # The team's name for each phase role: "the {{ phase_names.fix }} phase".
        "phase_names": {role: playbook.phase(key).name for role, key in playbook.phase_roles.items()},
        "resolved": inc.status == "resolved",
        "restored": inc.restored_at is not None,
        "status": status_word(state, playbook),
        "current_state": current_state(state, playbook),
        "mitigation": (
            playbook.mitigation_level(inc.mitigation).name
            if inc.mitigation in {x.key for x in playbook.mitigation}
            else inc.mitigation
        ),
        "triage": triage,
        "service": service,
        "service_or_title": service or inc.title,  # internal documents only: a title may be internal
        "symptom": symptom,
        "affected": triage.get("affected"),
        "impact_label": impact_label,
        "impact_pct": inc.impact_pct,
        "workaround": workaround(state),
        "now": hm(now),
        "now_zone": hm_zone(now),
        "zone": zone(now),
        "date": day(start).isoformat(),
        "day": day_label(day(start)),
        "number": number if number is not None else next_update_label(state),
        "next_update": hm_zone(promised) if promised else None,
        "started": hm(inc.started_at) if inc.started_at else None,
        # Given, or the first alert after the start; detection "at the declaration" says nothing new.
        "detected": hm(m.detected_at) if m.detected_at and m.detected_from != "declared" else None,
        "detected_from": m.detected_from,
        "declared": hm(inc.declared_at),
        "restored_at": hm(inc.restored_at) if inc.restored_at else None,
        "resolved_at": hm(inc.resolved_at) if inc.resolved_at else None,
        "start": hm(start),
        "commander": inc.commander,
        # The current hypothesis has its own line; pinned, it is not repeated here.
        "know": [_labelled(e) for e in pinned if e.kind in KNOW_KINDS and e is not hypothesis],
        "doing": doing,
        "doing_is_pinned": bool(doing_pinned),
        "doing_is_context": doing_is_context,
        "last_update_number": inc.updates_sent,
        "key_events": [
            _with_time(e)
            for e in events
            if (e.pinned and e.kind not in LEARNED_KINDS and e.kind not in DOING_KINDS and e.kind != "hypothesis")
            or e.kind in ("restored", "resolved", "reopened")
            or (e.kind == "severity" and e.data.get("old") is not None)
        ],
        "tried": [_with_time(e) for e in events if e.kind in DOING_KINDS],
        "learned": [_with_time(e) for e in pinned if e.kind in LEARNED_KINDS],
        "hypothesis": said(hypothesis) if hypothesis else None,
        "hypothesis_at": hm(hypothesis.ts) if hypothesis else None,
        "next_steps": next_steps(state, playbook),
        "contacts": contacts(state),
        "temp_fixes": fixes,
        "temp_fixes_in_place": [f for f in fixes if f.in_place],
        "temporary": temporary_measures(state, playbook),
        "permanent": permanent_fix(state, playbook),
        "sections": sections(state, playbook),
        "postmortem_text": dict(state.postmortem),
        "action_items": state.action_items,
        "timeline": dated(story(state, playbook), day(start)),
        "gantt_phases": phases,
        "gantt_milestones": milestones,
        "duration": long_duration(_between(start, inc.resolved_at or now)),
        "impact_duration": long_duration(_between(start, impact_end or now)),
        "impact_ended": impact_end is not None,
        "impact_end": hm(impact_end) if impact_end else None,
        "metrics": m,
        "time_to": {
            "detect": long_duration(m.time_to_detect) or None,
            "declare": long_duration(m.time_to_declare) or None,
            "contain": long_duration(m.time_to_contain) or None,
            "mitigate": long_duration(m.time_to_mitigate) or None,
            "resolve": long_duration(m.time_to_resolve) or None,
        },
        "contained_at": hm(m.contained_at) if m.contained_at else None,
        "events_truncated": state.events_truncated,
        "event_count": state.event_count,
        "lines": [],
    }


def _between(a: datetime | None, b: datetime | None) -> timedelta | None:
    if a is None or b is None:
        return None
    return metrics_module.aware(b) - metrics_module.aware(a)


def _render(kind: str, ctx: dict[str, Any], playbook: Playbook) -> str:
    specs = document_specs(playbook)
    if kind not in specs:
        raise InputError(f"no document {kind!r}; known: {', '.join(specs)}")
    from jinja2 import TemplateError

    env = environment(_team_dir(playbook))
    try:
        text = env.get_template(specs[kind].template).render(ctx)
    except TemplateError as exc:
        where = f" ({exc.filename}:{exc.lineno})" if getattr(exc, "lineno", None) else ""  # type: ignore[attr-defined]
        raise PlaybookError(f"template for document {kind!r} failed{where}: {exc}") from None
    # Templates leave runs of blank lines where optional parts are empty.
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return text + "\n"


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


def _timeline_lines(events: Iterable[Event], playbook: Playbook, out: list[Markup], previous: list[date]) -> None:
    """Append one line per event (and a date line when the day changes); previous[0] is the
    day of the line before, carried across the store's batches."""
    for event in events:
        today = day(event.ts)
        if today != previous[0]:
            out.append(Markup(f"\n**{day_label(today)}**\n"))
            previous[0] = today
        out.append(timeline_line(event, playbook))


def render(kind: str, state: IncidentState, playbook: Playbook, now: datetime, *, number: int | None = None) -> str:
    """One document as Markdown. Pure: the same state and clock give the same text."""
    ctx = context(state, playbook, now, number)
    if kind == "timeline":
        start = day(metrics_module.compute(state, now, playbook).start or state.incident.declared_at)
        lines: list[Markup] = []
        _timeline_lines(state.events, playbook, lines, [start])
        ctx["lines"] = lines
    return _render(kind, ctx, playbook)


async def render_from_store(kind: str, store, incident_id: str, playbook: Playbook, now: datetime | None = None) -> str:
    """Load the state and render; the timeline streams every event, not just the loaded ones."""
    state = await store.load_state(incident_id)
    now = now or store.clock()
    if kind != "timeline":
        return render(kind, state, playbook, now)
    ctx = context(state, playbook, now)
    start = day(metrics_module.compute(state, now, playbook).start or state.incident.declared_at)
    lines: list[Markup] = []
    previous = [start]
    async for batch in store.iter_events(incident_id):
        _timeline_lines(batch, playbook, lines, previous)
    ctx["lines"] = lines
    ctx["events_truncated"] = False
    return _render(kind, ctx, playbook)


__all__ = [
    "DOCUMENT_KINDS",
    "document_kinds",
    "document_specs",
    "md_block",
    "md_cell",
    "md_inline",
    "render",
    "render_from_store",
]
