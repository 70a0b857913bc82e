"""The methodology as data: load and validate the playbook TOML.

The shipped file is `warroom/data/playbook.toml`. A team's own file (`--playbook FILE`,
or `playbook.toml` in the user config folder) replaces it whole; a malformed one is
refused with a message naming the file and the field.
"""

from __future__ import annotations

import tomllib
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from warroom.errors import PlaybookError

SHIPPED = Path(__file__).parent / "data" / "playbook.toml"


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChecklistItem(Spec):
    id: str
    text: str
    requires: Literal["no_temp_fixes"] | None = None
    # Done by the record itself, without a tick: e.g. a logged containment decision.
    done_when: Literal[
        "containment_logged", "mitigation_set", "service_restored", "update_sent", "status_update_sent"
    ] | None = None


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
    from warroom import rules  # here, not at the top: rules imports this module

    rules.validate(book)  # every red flag names a rule (and phases) that exist
    return book
