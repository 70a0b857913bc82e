"""The playbook's shape: the methodology as data (records that pydantic validates when a playbook
file is read: records.py), and the roles the code finds entries by. Loading, role checks and the
validated-playbook cache are in playbook.py.
"""

from __future__ import annotations

import re
from dataclasses import field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Literal, get_args

from warroom.core.errors import PlaybookError
from warroom.core.records import FrozenRecord, after, before, dumped_as, limits, record

SHIPPED = Path(__file__).parent / "data" / "playbook.toml"

# The roles the code looks entries up by (`role = "..."` in the TOML), so a team may rename
# every key and name. Each must be played by exactly one entry of its kind. An entry
# without `role` whose key is a role name plays that role (a playbook written before roles
# keeps working).
PHASE_ROLES: tuple[str, ...] = ("assess", "contain", "mitigate", "diagnose", "fix", "postmortem")
QUESTION_ROLES: tuple[str, ...] = ("broken", "affected", "started", "changed", "how_bad")
SITUATION_ROLES: tuple[str, ...] = ("bad_deploy",)
DOCUMENT_ROLES: tuple[str, ...] = ("status", "internal", "external", "handoff", "postmortem", "timeline")
# done_when = "answered:KEY": the item is done by the answer to triage question KEY.
ANSWERED = "answered:"


class Spec(FrozenRecord):
    """A part of the playbook: frozen once validated."""

    __slots__ = ()


@record
class Answered(Spec):
    """`done_when = "answered:KEY"`: done once triage question KEY has a real answer on the
    timeline (one of the playbook's `non_answers`, such as "unknown", does not count)."""

    triage: Annotated[str, limits(min_length=1)]

    # Copied from the playbook on load (Playbook.__post_init__; attributes, not fields): the
    # checklist pane hands checklist.item_evidence an item's done_when alone, so the words that
    # mean "no answer" travel with it.
    def know(self, non_answers: tuple[str, ...], asked: TriageQuestion | None) -> None:
        object.__setattr__(self, "_non_answers", non_answers)
        object.__setattr__(self, "_asked", asked)

    @property
    def non_answers(self) -> tuple[str, ...]:
        return self.__dict__.get("_non_answers", ())

    @property
    def asked(self) -> TriageQuestion | None:
        """The triage question answered (copied on load), for its own non-answer prefixes."""
        return self.__dict__.get("_asked")


# The fixed done_when words: done by the record itself, without a tick (e.g. a logged
# containment decision).
DoneWhenWord = Literal[
    "containment_logged",
    "mitigation_set",
    "service_restored",
    "update_sent",
    "status_update_sent",
    "rollback_logged",
    "roles_and_update",
    "containment_action",
    "temp_fixes_ticketed",
    "temp_fixes_removed",
    "hypothesis_logged",
    "reproduced_logged",
    "start_known",
    "root_cause_written",
    "postmortem_written",
    "actions_owned",
    "postmortem_shared",
]
_DONE_WHEN_WORDS: tuple[str, ...] = get_args(DoneWhenWord)


def _done_when(value: object) -> object:
    """One of the words, or "answered:KEY" (read as Answered); one message naming every choice,
    rather than one per shape done_when may take."""
    if isinstance(value, str) and value.startswith(ANSWERED) and value[len(ANSWERED) :].strip():
        return {"triage": value[len(ANSWERED) :].strip()}
    if isinstance(value, str) and value not in _DONE_WHEN_WORDS:
        known = ", ".join(_DONE_WHEN_WORDS)
        raise ValueError(f"unknown done_when {value!r} (known: {known}, or {ANSWERED}QUESTION)")
    return value


def _done_when_text(value: DoneWhenWord | Answered | None) -> str | None:
    return f"{ANSWERED}{value.triage}" if isinstance(value, Answered) else value  # as the TOML says it


@record
class ChecklistItem(Spec):
    """One item of a phase's checklist, and what marks it done."""

    id: str
    text: str
    requires: Literal["no_temp_fixes"] | None = None
    done_when: Annotated[DoneWhenWord | Answered | None, before(_done_when), dumped_as(_done_when_text)] = None


