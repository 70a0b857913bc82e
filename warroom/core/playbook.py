"""The methodology as data: load and validate the playbook TOML.

The shipped file is `warroom/core/data/playbook.toml`. A team's own file (`--playbook FILE`,
or `playbook.toml` in the user config folder) replaces it whole; a malformed one is
refused with a message naming the file and the field.
"""

from __future__ import annotations

import re
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from warroom.core.errors import PlaybookError

SHIPPED = Path(__file__).parent / "data" / "playbook.toml"
# done_when = "answered:KEY": the item is done by the answer to triage question KEY.
ANSWERED = "answered:"


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Answered(Spec):
    """`done_when = "answered:KEY"`: done once triage question KEY has a real answer on the
    timeline (one of the playbook's `non_answers`, such as "unknown", does not count)."""

    triage: str = Field(min_length=1)
    # Copied from the playbook on load: the checklist pane hands rules.item_evidence an
    # item's done_when alone, so the words that mean "no answer" travel with it.
    _non_answers: tuple[str, ...] = PrivateAttr(default=())
    _asked: TriageQuestion | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: object) -> object:
        if isinstance(data, str) and data.startswith(ANSWERED):
            return {"triage": data[len(ANSWERED) :].strip()}
        return data

    @model_serializer
    def _as_text(self) -> str:
        return f"{ANSWERED}{self.triage}"  # the form the TOML uses, so a dump loads again

    @property
    def non_answers(self) -> tuple[str, ...]:
        return self._non_answers

    @property
    def asked(self) -> TriageQuestion | None:
        """The triage question answered (copied on load), for its own non-answer prefixes."""
        return self._asked


class ChecklistItem(Spec):
    id: str
    text: str
    requires: Literal["no_temp_fixes"] | None = None
    # Done by the record itself, without a tick: e.g. a logged containment decision.
    done_when: (
        Literal["containment_logged", "mitigation_set", "service_restored", "update_sent", "status_update_sent"]
        | Answered
        | None
    ) = None

    @field_validator("done_when", mode="before")
    @classmethod
    def _known_done_when(cls, value: object) -> object:
        # One message naming every choice, rather than one per shape done_when may take.
        answered = isinstance(value, str) and value.startswith(ANSWERED) and value[len(ANSWERED) :].strip()
        if isinstance(value, str) and not answered and value not in _DONE_WHEN_WORDS:
            known = ", ".join(_DONE_WHEN_WORDS)
            raise ValueError(f"unknown done_when {value!r} (known: {known}, or {ANSWERED}QUESTION)")
        return value


# The fixed done_when words (the first shape of ChecklistItem.done_when).
_DONE_WHEN_WORDS: tuple[str, ...] = get_args(get_args(ChecklistItem.model_fields["done_when"].annotation)[0])


class Phase(Spec):
    key: str
    name: str
    purpose: str
    mode: Literal["speed", "thoroughness"]
    timebox_minutes: int | None = Field(default=None, gt=0)
    items: list[ChecklistItem]

    @model_validator(mode="after")
    def _speed_has_timebox(self) -> Phase:
        if self.mode == "speed" and self.timebox_minutes is None:
            raise ValueError(f"speed phase {self.key!r} needs timebox_minutes")
        return self


class Severity(Spec):
    level: int = Field(ge=1, le=4)
    impact: str
    scope: str
    response: str
    response_time: str
    response_minutes: int = Field(ge=0)
    who: str
    update_every_minutes: int = Field(gt=0)


class Impact(Spec):
    key: str
    label: str
    severity: int = Field(ge=1, le=4)


class TriageQuestion(Spec):
    key: str
    question: str
    why: str
    # A real answer names a recent change (a deploy, a config push): the rollback-first
    # red flag counts it like a logged change, timed at the declaration.
    counts_as_change: bool = False
    # An answer that begins with one of these phrases says nothing either ("Nothing
    # changed, no deploys today"), unless it goes on with one of `contrast_words`
    # ("no deploys, but a config push at 14:28"). Whole words, ignoring case and spacing.
    non_answer_prefixes: list[str] = Field(default_factory=list)
    contrast_words: list[str] = Field(default_factory=list)
    # For counts_as_change: the answer counts only if it names something a rollback can
    # undo, a word starting with one of `undoable_words` ("deploy" matches "Deployed") or
    # text matching `undoable_pattern` (a version). Neither given: every real answer counts.
    undoable_words: list[str] = Field(default_factory=list)
    undoable_pattern: str | None = None

    @field_validator("non_answer_prefixes", "contrast_words", "undoable_words")
    @classmethod
    def _words_have_letters(cls, words: list[str]) -> list[str]:
        # A blank or punctuation-only entry would match every answer.
        for word in words:
            if not any(ch.isalnum() for ch in word):
                raise ValueError(f"{word!r} has no letters or digits")
        return words

    @field_validator("undoable_pattern")
    @classmethod
    def _pattern_compiles(cls, pattern: str | None) -> str | None:
        if pattern is None:
            return None
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        if compiled.search(""):
            raise ValueError("matches empty text, so it would match every answer")
        return pattern


