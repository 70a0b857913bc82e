"""Postmortem checks: good action items, and blameless language.

The methodology: action items are specific (not "improve monitoring"), actionable (not
"be more careful"), owned and time-bound; a postmortem focuses on systems, not people
("John deployed buggy code" -> "Code review didn't catch the bug; deploy pipeline lacked
tests"). The word lists are data: `review.toml` in the user config folder when a team has
one, else the shipped `warroom/core/data/review.toml`; either is checked on load like the
playbook (a malformed one is refused naming the file and the field). These are suggestions
for a person to weigh, so they err towards flagging only what is clearly there.

Domain layer: imports nothing from Textual.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from warroom.core.errors import PlaybookError
from warroom.core.locations import config_dir
from warroom.core.models import ActionItem, IncidentState

SHIPPED = Path(__file__).parent / "data" / "review.toml"
# A due date written without a year ("3/15") more than this far in the past means next year.
YEARLESS_PAST = timedelta(days=183)
_MONTHS = {
    m: i
    for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)
}
_APOSTROPHE = "['\u2019]"
# A capitalised word that may be a person's name ("Sarah", "Jean-Luc").
_CAPITALISED = r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;]*")


@dataclass(frozen=True)
class VagueGroup:
    why: str
    advice: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class BlameRule:
    after: tuple[str, ...]
    possessive: tuple[str, ...]
    before: tuple[str, ...]
    suggestion: str


@dataclass(frozen=True)
class Rules:
    min_words: int
    closed_statuses: frozenset[str]
    group_owners: frozenset[str]
    vague: tuple[VagueGroup, ...]
    person_words: tuple[str, ...]
    adverbs: tuple[str, ...]
    not_names: frozenset[str]
    blame: tuple[BlameRule, ...]


@dataclass(frozen=True)
class Finding:
    """A sentence that blames a person, where it is in the text, and a better framing."""

    sentence: str
    start: int
    end: int
    person: str
    phrase: str
    suggestion: str

    def message(self) -> str:
        return f"Blames {self.person} (“{self.phrase}”): try “{self.suggestion}”"


# ----- the file: validated like the playbook -----------------------------------------


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _words_have_letters(words: list[str]) -> list[str]:
    # A blank or punctuation-only phrase would match (nearly) every text.
    for word in words:
        if not any(ch.isalnum() for ch in word):
            raise ValueError(f"{word!r} has no letters or digits")
    return words


class _VagueSpec(_Spec):
    why: str = Field(min_length=1)
    advice: str = Field(min_length=1)
    phrases: list[str] = Field(min_length=1)

    _check_phrases = field_validator("phrases")(_words_have_letters)


class _ActionItemsSpec(_Spec):
    min_words: int = Field(default=0, ge=0)
    closed_statuses: list[str] = Field(default_factory=list)
    group_owners: list[str] = Field(default_factory=list)
    vague: list[_VagueSpec] = Field(default_factory=list)


class _BlameRuleSpec(_Spec):
    after: list[str] = Field(default_factory=list)
    possessive: list[str] = Field(default_factory=list)
    before: list[str] = Field(default_factory=list)
    suggestion: str = Field(min_length=1)

    _check_phrases = field_validator("after", "possessive", "before")(_words_have_letters)

    @model_validator(mode="after")
    def _some_phrase(self) -> _BlameRuleSpec:
        if not (self.after or self.possessive or self.before):
            raise ValueError("a blame rule needs phrases in after, possessive or before")
        return self


class _BlameSpec(_Spec):
    person_words: list[str] = Field(default_factory=list)
    adverbs: list[str] = Field(default_factory=list)
    not_names: list[str] = Field(default_factory=list)
    rules: list[_BlameRuleSpec] = Field(default_factory=list)

    _check_words = field_validator("person_words", "adverbs")(_words_have_letters)


class _ReviewSpec(_Spec):
    action_items: _ActionItemsSpec
    blame: _BlameSpec


def review_file() -> Path:
    """The word lists in use: the team's `review.toml` in the config folder, else the shipped one."""
    team = config_dir() / "review.toml"
    return team if team.is_file() else SHIPPED