@record
class Phase(Spec):
    """A phase of the response (Assess ... Postmortem): its purpose, mode and checklist."""

    key: str
    name: str
    role: str | None = None  # one of PHASE_ROLES
    purpose: str
    mode: Literal["speed", "thoroughness"]
    timebox_minutes: Annotated[int | None, limits(gt=0)] = None
    items: list[ChecklistItem]

    def __post_init__(self) -> None:  # run by pydantic after the fields validate
        if self.mode == "speed" and self.timebox_minutes is None:
            raise ValueError(f"speed phase {self.key!r} needs timebox_minutes")


@record
class Severity(Spec):
    """A severity level of the guide (SEV-1..4): its impact, scope, response and update rhythm."""

    level: Annotated[int, limits(ge=1, le=4)]
    impact: str
    scope: str
    response: str
    response_time: str
    response_minutes: Annotated[int, limits(ge=0)]
    who: str
    update_every_minutes: Annotated[int, limits(gt=0)]


@record
class Impact(Spec):
    """A kind of impact a triage answer may name, and the severity it suggests."""

    key: str
    label: str
    severity: Annotated[int, limits(ge=1, le=4)]


def _words_have_letters(words: list[str]) -> list[str]:
    # A blank or punctuation-only entry would match every answer.
    for word in words:
        if not any(ch.isalnum() for ch in word):
            raise ValueError(f"{word!r} has no letters or digits")
    return words


def _pattern_compiles(pattern: str | None) -> str | None:
    if pattern is None:
        return None
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    if compiled.search(""):
        raise ValueError("matches empty text, so it would match every answer")
    return pattern


@record
class TriageQuestion(Spec):
    """A question of the first five minutes, and how its answers are read."""

    key: str
    question: str
    why: str
    role: str | None = None  # one of QUESTION_ROLES
    # A real answer names a recent change (a deploy, a config push): the rollback-first
    # red flag counts it like a logged change, timed at the declaration.
    counts_as_change: bool = False
    # An answer that begins with one of these phrases says nothing either ("Nothing
    # changed, no deploys today"), unless it goes on with one of `contrast_words`
    # ("no deploys, but a config push at 14:28"). Whole words, ignoring case and spacing.
    non_answer_prefixes: Annotated[list[str], after(_words_have_letters)] = field(default_factory=list)
    contrast_words: Annotated[list[str], after(_words_have_letters)] = field(default_factory=list)
    # For counts_as_change: the answer counts only if it names something a rollback can
    # undo, a word starting with one of `undoable_words` ("deploy" matches "Deployed") or
    # text matching `undoable_pattern` (a version). Neither given: every real answer counts.
    undoable_words: Annotated[list[str], after(_words_have_letters)] = field(default_factory=list)
    undoable_pattern: Annotated[str | None, after(_pattern_compiles)] = None


@record
class Containment(Spec):
    """A row of the containment table: in this situation, this action."""

    key: str
    situation: str
    action: str
    role: str | None = None  # one of SITUATION_ROLES


@record
class Mitigation(Spec):
    """A mitigation level (full, partial, degraded, maintenance): does it restore the service?"""

    key: str
    name: str
    description: str
    restored: bool


@record
class DataSource(Spec):
    """Where to look while diagnosing, and what for."""

    source: str
    look_for: str


@record
class RedFlag(Spec):
    """A red flag: the rule that raises it, the thought, the reality and what to do."""

    id: str
    rule: str
    thought: str
    reality: str
    action: str
    # Where the thought is quoted from ("methodology": a row of its Red Flags table, thought,
    # reality and action as written there); empty: a prompt of warroom's own, not a quote.
    source: str = ""
    # The phases in which the flag may fire (phase keys); empty means every phase.
    phases: list[str] = field(default_factory=list)


@record
class PostmortemSection(Spec):
    """A section of the postmortem: its heading and the hint shown while writing it."""

    key: str
    heading: str
    hint: str = ""


