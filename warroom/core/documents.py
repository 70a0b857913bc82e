"""Incident state -> the Markdown texts the commander copies: status page update,
internal update #N, external notice, on-call handoff, postmortem, timeline.

The wording lives in Jinja2 templates (`warroom/core/data/templates/*.md.j2`); this module
only gathers facts from the state (warroom.core.facts, warroom.core.story) into a context.
A team rewords a heading or adds a document (an executive summary, a CAN report) in its
playbook: a `[[documents]]` entry names the template, and `templates_dir` (relative to the
playbook file) is searched before the shipped templates, so a team template may also
`{% extends %}` a shipped one.

Templates run in a sandbox with StrictUndefined. Every `{{ value }}` that is plain text is
escaped for Markdown on output (warroom.core.markdown); filters return already-safe text:
`md` (the same, explicitly), `cell` (also `|`, for table cells) and `block` (multi-line
human text: paragraphs kept, HTML escaped).

Choices made here (the methodology leaves them open; facts.py has the rest):
- Handoff "what happened": triage answers, then in time order when symptoms started, the
  alerts and changes logged (pinned ones are "what we learned"; the team's own changes are
  "what we've tried"), the declaration, and key events (pinned, restored, resolved,
  reopened, severity changes).
- Internal update "Impact": the current impact and % affected (`impact_said`), then the
  "Who's affected?" words when they add to it ("All users (60%) — shoppers paying").
- External notice: "Users may see" when everyone is affected (facts.all_affected), else
  "Some users may see".
- Reopened: internal update and handoff say "reopened at HH:MM" until service is restored
  again, and "service restored at" only for a restore that still holds (metrics.restored_now);
  the postmortem keeps the first restore, as the clocks do.
- What users see: with no service name, internal documents name the incident by its
  title (`service_or_title`); public ones (status, external) say "service disruption" —
  never the title, which may be internal, and never a literal "our service". Public ones
  say what users see in the commander's impact words when given, else the symptom
  (`users_see`).
- Internal update "what we know": triage answers, when impact started (and the change
  logged shortly before it), the alerts seen (the first, a count and the latest three when
  there are more than five), pinned note/alert/change/hypothesis events and the current hypothesis
  (the latest live one, said once even if pinned);
  "what we're doing": temporary fixes in place, then in time order the pinned
  action/decision events and changes the team made (facts.team_change: a rollback, a flag
  switched off; not a deploy hook's change, which is context) and the last few of those
  since the previous internal update (a pin never hides what was done since; more than the
  few are counted); when there are none since, the pinned ones and the last few overall as
  context (`doing_is_context`), so an update read alone still says what has been done.

Domain layer: imports nothing from Textual.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from warroom.core import details, facts
from warroom.core import metrics as metrics_module
from warroom.core.errors import InputError, PlaybookError
from warroom.core.markdown import finalize, md_block, md_cell, md_inline
from warroom.core.metrics import live_events as live  # struck events never count
from warroom.core.models import Event, IncidentState
from warroom.core.playbook import DocumentSpec, Playbook, shipped_documents
from warroom.core.state import next_update_label
from warroom.core.story import dated, gantt, story, timeline_lines
from warroom.core.timeutil import hm  # blank for an unknown time, as documents want
from warroom.core.timewords import day, day_label, hm_zone, long_duration, zone

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

SHIPPED_TEMPLATES = Path(__file__).parent / "data" / "templates"
# The built-in documents live once, in the shipped playbook's [[documents]]; a loaded
# playbook's list (`document_kinds(playbook)`) also has the team's own.
DOCUMENT_KINDS: tuple[str, ...] = tuple(spec.key for spec in shipped_documents())

# "What we're doing": at most this many actions/decisions done since the last internal
# update (more are counted, not listed), besides the pinned ones; with none new since, this
# many of the latest, as context.
NEW_ACTIONS = 5
RECENT_ACTIONS = 3
KNOW_KINDS = ("note", "alert", "change", "hypothesis")
DOING_KINDS = ("action", "decision")
LEARNED_KINDS = ("note", "alert", "change")


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
        finalize=finalize,
    )
    env.filters.update(md=md_inline, cell=md_cell, block=md_block, hm=hm, hm_zone=hm_zone, duration=long_duration)
    return env


def _level_name(playbook: Playbook, key: str | None) -> str | None:
    """A mitigation level by the playbook's name for it; one it does not know, as stored."""
    names = {x.key: x.name for x in playbook.mitigation}
    return names.get(key, key) if key else None


