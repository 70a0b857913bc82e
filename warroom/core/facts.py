"""What the documents say about an incident, read from its state: the status word, what
users see, the workaround, contacts, temporary and permanent fixes, the postmortem's
sections. warroom.core.documents gathers these into a template's context.

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
  and "affected"; `incident.service` wins for the service name when set. The public texts
  prefer the impact in the commander's own words to the "broken" answer (`users_see`).
- Current values win over the declare-time answers: once the impact or % affected was
  set or corrected after the "How bad?" answer, that answer reads as the current impact
  (`impact_said`); with a recorded start, the "When did it start?" answer reads as that
  time, keeping the answer's own words after it only when they add something and naming
  it as the first answer when its time differs.
- Reopened: the fold keeps restored_at, the first restore, for the clocks. The documents
  read the service as restored again only once a level that restores it is set after the
  latest reopen (`restored_now`), and a mitigation level set before that reopen no longer
  holds (`mitigation_now`): a reopened incident reads as ongoing.
- Changes made by the team (a rollback, a flag switched off) are something the team did,
  as actions and decisions are (`team_change`): logged at or after the declaration, not by a
  script (`warroom log`, data source "cli") unless its author is one of the incident's
  people (the declarer, a role holder, a commander handed over from). A deploy hook's change,
  or one that came before the declaration, is context: what happened, what changed.
- Everyone affected (`all_affected`): the playbook's widest impact level (listed first
  among those suggesting the highest severity) or 100% affected.
- Postmortem draft: the severity declared with (the first severity record), and the
  highest reached only when it differs ("escalated to").

Domain layer: imports nothing from Textual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup

from warroom.core import checklist, classify
from warroom.core import metrics as metrics_module
from warroom.core.details import impact_label
from warroom.core.markdown import md_block
from warroom.core.metrics import live_events as live  # struck events never count
from warroom.core.metrics import mitigation_now, restored_now
from warroom.core.models import ROLE_NAMES, Event, IncidentState
from warroom.core.playbook import Playbook
from warroom.core.relative import absolute
from warroom.core.timeutil import hm, local  # hm: blank for an unknown time, as documents want
from warroom.core.timewords import hm_zone, said_once

WORKAROUND_PREFIX = "workaround:"
WORKAROUND_KINDS = ("note", "comms", "action")
# The role of the phase whose actions count as the permanent fix.
FIX_ROLE = "fix"


def said(event: Event) -> str:
    """An event's text as documents show it: relative times ("-18m", "20 minutes ago") made
    absolute as of when it was written (warroom.core.relative says how and why), and a time
    then followed by itself with its zone ("14:22 (14:22 UTC)") said once ("14:22 UTC")."""
    return said_once(absolute(event.shown_text.strip(), event.recorded_at))


def triage_answers(state: IncidentState, playbook: Playbook) -> dict[str, str]:
    """The live answer per triage question (classify.triage_answer: the latest one; times
    corrected later carry no question). An answer that says nothing ("unknown", "nothing
    changed, no deploys") leaves its question out, so a document keeps its own wording.
    Keyed by the question's role (its key when it plays none), so a template finds
    "broken" or "changed" whatever the team calls the question. The recorded values win
    over what was answered at the declaration: "How bad?" once the impact was set or
    corrected after it (`impact_said`), "When did it start?" when a start is recorded
    (`stated_start`)."""
    questions = {q.key: q for q in playbook.triage}
    asked = dict.fromkeys(str(e.data["question"]) for e in live(state) if e.kind == "triage" and e.data.get("question"))
    answers: dict[str, str] = {}
    for key in asked:
        event = classify.triage_answer(state, key, playbook.non_answers, questions.get(key))
        if event is None:
            continue
        role = playbook.question_role(key) or key
        answer: str | None = said(event)
        if role == "how_bad" and _impact_set_after(state, event):
            answer = impact_said(state, playbook)
        elif role == "started":
            answer = stated_start(state, answer)
        if answer:
            answers[role] = answer
    return answers


def _impact_set_after(state: IncidentState, answer: Event) -> bool:
    """Whether the impact or % affected was set or corrected (a `details` event) after `answer`."""
    events = live(state)
    after = events[events.index(answer) + 1 :] if answer in events else events
    return any(e.kind == "details" and ("impact" in e.data or "impact_pct" in e.data) for e in after)


def impact_said(state: IncidentState, playbook: Playbook) -> str | None:
    """The current impact as updates say it: its playbook label or the commander's words,
    with the % affected ("All users (60%)"); a % alone as "60% of users"; None when neither
    is recorded."""
    inc = state.incident
    label = impact_label(playbook, " ".join((inc.impact or "").split()))
    pct = inc.impact_pct
    if label:
        return label + (f" ({pct:g}%)" if pct is not None else "")
    return f"{pct:g}% of users" if pct is not None else None


def all_affected(state: IncidentState, playbook: Playbook) -> bool:
    """Whether everyone is affected: the impact is the playbook's widest level (the first of
    those suggesting the highest severity), or 100% are affected."""
    inc = state.incident
    if inc.impact_pct is not None and inc.impact_pct >= 100:
        return True
    if not playbook.impacts:
        return False
    widest = min(playbook.impacts, key=lambda option: option.severity)
    return inc.impact == widest.key


# A time at the start of an answer, as said (`said`: "14:32 (-20m)" is "14:32 UTC" by then):
# "14:32", "14:32 UTC", "2026-03-09 23:25 CET", "14:32:10 +0100".
_LEADING_TIME = re.compile(
    r"^\s*(?:\d{4}-\d{2}-\d{2}[ T])?(\d{1,2}:\d{2})(?::\d{2})?(?:\s*(?:[A-Z]{2,5}|[+-]\d{4})\b)?"
)


def stated_start(state: IncidentState, answer: str | None) -> str | None:
    """The "When did it start?" line once a start is recorded: the answer as answered when its
    time is the recorded one; else the recorded start (with its date when not the day of the
    declaration), followed by the answer only when it has words beyond its time ("16:45 UTC
    (first answered: 16:52 UTC, right after the deploy)"), an answer that was only a time
    giving way to it. Without a recorded start, the answer."""
    started = state.incident.started_at
    if started is None:
        return answer
    when = hm_zone(started)
    if local(started).date() != local(state.incident.declared_at).date():
        when = f"{local(started):%Y-%m-%d} {when}"
    text = (answer or "").strip()
    match = _LEADING_TIME.match(text)
    if match is not None and match.group(1).zfill(5) == hm(started):
        return text  # the answer's time is the recorded one: as answered
    words = (text[match.end() :] if match else text).lstrip(" ,;:-–—").strip()
    return f"{when} (first answered: {text})" if words else when


def status_word(state: IncidentState, playbook: Playbook) -> str:
    inc = state.incident
    if inc.status == "resolved":
        return "Resolved"
    if restored_now(state) is not None:
        return "Monitoring"
    first = playbook.phase_key("assess")
    if (
        mitigation_now(state)
        or inc.phase != first
        or any(metrics_module.is_containment_decision(e) for e in state.events)
    ):
        return "Identified"
    return "Investigating"


def current_state(state: IncidentState, playbook: Playbook) -> str:
    inc = state.incident
    if inc.status == "resolved":
        return "Operational"
    levels = [m.key for m in playbook.mitigation]
    mitigation = mitigation_now(state)
    if mitigation in levels:
        level = playbook.mitigation_level(mitigation)
        if level.restored and mitigation == levels[0]:
            return "Operational"
        if not level.restored and mitigation == levels[-1]:
            return "Down"
        return "Degraded"
    return "Down" if inc.severity == 1 else "Degraded"


def people(state: IncidentState) -> set[str]:
    """The incident's people: who declared it, who holds a role, and the commanders handed
    over from."""
    names = {name for name in state.incident.roles.values() if name}
    names.add(state.incident.commander)
    for event in state.events:
        if event.kind == "declared":
            names.add(event.author)
        elif event.kind == "handoff":
            names.update(str(event.data[key]) for key in ("from", "to") if event.data.get(key))
    return names


def team_change(state: IncidentState, event: Event, team: set[str] | None = None) -> bool:
    """Whether a `change` event is something the team did (a rollback, a flag switched off):
    logged at or after the declaration, and not by a script (`warroom log`) unless one of the
    incident's `people` logged it. A deploy hook's "deploy v2.3.4 completed" is context."""
    if event.kind != "change":
        return False
    aware = metrics_module.aware
    if aware(event.ts) < aware(state.incident.declared_at):
        return False
    if event.data.get("source") != "cli":
        return True
    return event.author in (team if team is not None else people(state))


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


def users_see(state: IncidentState, playbook: Playbook, symptom: str | None) -> str | None:
    """What users see, as the public texts (status page, external notice) say it: the impact
    in the commander's own words (`declare --impact`, `set --impact`, the war room's I), which
    are meant for users, over the `symptom` answered to "What's broken?", an internal triage
    answer that may name endpoints and status codes. A playbook impact ("All users") is a
    level, not something users see. Without a closing full stop: templates end the sentence."""
    impact = " ".join((state.incident.impact or "").split())
    levels = {option.key for option in playbook.impacts}
    said = impact if impact and impact not in levels else (symptom or "")
    return said.rstrip(" .") or None


def since_last_internal(state: IncidentState, playbook: Playbook) -> datetime | None:
    internal = playbook.document_key("internal")
    last = None
    for event in live(state):
        if event.kind == "comms" and event.data.get("document") == internal:
            last = event.ts
    return last


def with_time(event: Event) -> str:
    """`HH:MM - text`, the methodology's timeline form, for every list of events."""
    return f"{hm(event.ts)} - {said(event)}"


