"""The red flags to show now, rule by rule: a rule that fails names itself, the others still show."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from warroom.core.errorlog import report

if TYPE_CHECKING:  # the rules are imported when the first state is read, after the first frame
    from warroom.core.models import IncidentState
    from warroom.core.playbook import Playbook
    from warroom.core.rules import Prompt
    from warroom.tui.widgets.header import IncidentHeader
    from warroom.tui.widgets.red_flags import RedFlags

# The prompts to show, the failed rules' lines, the snoozed prompts with when each snooze ends.
Evaluated = tuple[list["Prompt"], list[str], list[tuple["Prompt", datetime]]]


class FlagCheck:
    """Runs the playbook's red-flag rules; each failure is logged once, and named every time."""

    def __init__(self, playbook: Playbook, pane: RedFlags, header: IncidentHeader) -> None:
        self.playbook = playbook
        self.pane = pane
        self.header = header
        self._said: dict[tuple[str, str], str] = {}  # (flag, error) -> the line already logged

    def _failed(self, what: str, exc: Exception) -> str:
        # The rules run every few seconds: a failing rule's traceback goes to the log once.
        key = (what, f"{type(exc).__name__}: {exc}")
        if key not in self._said:
            self._said[key] = report(exc, what)
        return self._said[key]

    def evaluate(self, state: IncidentState, now: datetime) -> Evaluated:
        """The prompts to show, one line for each rule that failed this round, and the prompts
        snoozed (with when each snooze ends)."""
        from warroom.core import rules

        failures: list[str] = []
        snoozed: list[tuple[Prompt, datetime]] = []
        try:
            prompts = rules.evaluate(
                state,
                self.playbook,
                now,
                on_error=lambda flag, exc: failures.append(self._failed(f"red-flag rule {flag}", exc)),
                snoozed=snoozed,
            )
        except Exception as exc:
            return [], [self._failed("the red-flag rules", exc)], []
        return prompts, failures, snoozed

    def show(self, state: IncidentState, now: datetime) -> None:
        self.present(*self.evaluate(state, now))

    async def show_off_loop(self, state: IncidentState, now: datetime, current: Callable[[], bool]) -> None:
        """The same, the rules run on a thread: as time passes (every few seconds) they took
        11-15 ms of the UI loop at 100,000 events, in one keystroke's frame out of six. Shown only
        if `current()` still says so (a newer state was shown meanwhile, with its own flags)."""
        try:
            found = await asyncio.to_thread(self.evaluate, state, now)
            if current():
                self.present(*found)
        except Exception as exc:  # a worker's error would end unseen: the log file has it
            report(exc, "showing the red flags")

    def present(self, prompts: list[Prompt], failures: list[str], snoozed: list[tuple[Prompt, datetime]]) -> None:
        self.pane.show(prompts, failures, snoozed)
        self.header.show_flags(len(prompts))  # seen even when the pane is not