@record
class DocumentSpec(Spec):
    """A generated document: its Jinja2 template (in the team's templates_dir, else shipped)."""

    key: str
    title: str
    template: str
    copy_key: Annotated[str, limits(max_length=1)] = ""  # the TUI's copy key for it
    role: str | None = None  # one of DOCUMENT_ROLES; a team's own document needs none


@record
class Thresholds(Spec):
    """The numbers the rules and clocks use."""

    recent_change_minutes: Annotated[int, limits(gt=0)]
    commander_shift_hours: Annotated[float, limits(gt=0)]
    evaluate_every_seconds: Annotated[float, limits(gt=0)]
    snooze_minutes: Annotated[list[int], limits(min_length=1)]


def _over_shipped_documents(documents: list[DocumentSpec]) -> list[DocumentSpec]:
    """A team's documents merged over the shipped ones. Roles doubled in the team's own list are
    refused here, with the team's numbering: merged, the second would silently replace the first."""
    seen: dict[str, int] = {}
    for n, spec in enumerate(documents):
        role = role_of(spec, DOCUMENT_ROLES)
        if role is None:
            continue
        if role in seen:
            first = documents[seen[role]].key
            raise ValueError(
                f"role {role!r} is given twice (documents.{seen[role]} {first!r} and documents.{n} {spec.key!r})"
            )
        seen[role] = n
    merged = list(shipped_documents())
    for spec in documents:
        role = role_of(spec, DOCUMENT_ROLES)
        at = next(
            (
                n
                for n, old in enumerate(merged)
                if old.key == spec.key or (role and role_of(old, DOCUMENT_ROLES) == role)
            ),
            None,
        )
        if at is None:
            merged.append(spec)
        else:
            merged[at] = spec
    keys = [spec.key for spec in merged]
    doubled = next((key for key in keys if keys.count(key) > 1), None)
    if doubled is not None:
        raise ValueError(f"document key {doubled!r} is used twice")
    return merged


