"""The red-flag engine and the phase-advance guard: pure functions of (state, playbook, now).

Each playbook `red_flags` entry names a rule in `RULES`; the words (thought, reality,
action), the phases a flag applies in and every threshold are playbook data. A rule looks
at the incident state and returns a `Hit` (why it fires now, which condition instance it
is, how loud) or None. `check_all` turns hits into `Prompt`s; `evaluate` then drops the
ones the commander acknowledged, dismissed (until the condition changes, i.e. the
fingerprint differs) or snoozed (until the snooze ends).

The war room runs these every few seconds, so a rule never raises: a rule that fails on
some odd state is skipped for that round. Struck events never count.
Domain layer: imports nothing from Textual.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from warroom.core.errors import PlaybookError
from warroom.core.metrics import aware, compute, is_containment_decision, live_events
from warroom.core.models import Event, FlagDecision, IncidentState
from warroom.core.playbook import Answered, Phase, Playbook, TriageQuestion
from warroom.core.safetext import one_line
from warroom.core.timeutil import duration, hm

Level = Literal["warning", "error"]

# Words that mean the change is being undone: "rollback", "rolled back", "revert", "undo".
ROLLBACK_RE = re.compile(r"\b(roll(?:ed|ing|s)?[\s-]*back\w*|revert\w*|undo\w*|undid)\b", re.IGNORECASE)
# A fix being tried: "trying a fix", "try patch", "attempting hotfix", or any hotfix.
_TRY_RE = re.compile(r"\b(try|tries|trying|tried|attempt\w*|testing)\b", re.IGNORECASE)
_FIX_RE = re.compile(r"\b(fix\w*|patch\w*|hotfix\w*|hot-fix\w*)\b", re.IGNORECASE)
_HOTFIX_RE = re.compile(r"\bhot-?fix\w*\b", re.IGNORECASE)
# Event kinds in which a person records doing or deciding something.
_DOING_KINDS = ("action", "decision")
# How much of an event's text a prompt quotes.
QUOTE_CHARS = 60
# Everything but letters and digits at either end of a triage answer ("None." is "none").
_ANSWER_EDGES_RE = re.compile(r"^[\W_]+|[\W_]+$")


@dataclass(frozen=True)
class Hit:
    """What a rule reports: why it fires now, which condition instance, how loud."""

    detail: str
    fingerprint: str
    level: Level = "warning"


@dataclass(frozen=True)
class Prompt:
    """A red flag to show the commander now."""

    flag_id: str
    rule: str
    thought: str
    reality: str
    action: str
    detail: str
    fingerprint: str
    level: Level


Rule = Callable[[IncidentState, Playbook, datetime], Hit | None]


# ----- helpers --------------------------------------------------------------------------


def _quote(event: Event) -> str:
    return "'" + one_line(event.shown_text, QUOTE_CHARS) + "'"


def _iso(dt: datetime | None) -> str:
    return aware(dt).isoformat() if dt is not None else "-"


def _impact_active(state: IncidentState) -> bool:
    """Users are still affected: not restored, not resolved."""
    inc = state.incident
    return inc.status == "open" and inc.restored_at is None and inc.resolved_at is None


def _current_phase(state: IncidentState) -> str:
    span = state.current_phase_span()
    return span.phase if span is not None else state.incident.phase


def _phase_spec(playbook: Playbook, key: str) -> Phase | None:
    try:
        return playbook.phase(key)
    except KeyError:
        return None


# The containment situation a rollback answers (its key is `situation_key(BAD_DEPLOY)`).
BAD_DEPLOY = "bad_deploy"
# The document whose sending is a status page update (for done_when = "status_update_sent").
STATUS_DOCUMENT = "status"


def is_rollback(event: Event, playbook: Playbook | None) -> bool:
    """An event that records undoing a change, decided or started: see
    `is_rollback_decision` and `is_rollback_started`."""
    return is_rollback_decision(event, playbook) or is_rollback_started(event)


def is_rollback_decision(event: Event, playbook: Playbook | None) -> bool:
    """A decision to roll back: a containment decision for the playbook's `bad_deploy`
    situation or whose playbook action is a rollback, or a decision whose text says
    rollback/revert/undo. (Without a playbook, the shipped situation key is assumed.)"""
    if event.struck:
        return False
    if is_containment_decision(event):
        key = event.data.get("containment")
        bad_deploy = playbook.situation_key(BAD_DEPLOY) if playbook is not None else BAD_DEPLOY
        if key == bad_deploy:
            return True
        if isinstance(key, str) and playbook is not None:
            try:
                if ROLLBACK_RE.search(playbook.containment_for(key).action):
                    return True
            except KeyError:
                pass
    if event.kind in ("decision", "containment"):
        return bool(ROLLBACK_RE.search(event.shown_text))
    return False


def is_rollback_started(event: Event) -> bool:
    """A rollback logged as happening: an action or change whose text says it rolled back,
    is rolling back, reverted or undid ("Rollback initiated", "kubectl rollout undo")."""
    if event.struck:
        return False
    return event.kind in ("action", "change") and bool(ROLLBACK_RE.search(event.shown_text))


def is_fix_attempt(event: Event) -> bool:
    """A hypothesis, or an action/decision saying a fix is being tried."""
    if event.struck:
        return False
    if event.kind == "hypothesis":
        return True
    if event.kind not in _DOING_KINDS:
        return False
    text = event.shown_text
    if ROLLBACK_RE.search(text):
        return False  # "try a rollback" is the advice, not the danger
    return bool(_HOTFIX_RE.search(text) or (_TRY_RE.search(text) and _FIX_RE.search(text)))


def _normal_answer(text: str) -> str:
    return _ANSWER_EDGES_RE.sub("", " ".join(text.replace("\u2019", "'").casefold().split()))


def _has_word(said: str, word: str, *, whole: bool) -> bool:
    """Whether normalised `said` holds `word` at the start of a word (and, if `whole`, at its end)."""
    end = r"(?!\w)" if whole else ""
    return re.search(r"(?<!\w)" + re.escape(_normal_answer(word)) + end, said) is not None


def _begins_with(said: str, phrase: str) -> bool:
    """Whether normalised `said` opens with the whole words of `phrase` ("no deploy" does
    not open "no deployments")."""
    return said.startswith(phrase) and not said[len(phrase) : len(phrase) + 1].isalnum()


def is_non_answer(
    text: str, non_answers: Iterable[str], prefixes: Iterable[str] = (), contrast: Iterable[str] = ()
) -> bool:
    """A triage answer that says nothing ("None.", "unknown", or only punctuation).

    `non_answers` must be the whole answer. A phrase of `prefixes` need only open it
    ("nothing changed, no deploys today"), so that list never holds a bare "no" or "none"
    ("none of the nodes upgraded" is an answer); and an answer that goes on with a word of
    `contrast` ("no deploys, but a config push at 14:28") is a real answer after all.
    """
    said = _normal_answer(text)
    if not said or said in {_normal_answer(word) for word in non_answers}:
        return True
    for prefix in prefixes:
        opening = _normal_answer(prefix)
        if opening and _begins_with(said, opening):
            rest = said[len(opening) :]
            return not any(_has_word(rest, word, whole=True) for word in contrast)
    return False


def names_undoable(text: str, question: TriageQuestion) -> bool:
    """Whether an answer to a change question names something a rollback can undo: a word
    beginning with one of its `undoable_words` or text matching its `undoable_pattern`.
    A question with neither counts every answer."""
    if not question.undoable_words and question.undoable_pattern is None:
        return True
    said = _normal_answer(text)
    if any(_has_word(said, word, whole=False) for word in question.undoable_words):
        return True
    pattern = question.undoable_pattern
    return pattern is not None and re.search(pattern, text, re.IGNORECASE) is not None


def triage_answer(
    state: IncidentState, question: str, non_answers: Iterable[str], asked: TriageQuestion | None = None
) -> Event | None:
    """The live answer to a triage question, unless it is missing or says nothing.

    The declare screen logs one `triage` event per answered question; a correction
    amends it, so the latest live one is the answer. `asked`, the question itself, adds
    its own `non_answer_prefixes` and `contrast_words`.
    """
    latest = None
    for event in live_events(state):
        if event.kind == "triage" and event.data.get("question") == question:
            latest = event
    if latest is None:
        return None
    prefixes = asked.non_answer_prefixes if asked is not None else ()
    contrast = asked.contrast_words if asked is not None else ()
    if is_non_answer(latest.shown_text, non_answers, prefixes, contrast):
        return None
    return latest


def _answered_changes(state: IncidentState, playbook: Playbook) -> list[Event]:
    """Real answers to the triage questions the playbook marks `counts_as_change` that
    name something a rollback can undo (a logged `change` event needs no such word: the
    commander called it a change)."""
    changes = []
    for question in playbook.triage:
        if not question.counts_as_change:
            continue
        answer = triage_answer(state, question.key, playbook.non_answers, question)
        if answer is not None and names_undoable(answer.shown_text, question):
            changes.append(answer)
    return changes


def _question(playbook: Playbook, event: Event) -> str:
    key = event.data.get("question")
    return next((q.question for q in playbook.triage if q.key == key), str(key))


def _undoes(rollback: Event, change: Event) -> bool:
    """Whether a rollback comes after the change it would undo.

    A triage answer is timed at the declaration but names a change made before it, so a
    rollback written after the answer counts even when backdated to before the declaration.
    """
    if aware(rollback.ts) >= aware(change.ts):
        return True
    return change.kind == "triage" and aware(rollback.recorded_at) >= aware(change.recorded_at)


def _mitigation_recorded(state: IncidentState) -> bool:
    inc = state.incident
    return inc.mitigation is not None or inc.restored_at is not None


# ----- the rules ------------------------------------------------------------------------


def recent_change_no_rollback(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """A change shortly before the symptoms or the declaration, and nothing undone yet.

    A change is a logged `change` event, or a real answer to the triage question the
    playbook marks `counts_as_change` ("What changed?") that names something a rollback
    can undo (a deploy, a config push; not a traffic spike), timed when it was answered.
    """
    inc = state.incident
    if not _impact_active(state) or _mitigation_recorded(state):
        return None
    window = timedelta(minutes=playbook.thresholds.recent_change_minutes)
    anchors = [a for a in (aware(inc.started_at), aware(inc.declared_at)) if a is not None]
    events = live_events(state)
    logged = [e for e in events if e.kind == "change" and not is_rollback(e, playbook)]
    candidates = [*logged, *_answered_changes(state, playbook)]
    suspects = [e for e in candidates if any(a - window <= aware(e.ts) <= a for a in anchors)]
    if not suspects:
        return None
    change = max(suspects, key=lambda e: aware(e.ts))
    if any(is_rollback_started(e) and _undoes(e, change) for e in events):
        return None
    if change.kind == "triage":
        parts = [f"change {_quote(change)} (answer to '{_question(playbook, change)}')"]
    else:
        parts = [f"change {_quote(change)} logged {hm(change.ts)}"]
    decided = [e for e in events if is_rollback_decision(e, playbook) and _undoes(e, change)]
    if decided:
        # Deciding is not doing: the flag stays, quieter, until the rollback is logged as started.
        first = min(decided, key=lambda e: aware(e.ts))
        parts.append(f"rollback decided at {hm(first.ts)}: log when it starts")
        return Hit(", ".join(parts), f"decided:{change.id}", "warning")
    if inc.started_at is not None:
        parts.append(f"symptoms {hm(inc.started_at)}")
    parts.append(f"declared {hm(inc.declared_at)}")
    parts.append("no rollback yet")
    return Hit(", ".join(parts), f"change:{change.id}", "error")


def diagnosing_unmitigated(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """Looking for the cause while users still suffer and nothing mitigates it."""
    if not _impact_active(state) or _mitigation_recorded(state):
        return None
    span = state.current_phase_span()
    phase = _current_phase(state)
    since = f" since {hm(span.entered_at)}" if span is not None else ""
    clocks = compute(state, now, playbook)
    impact = f", impact for {duration(clocks.since_start)}" if clocks.since_start is not None else ""
    entered = _iso(span.entered_at) if span is not None else "-"
    return Hit(
        f"in {playbook.phase_name(phase)}{since}, no mitigation recorded{impact}",
        f"phase:{phase}:{entered}",
        "error",
    )


def fix_before_restore(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """A hypothesis or a fix being tried while service is not yet restored."""
    if not _impact_active(state):
        return None
    attempts = [e for e in live_events(state) if is_fix_attempt(e)]
    if not attempts:
        return None
    latest = max(attempts, key=lambda e: aware(e.ts))
    what = "hypothesis" if latest.kind == "hypothesis" else "fix"
    return Hit(
        f"{what} {_quote(latest)} logged {hm(latest.ts)}, service not restored yet",
        f"attempt:{latest.id}",
        "error",
    )


def speed_phase_overrun(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """Longer in a speed phase than its time box."""
    if state.incident.status != "open":
        return None
    span = state.current_phase_span()
    if span is None:
        return None
    spec = _phase_spec(playbook, span.phase)
    if spec is None or spec.mode != "speed" or spec.timebox_minutes is None:
        return None
    in_phase = compute(state, now, playbook).in_phase
    box = timedelta(minutes=spec.timebox_minutes)
    if in_phase is None or in_phase <= box:
        return None
    return Hit(
        f"in {spec.name} for {duration(in_phase)} (since {hm(span.entered_at)}), time box {duration(box)}",
        f"overrun:{span.phase}:{_iso(span.entered_at)}",
        "warning",
    )


def severity_lowered_while_impacted(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """The last severity change lowered it (a higher SEV number) while users still suffer."""
    if not _impact_active(state) or not state.severity_history:
        return None
    last = state.severity_history[-1]
    if last.old is None or last.new <= last.old:
        return None
    who = f" by {one_line(last.by, 30)}" if last.by else ""
    return Hit(
        f"SEV-{last.old} → SEV-{last.new} at {hm(last.at)}{who}, service not restored yet",
        f"severity:{_iso(last.at)}:{last.old}>{last.new}",
        "warning",
    )


def status_update_overdue(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """The next status update is past due.

    Due at `incident.next_update_at`; when none is set, one cadence of the current
    severity after the last update sent (or the declaration).
    """
    inc = state.incident
    if inc.status != "open":
        return None
    try:
        cadence: timedelta | None = timedelta(minutes=playbook.severity(inc.severity).update_every_minutes)
    except KeyError:
        cadence = None
    due = aware(inc.next_update_at)
    if due is None:
        if cadence is None:
            return None
        due = aware(state.last_comms_at or inc.declared_at) + cadence
    now = aware(now)
    if now <= due:
        return None
    late = now - due
    every = f" (SEV-{inc.severity}: every {duration(cadence)})" if cadence is not None else ""
    # Missing a whole cycle is no longer a reminder: stakeholders have heard nothing.
    level: Level = "error" if cadence is not None and late >= cadence else "warning"
    return Hit(f"update was due {hm(due)}, {duration(late)} overdue{every}", f"due:{_iso(due)}", level)


def temp_fixes_in_place(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """Temporary fixes still in place (the phases it applies in come from the playbook)."""
    fixes = [f for f in state.temp_fixes if f.in_place]
    if not fixes:
        return None
    named = []
    for fix in fixes[:3]:
        ticket = f" ({one_line(fix.ticket, 20)})" if fix.ticket else ""
        named.append(f"'{one_line(fix.what, 40)}'{ticket}")
    more = f" and {len(fixes) - 3} more" if len(fixes) > 3 else ""
    noun = "temporary fix" if len(fixes) == 1 else "temporary fixes"
    ids = ",".join(sorted(f.id for f in fixes))
    return Hit(
        f"{len(fixes)} {noun} still in place: {', '.join(named)}{more}",
        f"tempfix:{_current_phase(state)}:{ids}",
        "warning",
    )


def _commander_since(state: IncidentState) -> datetime:
    """When the current commander took over: the last handoff or commander role change."""
    since = aware(state.incident.declared_at)
    for event in live_events(state):
        took_over = event.kind == "handoff" or (event.kind == "role" and event.data.get("role") == "commander")
        if took_over and aware(event.ts) > since:
            since = aware(event.ts)
    return since


def commander_needs_handoff(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """Nobody in command, or the same commander for longer than a shift."""
    inc = state.incident
    if inc.status != "open":
        return None
    if not inc.commander.strip():
        return Hit("no incident commander named", "commander:none", "error")
    since = _commander_since(state)
    on_shift = aware(now) - since
    shift = timedelta(hours=playbook.thresholds.commander_shift_hours)
    if on_shift <= shift:
        return None
    return Hit(
        f"{one_line(inc.commander, 30)} in command since {hm(since)} ({duration(on_shift)}), "
        f"no handoff (shift limit {duration(shift)})",
        f"commander:{inc.commander}:{_iso(since)}",
        "warning",
    )


def logged_after_resolution(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """A resolved incident with something logged after its resolution: an event a script or
    hook wrote into it (`after_resolution`), or an alert. It may be coming back."""
    inc = state.incident
    if inc.status != "resolved":
        return None
    resolved = aware(inc.resolved_at)
    late = [
        e
        for e in live_events(state)
        if e.data.get("after_resolution")
        or (e.kind == "alert" and resolved is not None and aware(e.recorded_at) > resolved)
    ]
    if not late:
        return None
    latest = max(late, key=lambda e: (aware(e.recorded_at), e.id))
    more = f" ({len(late)} in all)" if len(late) > 1 else ""
    level: Level = "error" if any(e.kind == "alert" for e in late) else "warning"
    return Hit(
        f"{latest.kind} {_quote(latest)} logged {hm(latest.ts)}, after the resolution at {hm(resolved)}{more}",
        f"after:{latest.id}",
        level,
    )


# What each register changed apart is called in a flag, in the order the flag names them.
APART_NAMES = {"severity": "Severity", "phase": "Phase", "role:commander": "Commander"}


def apart_value(register: str, event: Event, playbook: Playbook | None = None) -> str:
    """What one competing change set the register to: SEV-1, a phase's name, a commander."""
    d = event.data
    if register == "severity":
        return f"SEV-{d.get('new')}"
    if register == "phase":
        key = str(d.get("new", ""))
        try:
            return playbook.phase_name(key) if playbook is not None else key
        except KeyError:
            return key
    return one_line(str(d.get("to") or d.get("name") or ""), 30)


