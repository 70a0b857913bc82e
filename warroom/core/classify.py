"""What the timeline's words mean: a rollback decided or started, a fix being tried, a triage
answer that says nothing (or names nothing a rollback can undo), and the live answer to a
triage question. The red flags and the phase checklist both read events through these.
Struck events never count. Domain layer: imports nothing from Textual.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from warroom.core.metrics import aware, is_containment_decision, live_events
from warroom.core.models import Event, IncidentState
from warroom.core.playbook import Playbook, TriageQuestion

# Words that mean the change is being undone: "rollback", "rolled back", "revert", "undo".
ROLLBACK_RE = re.compile(r"\b(roll(?:ed|ing|s)?[\s-]*back\w*|revert\w*|undo\w*|undid)\b", re.IGNORECASE)
# A fix being tried: "trying a fix", "try patch", "attempting hotfix", or any hotfix.
_TRY_RE = re.compile(r"\b(try|tries|trying|tried|attempt\w*|testing)\b", re.IGNORECASE)
_FIX_RE = re.compile(r"\b(fix\w*|patch\w*|hotfix\w*|hot-fix\w*)\b", re.IGNORECASE)
_HOTFIX_RE = re.compile(r"\bhot-?fix\w*\b", re.IGNORECASE)
# Event kinds in which a person records doing or deciding something.
_DOING_KINDS = ("action", "decision")
# Everything but letters and digits at either end of a triage answer ("None." is "none").
_ANSWER_EDGES_RE = re.compile(r"^[\W_]+|[\W_]+$")

# A finding that the failure was reproduced: "reproduced in staging", "repro'd with curl",
# "reproduces on canary", "reproducible in staging".
_REPRODUCED_RE = re.compile(r"\b(reproduced|reproduces|reproducible|repro(?:'|\u2019)?d)\b", re.IGNORECASE)
# Words that turn a finding round ("could not reproduce", "not reproducible", "never reproduced").
_NEGATION_RE = re.compile(
    r"\b(not|no|never|cannot|unable|fail(?:ed|s)?|without|yet to)\b|n(?:'|\u2019)t\b", re.IGNORECASE
)
# The kinds in which a person writes down a finding (not a hypothesis, an alert or an update).
_FINDING_KINDS = ("note", "action", "decision")
# The prefix that writes down the root cause on the timeline: "root cause: pool size typo".
ROOT_CAUSE_RE = re.compile(r"^\s*root[\s-]*cause\s*:\s*", re.IGNORECASE)

# The containment situation a rollback answers (its key is `situation_key(BAD_DEPLOY)`).
BAD_DEPLOY = "bad_deploy"


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


_CONTAINING_KINDS = frozenset(("decision", "action", "change"))


def containment_action_at(state: IncidentState) -> datetime | None:
    """When the first containment action was logged: a rollback logged as started, or an
    action or change logged at or after the first containment decision (struck ones never
    count). The decision alone says what will be done, not that it was. One pass over the
    events in time order, ending at the first such action (the clocks ask every second)."""
    decided = False
    for event in state.events:
        if event.struck or event.kind not in _CONTAINING_KINDS:
            continue
        if event.kind == "decision":
            decided = decided or is_containment_decision(event)
        elif decided or is_rollback_started(event):
            return aware(event.ts)
    return None


def is_fix_attempt(event: Event) -> bool:
    """An action/decision saying a fix is being tried. A hypothesis alone is not one: naming a
    cause is Diagnose's work (and the methodology's "This fix might work" is about trying it)."""
    if event.struck or event.kind not in _DOING_KINDS:
        return False
    text = event.shown_text
    if ROLLBACK_RE.search(text):
        return False  # "try a rollback" is the advice, not the danger
    return bool(_HOTFIX_RE.search(text) or (_TRY_RE.search(text) and _FIX_RE.search(text)))


def _clauses(text: str) -> list[str]:
    return re.split(r"[.;!\n]|,\s*(?:but|however)\b", text)


def is_reproduced(event: Event) -> bool:
    """A note, action or decision saying the failure was reproduced ("reproduced in staging"),
    not that it was not ("could not reproduce", "not reproducible yet") or a question
    ("reproduced?"). When unsure it says no: the commander ticks."""
    if event.struck or event.kind not in _FINDING_KINDS:
        return False
    for clause in _clauses(event.shown_text):
        found = _REPRODUCED_RE.search(clause)
        if found and not _NEGATION_RE.search(clause) and "?" not in clause:
            return True
    return False


def root_cause_said(event: Event, non_answers: Iterable[str] = ()) -> str | None:
    """The root cause a note or decision writes down ("root cause: pool size typo"), or None:
    another kind (a hypothesis is not a cause found), another text, or a cause that says
    nothing ("root cause: unknown", "root cause: TBD", a question)."""
    if event.struck or event.kind not in _FINDING_KINDS:
        return None
    text = event.shown_text
    prefix = ROOT_CAUSE_RE.match(text)
    if prefix is None:
        return None
    cause = text[prefix.end() :].strip()
    if is_non_answer(cause, non_answers) or cause.endswith("?") or _NEGATION_RE.match(cause):
        return None
    return cause


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