class Containment(Spec):
    key: str
    situation: str
    action: str


class Mitigation(Spec):
    key: str
    name: str
    description: str
    restored: bool


class DataSource(Spec):
    source: str
    look_for: str


class RedFlag(Spec):
    id: str
    rule: str
    thought: str
    reality: str
    action: str
    # The phases in which the flag may fire (phase keys); empty means every phase.
    phases: list[str] = Field(default_factory=list)


class PostmortemSection(Spec):
    key: str
    heading: str
    hint: str = ""


class DocumentSpec(Spec):
    """A generated document: its Jinja2 template (in the team's templates_dir, else shipped)."""

    key: str
    title: str
    template: str
    copy_key: str = Field(default="", max_length=1)  # the TUI's copy key for it


class Thresholds(Spec):
    recent_change_minutes: int = Field(gt=0)
    commander_shift_hours: float = Field(gt=0)
    evaluate_every_seconds: float = Field(gt=0)
    snooze_minutes: list[int] = Field(min_length=1)


class Playbook(Spec):
    name: str
    core_principle: str
    golden_rule: str
    thresholds: Thresholds
    phases: list[Phase] = Field(min_length=1)
    severities: list[Severity] = Field(min_length=4, max_length=4)
    impacts: list[Impact]
    triage: list[TriageQuestion]
    containment: list[Containment]
    rollback_rule: str
    mitigation: list[Mitigation]
    data_sources: list[DataSource]
    fix_requirements: list[str]
    first_five_minutes: list[str]
    red_flags: list[RedFlag]
    postmortem_sections: list[PostmortemSection] = Field(min_length=1)
    # Generated documents beyond (or rewording) the built-in ones; templates_dir is
    # relative to the playbook file and searched before the shipped templates.
    documents: list[DocumentSpec] = Field(default_factory=list)
    templates_dir: str | None = None
    # Triage answers that say there is nothing to tell ("none", "unknown"): they neither
    # tick a checklist item nor count as a change. Compared ignoring case, spacing and
    # surrounding punctuation.
    non_answers: list[str] = Field(default_factory=list)
    source: str = ""  # the file it came from, for messages

    @model_validator(mode="after")
    def _consistent(self) -> Playbook:
        levels = sorted(s.level for s in self.severities)
        if levels != [1, 2, 3, 4]:
            raise ValueError("severities must define levels 1, 2, 3 and 4 once each")
        keys = [p.key for p in self.phases]
        if len(set(keys)) != len(keys):
            raise ValueError("phase keys must be unique")
        return self

    @model_validator(mode="after")
    def _answers_know_non_answers(self) -> Playbook:
        words = tuple(self.non_answers)
        questions = {q.key: q for q in self.triage}
        for phase in self.phases:
            for item in phase.items:
                if isinstance(item.done_when, Answered):
                    item.done_when._non_answers = words
                    item.done_when._asked = questions.get(item.done_when.triage)
        return self

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

    def red_flag(self, flag_id: str) -> RedFlag:
        for flag in self.red_flags:
            if flag.id == flag_id:
                return flag
        raise KeyError(flag_id)


def _field_path(error: dict) -> str:
    return ".".join(str(part) for part in error["loc"]) or "(top level)"


def load(path: Path | str | None = None) -> Playbook:
    """Load and validate a playbook; the shipped one when no path is given."""
    path = Path(path) if path is not None else SHIPPED
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlaybookError(f"cannot read playbook {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise PlaybookError(f"playbook {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise PlaybookError(f"playbook {path} is not valid TOML: {exc}") from None
    try:
        book = Playbook.model_validate({**raw, "source": str(path)})
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise PlaybookError(f"playbook {path}: field {_field_path(first)}: {first['msg']}{more}") from None
    from warroom.core import rules  # here, not at the top: rules imports this module

    rules.validate(book)  # every red flag names a rule (and phases) that exist
    return book