def apart_version(register: str, event: Event, hosts: Iterable[str], playbook: Playbook | None = None) -> str:
    """One competing change, named: `SEV-1 by dana on laptop-a at 14:32`."""
    from warroom.core.hosts import by_whom

    return f"{apart_value(register, event, playbook)} by {by_whom(one_line(event.author, 30), event.host, hosts)} at {hm(event.ts)}"


def changed_apart(state: IncidentState, playbook: Playbook, now: datetime) -> Hit | None:
    """Severity, phase or commander changed on two laptops while they were apart (the state's
    `conflicts`): both changes named until someone confirms one (a change made after seeing both)."""
    found = [(r, state.conflicts[r]) for r in APART_NAMES if len(state.conflicts.get(r, ())) > 1]
    if not found:
        return None
    hosts = {e.host for _, versions in found for e in versions if e.host}
    parts = [
        f"{APART_NAMES[r]}: " + " · ".join(apart_version(r, e, hosts, playbook) for e in versions)
        for r, versions in found
    ]
    fingerprint = "apart:" + ",".join(sorted(e.id for _, versions in found for e in versions))
    return Hit("; ".join(parts), fingerprint, "error")


RULES: dict[str, Rule] = {
    "recent_change_no_rollback": recent_change_no_rollback,
    "diagnosing_unmitigated": diagnosing_unmitigated,
    "fix_before_restore": fix_before_restore,
    "speed_phase_overrun": speed_phase_overrun,
    "severity_lowered_while_impacted": severity_lowered_while_impacted,
    "status_update_overdue": status_update_overdue,
    "temp_fixes_in_place": temp_fixes_in_place,
    "commander_needs_handoff": commander_needs_handoff,
    "logged_after_resolution": logged_after_resolution,
    "changed_apart": changed_apart,
}


