"""The red-flag engine: which rules run, and what the commander is shown now.

Each playbook `red_flags` entry names a rule in `RULES` (the rules themselves are in
`warroom.core.redflags`); the words (thought, reality, action), the phases a flag applies
in and every threshold are playbook data. `check_all` turns the rules' hits into `Prompt`s;
`evaluate` then drops the ones the commander acknowledged, dismissed (until the condition
changes, i.e. the fingerprint differs) or snoozed (until the snooze ends).

The war room runs these every few seconds, so a rule never raises: a rule that fails on
some odd state is skipped for that round. Domain layer: imports nothing from Textual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.core import redflags
from warroom.core.errors import PlaybookError
from warroom.core.metrics import aware
from warroom.core.models import FlagDecision, IncidentState
from warroom.core.playbook import Answered, Playbook
from warroom.core.redflags import Hit, Level, current_phase


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
    # Where the thought is quoted from (the playbook's `source`); empty: not a quote.
    source: str = ""

    @property
    def heading(self) -> str:
        """The thought as a screen shows it: in quotation marks when it is a quote (from the
        methodology's Red Flags table), as it is when the prompt is warroom's own."""
        return f"“{self.thought}”" if self.source else self.thought


Rule = Callable[[IncidentState, Playbook, datetime], Hit | None]

RULES: dict[str, Rule] = {
    "recent_change_no_rollback": redflags.recent_change_no_rollback,
    "diagnosing_unmitigated": redflags.diagnosing_unmitigated,
    "fix_before_restore": redflags.fix_before_restore,
    "permanent_fix_before_restore": redflags.permanent_fix_before_restore,
    "speed_phase_overrun": redflags.speed_phase_overrun,
    "severity_lowered_while_impacted": redflags.severity_lowered_while_impacted,
    "status_update_overdue": redflags.status_update_overdue,
    "temp_fixes_in_place": redflags.temp_fixes_in_place,
    "commander_needs_handoff": redflags.commander_needs_handoff,
    "logged_after_resolution": redflags.logged_after_resolution,
    "changed_apart": redflags.changed_apart,
}


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
        phase = current_phase(state)
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
                    source=flag.source,
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
        return aware(now) < aware(snooze_end(decision, playbook))
    return False


def snooze_end(decision: FlagDecision, playbook: Playbook) -> datetime:
    """When a snooze ends (one written without an end lasts the shortest snooze)."""
    if decision.until is not None:
        return decision.until
    return decision.at + timedelta(minutes=min(playbook.thresholds.snooze_minutes))


def evaluate(
    state: IncidentState,
    playbook: Playbook,
    now: datetime,
    on_error: Callable[[str, Exception], None] | None = None,
    snoozed: list[tuple[Prompt, datetime]] | None = None,
) -> list[Prompt]:
    """The prompts to show now: firing, and not silenced by the commander's decisions.
    `snoozed` (when given) gets those firing but snoozed, with when each snooze ends."""
    shown = []
    for prompt in check_all(state, playbook, now, on_error):
        decision = None
        try:
            decision = decision_for(state, prompt)
            quiet = is_quiet(decision, prompt, playbook, now)
        except Exception:
            quiet = False  # when in doubt, show the flag
        if not quiet:
            shown.append(prompt)
        elif snoozed is not None and decision is not None and decision.action == "snooze":
            snoozed.append((prompt, snooze_end(decision, playbook)))
    return shown