def labelled(event: Event) -> str:
    """`HH:MM - text`, a hypothesis and an alert said as one (as `alerts_seen` says alerts)."""
    text = said(event)
    label = {"hypothesis": "Hypothesis: ", "alert": "Alert: "}.get(event.kind, "")
    return f"{hm(event.ts)} - {with_label(label, text)}"


def with_label(label: str, text: str) -> str:
    """`text` after `label` ("Alert: "), unless the text begins with the label's word itself
    ("Alert fired: ..."); a text that only begins like it ("Alertmanager: ...") is labelled."""
    word = label.split(":")[0].strip()
    if not word or re.match(rf"{re.escape(word)}\b", text, re.IGNORECASE):
        return text
    return f"{label}{text}"


# At most this many alerts are listed one by one; more are told as the first, a count and
# the latest few (a hook may log hundreds).
ALERTS_LISTED = 5


def alerts_seen(state: IncidentState, label: str = "") -> list[tuple[datetime, str]]:
    """The alerts logged and not pinned (documents list pinned events already), in time
    order, as `(when, "HH:MM - {label}text")`. More than ALERTS_LISTED: the first, how many
    came between, and the latest."""
    alerts = [e for e in live(state) if e.kind == "alert" and not e.pinned]

    def line(event: Event) -> tuple[datetime, str]:
        return (event.ts, f"{hm(event.ts)} - {with_label(label, said(event))}")

    if len(alerts) <= ALERTS_LISTED:
        return [line(e) for e in alerts]
    between = alerts[1 : -(ALERTS_LISTED - 2)]
    span = f"{hm(between[0].ts)}-{hm(between[-1].ts)}"
    return [
        line(alerts[0]),
        (between[0].ts, f"{span} - {len(between)} more alerts"),
        *(line(e) for e in alerts[-(ALERTS_LISTED - 2) :]),
    ]