# ----- the engine -----------------------------------------------------------------------


def validate(playbook: Playbook) -> None:
    """Refuse a playbook whose red flags name a rule or a phase that does not exist."""
    where = playbook.source or "(built in code)"
    phases = set(playbook.phase_keys)
    for n, flag in enumerate(playbook.red_flags):
        if flag.rule not in RULES:
            known = ", ".join(sorted(RULES))
            raise PlaybookError(
                f"playbook {where}: field red_flags.{n}.rule: unknown rule {flag.rule!r} (known: {known})"
            )
        for m, phase in enumerate(flag.phases):
            if phase not in phases:
                raise PlaybookError(
                    f"playbook {where}: field red_flags.{n}.phases.{m}: unknown phase {phase!r}"
                    f" (phases: {', '.join(playbook.phase_keys)})"
                )
    questions = [q.key for q in playbook.triage]
    for n, phase_spec in enumerate(playbook.phases):
        for m, item in enumerate(phase_spec.items):
            if isinstance(item.done_when, Answered) and item.done_when.triage not in questions:
                raise PlaybookError(
                    f"playbook {where}: field phases.{n}.items.{m}.done_when: unknown triage question"
                    f" {item.done_when.triage!r} (questions: {', '.join(questions)})"
                )


def check_all(
    state: IncidentState, playbook: Playbook, now: datetime, on_error: Callable[[str, Exception], None] | None = None
) -> list[Prompt]:
    """Every red flag firing now, before the commander's decisions are applied.

    Errors come first, then the playbook's order. A rule that raises is skipped and, when
    `on_error` is given, reported to it by flag id; the other rules still run.
    """
    prompts: list[Prompt] = []
    try:
        phase = _current_phase(state)
    except Exception:
        return prompts
    for flag in playbook.red_flags:
        rule = RULES.get(flag.rule)
        if rule is None or (flag.phases and phase not in flag.phases):
            continue
        try:
            hit = rule(state, playbook, now)
        except Exception as exc:
            # A rule that trips over some odd state stays silent this round; the screen
            # re-evaluates every few seconds and must never crash on the commander.
            if on_error is not None:
                on_error(flag.id, exc)
            continue
        if hit is not None:
            prompts.append(
                Prompt(
                    flag_id=flag.id,
                    rule=flag.rule,
                    thought=flag.thought,
                    reality=flag.reality,
                    action=flag.action,
                    detail=hit.detail,
                    fingerprint=hit.fingerprint,
                    level=hit.level,
                )
            )
    prompts.sort(key=lambda p: p.level != "error")
    return prompts