def context(state: IncidentState, playbook: Playbook, now: datetime, number: int | None = None) -> dict[str, Any]:
    """Everything a template may use. Plain strings are escaped when printed."""
    inc = state.incident
    triage = facts.triage_answers(state, playbook)
    service, symptom = facts.service_and_symptom(state, triage)
    m = metrics_module.compute(state, now, playbook)
    events = live(state)
    pinned = [e for e in events if e.pinned]
    since = facts.since_last_internal(state, playbook)
    # Time order: an action logged with --at lands before the decision logged just before it.
    team = facts.people(state)
    done_events = sorted(
        (e for e in events if e.kind in DOING_KINDS or facts.team_change(state, e, team)),
        key=lambda e: metrics_module.aware(e.ts),
    )
    doing_events, doing_earlier, doing_is_context = _doing(done_events, since)
    doing = [facts.with_time(e) for e in doing_events]
    hypothesis = facts.latest_hypothesis(state)
    start = m.start or inc.declared_at
    # Impact ends at the restore that held: after a reopen, the one since (the time to mitigate
    # keeps the first); never restored, the resolution.
    restored_now = metrics_module.restored_now(state)
    impact_end = restored_now or (inc.resolved_at if inc.status == "resolved" else None)
    # A playbook impact by its label; the commander's own words (`declare --impact`) as they are.
    impact_label = details.impact_label(playbook, inc.impact) or None
    # A change the team made is in "what we're doing" (and what was tried), not repeated here.
    known = [
        e for e in pinned if e.kind in KNOW_KINDS and e is not hypothesis and not facts.team_change(state, e, team)
    ]
    key_events = [
        e
        for e in events
        if (e.pinned and e.kind not in LEARNED_KINDS and e.kind not in DOING_KINDS and e.kind != "hypothesis")
        or e.kind in ("restored", "resolved", "reopened")
        or (e.kind == "severity" and e.data.get("old") is not None)
    ]
    phases, milestones = gantt(state, playbook, now)
    # The level the service came back at, and the one in force now when it changed after.
    levels = [e for e in events if e.kind == "mitigation"]
    mitigation = metrics_module.mitigation_now(state)
    reopened = metrics_module.reopened_at(state) if restored_now is None and inc.status != "resolved" else None
    affected = triage.get("affected")
    impact_said = facts.impact_said(state, playbook)
    at_restore = [e for e in levels if inc.restored_at is not None and e.ts <= inc.restored_at]
    fixes = facts.temp_fixes(state)
    promised = facts.next_update_at(state, playbook, now)
    return {
        "incident": inc,
        "title": inc.title,
        "id": inc.id,
        "severity": inc.severity,
        "highest_severity": facts.highest_severity(state),
        "declared_severity": facts.declared_severity(state),
        "phase": playbook.phase_name(inc.phase),
        "phase_key": inc.phase,
        # The team's name for each phase role: "the {{ phase_names.fix }} phase".
        "phase_names": {role: playbook.phase(key).name for role, key in playbook.phase_roles.items()},
        "resolved": inc.status == "resolved",
        # Restored as it stands now: a reopen since the restore undoes it (metrics.restored_now).
        "restored": restored_now is not None,
        "restored_now": hm(restored_now) if restored_now else None,
        # The latest reopen, while service is not restored since and the incident is open.
        "reopened_at": hm(reopened) if reopened else None,
        "status": facts.status_word(state, playbook),
        "current_state": facts.current_state(state, playbook),
        # The level in force: one set before the latest reopen no longer holds (metrics.mitigation_now).
        "mitigation": _level_name(playbook, mitigation),
        "restored_as": _level_name(playbook, str(at_restore[-1].data.get("level"))) if at_restore else None,
        "mitigation_since": hm(levels[-1].ts) if levels and mitigation else None,
        "triage": triage,
        # The internal update's "what we know": the answers its Impact line does not already say
        # (who is affected always is; how bad, when it reads as the impact recorded).
        "triage_known": {
            key: answer
            for key, answer in triage.items()
            if playbook.question_role(key) != "affected"
            and not (
                impact_said and playbook.question_role(key) == "how_bad" and answer.casefold() == impact_said.casefold()
            )
        },
        "service": service,
        "service_or_title": service or inc.title,  # internal documents only: a title may be internal
        "symptom": symptom,
        # Public texts: the impact in the commander's own words, else the symptom (facts.users_see).
        "users_see": facts.users_see(state, playbook, symptom),
        "affected": affected,
        # The current impact and % affected ("All users (60%)"), and the "Who's affected?"
        # words when they say more than it.
        "impact_said": impact_said,
        "affected_also": affected
        if affected and (not impact_said or affected.casefold() not in impact_said.casefold())
        else None,
        "all_affected": facts.all_affected(state, playbook),
        "impact_label": impact_label,
        "impact_pct": inc.impact_pct,
        "workaround": facts.workaround(state),
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
        "know": [facts.labelled(e) for e in known],
        "doing": doing,
        "doing_is_pinned": any(e.pinned for e in doing_events),
        "doing_is_context": doing_is_context,
        # New actions/decisions left out of `doing` (the NEW_ACTIONS cap): on the timeline.
        "doing_earlier": doing_earlier,
        "last_update_number": inc.updates_sent,
        "key_events": [facts.with_time(e) for e in key_events],
        # The handoff's "what happened": symptoms, alerts, changes, declaration, key events.
        "happened": facts.happened(state, key_events),
        # The internal update's "what we know": when it started (and after which change),
        # and the alerts seen (pinned ones are in `know`).
        "started_after": None if triage.get("started") else facts.started_after(state, playbook),
        "seen": facts.seen(state, known),
        "tried": [facts.with_time(e) for e in done_events],
        "learned": [
            facts.with_time(e) for e in pinned if e.kind in LEARNED_KINDS and not facts.team_change(state, e, team)
        ],
        "hypothesis": facts.said(hypothesis) if hypothesis else None,
        "hypothesis_at": hm(hypothesis.ts) if hypothesis else None,
        "next_steps": facts.next_steps(state, playbook),
        "contacts": facts.contacts(state),
        "temp_fixes": fixes,
        "temp_fixes_in_place": [f for f in fixes if f.in_place],
        "temporary": facts.temporary_measures(state, playbook),
        "permanent": facts.permanent_fix(state, playbook),
        "sections": facts.sections(state, playbook),
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


def _doing(done: list[Event], since: datetime | None) -> tuple[list[Event], int, bool]:
    """The internal update's "what we're doing" from the actions/decisions `done` (in time
    order): every pinned one, and the latest NEW_ACTIONS done since the previous internal
    update (or since the start, for update #1), once each, in time order; and how many new
    ones that leaves out. With nothing new since the previous update: the pinned ones and
    the latest RECENT_ACTIONS overall, as context (the third value), so an update read alone
    still says what has been done."""
    aware = metrics_module.aware
    new = [e for e in done if since is None or aware(e.ts) > aware(since)]
    is_context = not new and since is not None and bool(done)
    pool, cap = (done, RECENT_ACTIONS) if is_context else (new, NEW_ACTIONS)
    unpinned = [e for e in pool if not e.pinned]
    shown = unpinned[-cap:]
    earlier = 0 if is_context else len(unpinned) - len(shown)
    chosen = {id(e) for e in shown} | {id(e) for e in done if e.pinned}
    return [e for e in done if id(e) in chosen], earlier, is_context


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


def render(kind: str, state: IncidentState, playbook: Playbook, now: datetime, *, number: int | None = None) -> str:
    """One document as Markdown. Pure: the same state and clock give the same text."""
    ctx = context(state, playbook, now, number)
    if kind == "timeline":
        lines: list[Markup] = []
        timeline_lines(state.events, playbook, lines, [date.fromisoformat(ctx["date"])])
        ctx["lines"] = lines
    return _render(kind, ctx, playbook)


async def render_from_store(kind: str, store, incident_id: str, playbook: Playbook, now: datetime | None = None) -> str:
    """Load the state and render; the timeline streams every event, not just the loaded ones."""
    state = await store.load_state(incident_id)
    now = now or store.clock()
    if kind != "timeline":
        return render(kind, state, playbook, now)
    ctx = context(state, playbook, now)
    lines: list[Markup] = []
    previous = [date.fromisoformat(ctx["date"])]  # the day the incident started: no date line for it
    async for batch in store.iter_events(incident_id):
        timeline_lines(batch, playbook, lines, previous)
    ctx["lines"] = lines
    ctx["events_truncated"] = False
    return _render(kind, ctx, playbook)


__all__ = [
    "DOCUMENT_KINDS",
    "document_kinds",
    "document_specs",
    "render",
    "render_from_store",
]