def seen(state: IncidentState, pinned: list[Event]) -> list[str]:
    """The internal update's facts seen, in time order: the `pinned` events (labelled) and
    the alerts logged (`alerts_seen`, "Alert: " unless the text says so)."""
    lines = [(e.ts, labelled(e)) for e in pinned] + alerts_seen(state, "Alert: ")
    return [text for _, text in sorted(lines, key=lambda line: metrics_module.aware(line[0]))]


def symptoms_started(state: IncidentState) -> tuple[datetime, str] | None:
    """When impact started, when it is known: `(when, "HH:MM - Symptoms started")`."""
    started = state.incident.started_at
    return (started, f"{hm(started)} - Symptoms started") if started is not None else None


def started_after(state: IncidentState, playbook: Playbook) -> str | None:
    """When impact started, and the latest change logged shortly before it (the playbook's
    recent_change_minutes), as the methodology's update says it: "14:32, after the 14:30
    change: Deploy v2.3.4". None when the start is not known."""
    started = metrics_module.aware(state.incident.started_at)
    if started is None:
        return None
    window = timedelta(minutes=playbook.thresholds.recent_change_minutes)
    aware = metrics_module.aware
    changes = [e for e in live(state) if e.kind == "change" and started - window <= aware(e.ts) <= started]
    if not changes:
        return hm(started)
    change = max(changes, key=lambda e: aware(e.ts))
    return f"{hm(started)}, after the {hm(change.ts)} change: {said(change)}"


def happened(state: IncidentState, key_events: list[Event]) -> list[str]:
    """What happened, in time order: symptoms started, the alerts and changes logged (not
    pinned: pinned ones are what was learned; not the team's own: those were tried), the declaration and the `key_events`
    (restored, resolved, severity changes...)."""
    inc = state.incident
    start = symptoms_started(state)
    # At the same instant: the start, then the declaration, then what was logged.
    lines = [start] if start is not None else []
    lines.append((inc.declared_at, f"{hm(inc.declared_at)} - Incident declared"))
    lines += alerts_seen(state)
    team = people(state)
    lines += [
        (e.ts, with_time(e))
        for e in live(state)
        if e.kind == "change" and not e.pinned and not team_change(state, e, team)
    ]
    lines += [(e.ts, with_time(e)) for e in key_events]
    aware = metrics_module.aware
    return [text for _, text in sorted(lines, key=lambda line: aware(line[0]))]


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
            found.append(with_time(event))
    return found


def temporary_measures(state: IncidentState, playbook: Playbook) -> list[str]:
    found = []
    for event in live(state):
        if metrics_module.is_containment_decision(event):
            found.append(with_time(event))
        elif event.kind == "mitigation":
            try:
                level = playbook.mitigation_level(str(event.data.get("level")))
                found.append(f"{hm(event.ts)} - {level.name}: {level.description}")
            except KeyError:
                found.append(with_time(event))
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