def decision_for(state: IncidentState, prompt: Prompt) -> FlagDecision | None:
    """The commander's latest decision about this flag (recorded by flag id or rule name)."""
    latest = None
    for decision in state.flags:
        if decision.rule in (prompt.flag_id, prompt.rule):
            latest = decision
    return latest


def is_quiet(decision: FlagDecision | None, prompt: Prompt, playbook: Playbook, now: datetime) -> bool:
    """Whether a decision silences the prompt now."""
    if decision is None:
        return False
    if decision.action in ("ack", "dismiss"):
        return decision.fingerprint == prompt.fingerprint
    if decision.action == "snooze":
        until = decision.until
        if until is None:  # a snooze written without an end lasts the shortest snooze
            until = decision.at + timedelta(minutes=min(playbook.thresholds.snooze_minutes))
        return aware(now) < aware(until)
    return False


def evaluate(
    state: IncidentState, playbook: Playbook, now: datetime, on_error: Callable[[str, Exception], None] | None = None
) -> list[Prompt]:
    """The prompts to show now: firing, and not silenced by the commander's decisions."""
    shown = []
    for prompt in check_all(state, playbook, now, on_error):
        try:
            quiet = is_quiet(decision_for(state, prompt), prompt, playbook, now)
        except Exception:
            quiet = False  # when in doubt, show the flag
        if not quiet:
            shown.append(prompt)
    return shown