@record
class Playbook(Spec):
    """The whole methodology as data."""

    name: str
    # The methodology's own words, for a screen or a team template to show; no rule reads
    # them, so they are optional.
    core_principle: str = ""
    golden_rule: str = ""
    thresholds: Thresholds
    phases: Annotated[list[Phase], limits(min_length=1)]
    severities: Annotated[list[Severity], limits(min_length=4, max_length=4)]
    impacts: list[Impact]
    triage: list[TriageQuestion]
    containment: list[Containment]
    rollback_rule: str
    mitigation: list[Mitigation]
    # Where to look while diagnosing (the methodology's table); optional, read by no rule.
    data_sources: list[DataSource] = field(default_factory=list)
    # Accepted so that older playbooks still load, and not used: the Fix phase's checklist
    # items are the fix requirements, and the Assess phase's are the first five minutes.
    fix_requirements: list[str] = field(default_factory=list)
    first_five_minutes: list[str] = field(default_factory=list)
    red_flags: list[RedFlag]
    postmortem_sections: Annotated[list[PostmortemSection], limits(min_length=1)]
    # The generated documents. The list lives once, in the shipped playbook; a team's
    # entries reword one (the entry with the same role, or key) or add their own, and a
    # team playbook without any keeps the shipped ones. templates_dir is relative to the
    # playbook file and searched before the shipped templates.
    documents: Annotated[list[DocumentSpec], after(_over_shipped_documents)] = field(default_factory=list)
    templates_dir: str | None = None
    # Triage answers that say there is nothing to tell ("none", "unknown"): they neither
    # tick a checklist item nor count as a change. Compared ignoring case, spacing and
    # surrounding punctuation.
    non_answers: list[str] = field(default_factory=list)
    source: str = ""  # the file it came from, for messages

    def __post_init__(self) -> None:  # run by pydantic after the fields validate
        levels = sorted(s.level for s in self.severities)
        if levels != [1, 2, 3, 4]:
            raise ValueError("severities must define levels 1, 2, 3 and 4 once each")
        keys = [p.key for p in self.phases]
        if len(set(keys)) != len(keys):
            raise ValueError("phase keys must be unique")
        # Each answered-by item learns the words that mean "no answer" and its question.
        words = tuple(self.non_answers)
        questions = {q.key: q for q in self.triage}
        for phase in self.phases:
            for item in phase.items:
                if isinstance(item.done_when, Answered):
                    item.done_when.know(words, questions.get(item.done_when.triage))

    @cached_property
    def phase_keys(self) -> list[str]:
        return [p.key for p in self.phases]

    def phase(self, key: str) -> Phase:
        for phase in self.phases:
            if phase.key == key:
                return phase
        raise KeyError(key)

    def phase_name(self, key: str) -> str:
        try:
            return self.phase(key).name
        except KeyError:
            return key.title()

    def severity(self, level: int) -> Severity:
        for sev in self.severities:
            if sev.level == level:
                return sev
        raise KeyError(level)

    def mitigation_level(self, key: str) -> Mitigation:
        for level in self.mitigation:
            if level.key == key:
                return level
        raise KeyError(key)

    def containment_for(self, key: str) -> Containment:
        for row in self.containment:
            if row.key == key:
                return row
        raise KeyError(key)

    # ----- roles: what the code needs, found whatever the team calls it -----------------

    @cached_property
    def _roles(self) -> dict[str, dict[str, str]]:
        """Field -> role -> key of the entry playing it (the first, if doubled)."""
        found: dict[str, dict[str, str]] = {}
        for name, known, entries in self._role_tables():
            table = found.setdefault(name, {})
            for entry in entries:
                role = role_of(entry, known)
                if role is not None:
                    table.setdefault(role, entry.key)
        return found

    def _role_tables(self) -> list[tuple[str, tuple[str, ...], list]]:
        return [
            ("phases", PHASE_ROLES, list(self.phases)),
            ("triage", QUESTION_ROLES, list(self.triage)),
            ("containment", SITUATION_ROLES, list(self.containment)),
            ("documents", DOCUMENT_ROLES, list(self.documents)),
        ]

    def _key_for(self, field: str, role: str) -> str:
        try:
            return self._roles[field][role]
        except KeyError:
            where = self.source or "(built in code)"
            raise PlaybookError(f"playbook {where}: field {field}: no entry has role {role!r}") from None

    @property
    def phase_roles(self) -> dict[str, str]:
        """Every phase role -> the key of the phase playing it."""
        return dict(self._roles["phases"])

    def phase_key(self, role: str) -> str:
        """The key of the phase playing `role` (one of PHASE_ROLES)."""
        return self._key_for("phases", role)

    def question_key(self, role: str) -> str:
        """The key of the triage question playing `role` (one of QUESTION_ROLES)."""
        return self._key_for("triage", role)

    def situation_key(self, role: str) -> str:
        """The key of the containment situation playing `role` (one of SITUATION_ROLES)."""
        return self._key_for("containment", role)

    def document_key(self, role: str) -> str:
        """The key of the document playing `role` (one of DOCUMENT_ROLES)."""
        return self._key_for("documents", role)

    def _role_for(self, field: str, key: str) -> str | None:
        return next((role for role, k in self._roles[field].items() if k == key), None)

    def phase_role(self, key: str) -> str | None:
        """The role the phase `key` plays, if any."""
        return self._role_for("phases", key)

    def question_role(self, key: str) -> str | None:
        """The role the triage question `key` plays, if any."""
        return self._role_for("triage", key)

    def document_role(self, key: str) -> str | None:
        """The role the document `key` plays, if any (a team's own document plays none)."""
        return self._role_for("documents", key)

    def red_flag(self, flag_id: str) -> RedFlag:
        for flag in self.red_flags:
            if flag.id == flag_id:
                return flag
        raise KeyError(flag_id)


@lru_cache(maxsize=1)
def shipped_documents() -> tuple[DocumentSpec, ...]:
    """The documents of the shipped playbook: the one list of built-in documents."""
    import tomllib

    raw = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    return tuple(DocumentSpec.model_validate(entry) for entry in raw.get("documents", []))


def role_of(entry: Phase | TriageQuestion | Containment | DocumentSpec, known: tuple[str, ...]) -> str | None:
    if entry.role is not None:
        return entry.role
    return entry.key if entry.key in known else None