def load_rules(path: Path | str | None = None) -> Rules:
    """The checks' word lists from `path`, else from `review_file()`; refused with a
    PlaybookError naming the file and the field when malformed. Re-read when the file changes."""
    chosen = Path(path) if path is not None else review_file()
    try:
        stamp = chosen.stat().st_mtime_ns
    except OSError:
        stamp = -1  # _load reports the file as unreadable
    return _load(chosen, stamp)


@lru_cache(maxsize=8)
def _load(path: Path, stamp: int) -> Rules:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlaybookError(f"cannot read review rules {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise PlaybookError(f"review rules {path} are not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise PlaybookError(f"review rules {path} are not valid TOML: {exc}") from None
    try:
        spec = _ReviewSpec.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise PlaybookError(f"review rules {path}: field {where}: {first['msg']}{more}") from None
    items, blame = spec.action_items, spec.blame
    return Rules(
        min_words=items.min_words,
        closed_statuses=frozenset(s.lower() for s in items.closed_statuses),
        group_owners=frozenset(" ".join(s.lower().split()) for s in items.group_owners),
        vague=tuple(VagueGroup(g.why, g.advice, tuple(g.phrases)) for g in items.vague),
        person_words=tuple(blame.person_words),
        adverbs=tuple(blame.adverbs),
        not_names=frozenset(w.lower() for w in blame.not_names),
        blame=tuple(BlameRule(tuple(r.after), tuple(r.possessive), tuple(r.before), r.suggestion) for r in blame.rules),
    )


def _phrase_re(phrase: str) -> str:
    """Whole words, any run of spaces between them, straight or curly apostrophes."""
    words = [re.sub("['\u2019]", lambda _: _APOSTROPHE, re.escape(w)) for w in phrase.split()]
    return r"(?<![\w'])" + r"\s+".join(words) + r"(?![\w'])"


# ----- action items -----------------------------------------------------------------


def parse_due(text: str, today: date) -> date | None:
    """YYYY-MM-DD, YYYY/MM/DD, M/D, M/D/YYYY, "Mar 15", "15 Mar", "March 15, 2026"."""
    text = text.strip().lower().replace(",", " ")
    try:
        if m := re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?", text):
            year = int(m[3]) + (2000 if m[3] and len(m[3]) == 2 else 0) if m[3] else None
            return _yearless(int(m[1]), int(m[2]), year, today)
        if m := re.fullmatch(r"([a-z]{3})[a-z]*\.?\s+(\d{1,2})(?:\s+(\d{4}))?", text):
            if m[1] in _MONTHS:
                return _yearless(_MONTHS[m[1]], int(m[2]), int(m[3]) if m[3] else None, today)
        if m := re.fullmatch(r"(\d{1,2})\s+([a-z]{3})[a-z]*\.?(?:\s+(\d{4}))?", text):
            if m[2] in _MONTHS:
                return _yearless(_MONTHS[m[2]], int(m[1]), int(m[3]) if m[3] else None, today)
    except ValueError:  # 2/30, month 13
        return None
    return None


def _yearless(month: int, day_: int, year: int | None, today: date) -> date:
    if year is not None:
        return date(year, month, day_)
    due = date(today.year, month, day_)
    return date(today.year + 1, month, day_) if today - due > YEARLESS_PAST else due


def check_action_item(item: ActionItem, today: date, rules: Rules | None = None) -> list[str]:
    """What keeps this item from being specific, actionable, owned and time-bound."""
    rules = rules or load_rules()
    problems: list[str] = []
    action = " ".join(item.action.split())
    if not action:
        problems.append("no action: say what will change")
    elif len(action.split()) < rules.min_words:
        problems.append(f"too short to be specific: say what changes, where (at least {rules.min_words} words)")
    for group in rules.vague:
        for phrase in group.phrases:
            if re.search(_phrase_re(phrase), action, re.IGNORECASE):
                problems.append(f"{group.why}: “{phrase}” — {group.advice}")
                break
    owner = " ".join(item.owner.split())
    if not owner:
        problems.append("no owner: name one person responsible")
    elif owner.lower() in rules.group_owners:
        problems.append(f"owner “{owner}” is not one person: name one person responsible")
    due_text = item.due.strip()
    if not due_text:
        problems.append("no due date: give it a date (YYYY-MM-DD)")
    else:
        due = parse_due(due_text, today)
        if due is None:
            problems.append(f"due date “{due_text}” is not a date: use YYYY-MM-DD")
        elif due < today and item.status.strip().lower() not in rules.closed_statuses:
            problems.append(f"past due since {due.isoformat()} and still {item.status.strip() or 'open'}")
    return problems


# ----- blameless language -----------------------------------------------------------


def _person_pattern(names: Iterable[str], rules: Rules) -> str:
    known = sorted({n.strip() for n in names if n and n.strip()} | set(rules.person_words), key=len, reverse=True)
    alternatives = [f"(?i:{_phrase_re(n)})" for n in known]
    alternatives.append(rf"(?<![\w'-]){_CAPITALISED}(?![\w-])")
    return "(?P<who>" + "|".join(alternatives) + ")"


def _alternation(phrases: Iterable[str]) -> str:
    ordered = sorted(phrases, key=len, reverse=True)  # "forgot to" before "forgot"
    return "(?i:(?P<phrase>" + "|".join(_phrase_re(p) for p in ordered) + "))"


@lru_cache(maxsize=32)
def _compiled(names: tuple[str, ...], rules: Rules) -> list[tuple[re.Pattern[str], BlameRule]]:
    who = _person_pattern(names, rules)
    adverb = "(?:" + "|".join([re.escape(a) for a in rules.adverbs] + [r"\w+ly"]) + ")"
    out = []
    for rule in rules.blame:
        if rule.after:
            out.append((re.compile(rf"{who}(?:\s+(?i:{adverb}))?\s+{_alternation(rule.after)}"), rule))
        if rule.possessive:
            out.append((re.compile(rf"{who}{_APOSTROPHE}s?\s+(?:\w+\s+)?{_alternation(rule.possessive)}"), rule))
        if rule.before:
            out.append((re.compile(rf"{_alternation(rule.before)}\s+{who}(?![\w'])"), rule))
    return out


def _is_person(word: str, names: tuple[str, ...], rules: Rules) -> bool:
    lowered = " ".join(word.lower().split())
    if lowered in rules.person_words:
        return True
    # Things win over names: event authors include tools (alertmanager, deploy-bot).
    if lowered in rules.not_names or lowered.endswith(("bot", "-ci")):
        return False
    return True


def blame_findings(text: str, names: Iterable[str] = (), rules: Rules | None = None) -> list[Finding]:
    """Sentences in `text` that blame a person, each with a system-focused suggestion.

    `names` are the people on this incident (authors, role holders); any other
    capitalised word next to a blame phrase counts too, unless it is listed as a thing.
    """
    rules = rules or load_rules()
    names_t = tuple(sorted({n.strip() for n in names if n and n.strip()}))
    patterns = _compiled(names_t, rules)
    findings: list[Finding] = []
    for sentence in _SENTENCE.finditer(text):
        body = sentence.group()
        for pattern, rule in patterns:
            hit = next((m for m in pattern.finditer(body) if _is_person(m["who"], names_t, rules)), None)
            if hit is None:
                continue
            stripped = body.strip()
            offset = sentence.start() + body.index(stripped) if stripped else sentence.start()
            findings.append(
                Finding(
                    stripped,
                    offset,
                    offset + len(stripped),
                    hit["who"],
                    " ".join(hit["phrase"].split()),
                    rule.suggestion,
                )
            )
            break
    return findings


def people(state: IncidentState) -> set[str]:
    """The people on an incident, as the blameless check names them: every event's author
    and every role holder."""
    names = {e.author for e in state.events} | set(state.incident.roles.values())
    return {n for n in names if n and n.strip()}


def postmortem_findings(state: IncidentState, rules: Rules | None = None) -> list[Finding]:
    """Every blaming sentence in the postmortem's written sections (what its editor flags)."""
    names = people(state)
    return [finding for text in state.postmortem.values() for finding in blame_findings(text, names, rules)]