# ----- the phase checklist and the advance guard ----------------------------------------


def item_evidence(
    state: IncidentState, done_when: str | Answered | None, playbook: Playbook | None = None
) -> datetime | None:
    """When the timeline itself showed a checklist item done (its `done_when`), or None.

    `playbook` names the status and postmortem documents and the bad-deploy situation (by
    their roles); without one, the shipped keys are assumed. What each word reads:
    - rollback_logged: a rollback decided or started ("Can we roll back?" answered by doing it).
    - roles_and_update: a role assigned and an update sent ("Who needs to know?").
    - containment_action: an action or change logged at or after the first containment
      decision, or a rollback logged as started.
    - temp_fixes_ticketed / temp_fixes_removed: at least one temporary fix, and every one
      has a ticket / none is still in place.
    - hypothesis_logged: a hypothesis on the timeline.
    - start_known: when impact started is recorded, and detection is known (given or an alert).
    - root_cause_written / postmortem_written: the postmortem's root cause (and summary) saved.
    - actions_owned: action items, every one with an owner and a due date.
    - postmortem_shared: the postmortem copied out (logged as sent).
    """
    if done_when is None:
        return None
    if isinstance(done_when, Answered):
        answer = triage_answer(state, done_when.triage, done_when.non_answers, done_when.asked)
        return answer.ts if answer is not None else None
    if done_when == "service_restored":
        return state.incident.restored_at
    special = _EVIDENCE.get(done_when)
    if special is not None:
        return special(state, playbook)
    status = playbook.document_key(STATUS_DOCUMENT) if playbook is not None else STATUS_DOCUMENT
    for event in state.events:
        if event.struck:
            continue
        if done_when == "containment_logged" and is_containment_decision(event):
            return event.ts
        if done_when == "mitigation_set" and event.kind == "mitigation":
            return event.ts
        if done_when == "update_sent" and event.kind == "comms":
            return event.ts
        if done_when == "status_update_sent" and event.kind == "comms" and event.data.get("document") == status:
            return event.ts
    return None


def _first(events: Iterable[Event]) -> datetime | None:
    return min((aware(e.ts) for e in events), default=None)


def _rollback_logged(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    return _first(e for e in live_events(state) if is_rollback(e, playbook))


def _roles_and_update(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    events = live_events(state)
    role = _first(e for e in events if e.kind == "role")
    update = _first(e for e in events if e.kind == "comms")
    return max(role, update) if role is not None and update is not None else None


def _containment_action(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    events = live_events(state)
    decided = _first(e for e in events if is_containment_decision(e))
    return _first(
        e
        for e in events
        if is_rollback_started(e) or (decided is not None and e.kind in ("action", "change") and aware(e.ts) >= decided)
    )


def _temp_fixes_ticketed(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    fixes = state.temp_fixes
    if not fixes or not all(f.ticket.strip() for f in fixes):
        return None
    return max(aware(f.added_at) for f in fixes)


def _temp_fixes_removed(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    fixes = state.temp_fixes
    if not fixes or any(f.in_place for f in fixes):
        return None
    return max(aware(f.removed_at or f.added_at) for f in fixes)


def _hypothesis_logged(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    return _first(e for e in live_events(state) if e.kind == "hypothesis")


def _start_known(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    from warroom.core.metrics import detection

    inc = state.incident
    if inc.started_at is None or detection(state)[1] not in ("given", "first alert"):
        return None
    said = [e for e in live_events(state) if e.kind in ("declared", "details", "triage") and e.data.get("started_at")]
    return max((aware(e.recorded_at) for e in said), default=aware(inc.declared_at))


def _sections_written(state: IncidentState, keys: tuple[str, ...]) -> datetime | None:
    prefix = "postmortem."
    if not all(state.postmortem.get(key, "").strip() for key in keys):
        return None
    times = [aware(state.drafts_at[prefix + key]) for key in keys if prefix + key in state.drafts_at]
    return max(times, default=aware(state.incident.declared_at))


def _actions_owned(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    items = state.action_items
    if not items or not all(a.owner.strip() and a.due.strip() for a in items):
        return None
    return max(aware(a.created_at) for a in items)


def _postmortem_shared(state: IncidentState, playbook: Playbook | None) -> datetime | None:
    key = playbook.document_key("postmortem") if playbook is not None else "postmortem"
    return _first(e for e in live_events(state) if e.kind == "comms" and e.data.get("document") == key)


_EVIDENCE: dict[str, Callable[[IncidentState, Playbook | None], datetime | None]] = {
    "rollback_logged": _rollback_logged,
    "roles_and_update": _roles_and_update,
    "containment_action": _containment_action,
    "temp_fixes_ticketed": _temp_fixes_ticketed,
    "temp_fixes_removed": _temp_fixes_removed,
    "hypothesis_logged": _hypothesis_logged,
    "start_known": _start_known,
    "root_cause_written": lambda state, playbook: _sections_written(state, ("root_cause",)),
    "postmortem_written": lambda state, playbook: _sections_written(state, ("summary", "root_cause")),
    "actions_owned": _actions_owned,
    "postmortem_shared": _postmortem_shared,
}


def item_answer(state: IncidentState, done_when: str | Answered | None) -> str | None:
    """What the timeline answered for an `answered:KEY` item (shown under it), else None."""
    if not isinstance(done_when, Answered):
        return None
    answer = triage_answer(state, done_when.triage, done_when.non_answers, done_when.asked)
    return answer.shown_text.strip() if answer is not None else None


def item_done(
    state: IncidentState,
    phase: str,
    item_id: str,
    requires: str | None = None,
    done_when: str | Answered | None = None,
    playbook: Playbook | None = None,
) -> bool:
    """Ticked (or shown done by the timeline), and what it requires holds (no temporary fix in place)."""
    mark = state.checklist.get(f"{phase}:{item_id}")
    ticked = mark is not None and mark.done
    if not ticked and item_evidence(state, done_when, playbook) is None:
        return False
    if requires == "no_temp_fixes" and any(f.in_place for f in state.temp_fixes):
        return False
    return True


def phase_progress(state: IncidentState, playbook: Playbook) -> dict[str, tuple[int, int]]:
    """Every playbook phase -> (items done, items in total)."""
    return {
        phase.key: (
            sum(item_done(state, phase.key, item.id, item.requires, item.done_when, playbook) for item in phase.items),
            len(phase.items),
        )
        for phase in playbook.phases
    }


def advance_warning(state: IncidentState, playbook: Playbook, target_phase: str) -> str | None:
    """What to ask before leaving the current phase for `target_phase`, or None.

    None when every item of the current phase is done, or when going back. A speed phase
    gets a gentle note (speed first, skipping is fine); a thoroughness phase a firm one.
    """
    current = _phase_spec(playbook, state.incident.phase)
    if current is None or target_phase == current.key:
        return None
    keys = playbook.phase_keys
    if target_phase in keys and keys.index(target_phase) < keys.index(current.key):
        return None
    missing = [
        item
        for item in current.items
        if not item_done(state, current.key, item.id, item.requires, item.done_when, playbook)
    ]
    if not missing:
        return None
    total = len(current.items)
    if current.mode == "speed":
        return f"{len(missing)} of {total} {current.name} items unticked — speed first, you may skip"
    listed = "; ".join(item.text for item in missing[:3])
    if len(missing) > 3:
        listed += f" and {len(missing) - 3} more"
    blocked = [f for f in state.temp_fixes if f.in_place]
    fixes = ""
    if blocked and any(item.requires == "no_temp_fixes" for item in missing):
        fixes = f" ({len(blocked)} temporary fix{'es' if len(blocked) > 1 else ''} still in place)"
    return (
        f"{current.name} is not finished: {len(missing)} of {total} items unticked{fixes} ({listed}). "
        f"{current.name} is about thoroughness — leave it only on purpose."
    )
