"""The practice keys: containment, mitigation, temporary fixes and red-flag decisions.

Each opens its picker or form (`push_screen`), then hands the commander's choice to
`Operations` through the `Writer`, which shows it once it is committed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from warroom.core.errorlog import report
from warroom.core.metrics import mitigation_now, restored_now
from warroom.core.operations import Operations, containment_text
from warroom.core.safetext import one_line
from warroom.tui.controllers.base import Notify, PressAgain, PushScreen, StateSource, Writer

if TYPE_CHECKING:  # the pickers and forms are imported when a key opens one, after the first frame
    from warroom.core.models import TempFix
    from warroom.core.playbook import Containment, Mitigation
    from warroom.core.rules import Prompt
    from warroom.tui.screens.temp_fix import NewTempFix
    from warroom.tui.widgets.checklist import Checklist
    from warroom.tui.widgets.temp_fixes import TempFixes

DONE = {"ack": "Acknowledged", "dismiss": "Dismissed", "snooze": "Snoozed"}


def flag_summary(prompt: Prompt) -> str:
    """What the timeline says about the flag: its advice and why it fired."""
    return f"{prompt.action} ({prompt.detail})" if prompt.detail else prompt.action


class PracticeController:
    def __init__(
        self,
        ops: Operations,
        incident_id: str,
        state: StateSource,
        write: Writer,
        notify: Notify,
        push_screen: PushScreen,
        reload: Callable[[], Awaitable[None]],
        fixes_pane: TempFixes,
    ) -> None:
        self.ops = ops
        self.playbook = ops.playbook
        self.incident_id = incident_id
        self.state = state
        self.write = write
        self.notify = notify
        self.push_screen = push_screen
        self.reload = reload  # read everything again (someone else changed what we showed)
        self.fixes_pane = fixes_pane
        self._confirm = PressAgain()  # r and k on a fix ask once

    # ----- containment ---------------------------------------------------------------------

    def containment(self) -> None:
        from warroom.core.metrics import is_containment_decision
        from warroom.tui.screens.containment import ContainmentScreen

        state = self.state()
        if state is None:
            return
        logged = {str(e.data.get("containment")) for e in state.events if is_containment_decision(e)}
        self.push_screen(ContainmentScreen(self.playbook, logged), self._log_containment)

    async def _log_containment(self, row: Containment | None) -> None:
        if row is not None:
            await self.write(
                self.ops.decide_containment(self.incident_id, row), f"Decision logged: {containment_text(row)}"
            )

    # ----- mitigation -------------------------------------------------------------------------

    def mitigation(self) -> None:
        from warroom.tui.screens.mitigation import MitigationScreen

        state = self.state()
        if state is None:
            return
        # After a reopen the level set before it no longer holds: it can be set again.
        self.push_screen(
            MitigationScreen(self.playbook, mitigation_now(state), restored_now(state) is not None),
            self._set_mitigation,
        )

    async def _set_mitigation(self, level: Mitigation | None) -> None:
        state = self.state()
        if level is None or state is None:
            return
        if level.key == mitigation_now(state):
            self.notify(f"Mitigation is already {level.name}")
            return
        restores = level.restored and restored_now(state) is None
        await self.write(
            self.ops.set_mitigation(self.incident_id, level),
            f"Mitigation: {level.name}" + (" — service restored, time recorded" if restores else ""),
        )

    # ----- temporary fixes -----------------------------------------------------------------------

    def add_temp_fix(self, draft: NewTempFix | None = None) -> None:
        from warroom.tui.screens.temp_fix import TempFixScreen

        if self.state() is not None:
            self.push_screen(TempFixScreen(draft), self._add_temp_fix)

    async def _add_temp_fix(self, fix: NewTempFix | None) -> None:
        if fix is None:
            return
        written = await self.write(
            self.ops.add_temp_fix(self.incident_id, fix.what, fix.where, fix.ticket),
            f"Temporary fix added: {one_line(fix.what, 60)}",
        )
        if written is None:
            self.add_temp_fix(fix)  # not saved: the form comes back with the text in it

    def focus_fixes(self) -> None:
        if not self.fixes_pane.fixes:
            self.notify("No temporary fixes recorded (T adds one)")
            return
        self.fixes_pane.focus()

    async def close_temp_fix(self, wanted: TempFix, permanent: bool) -> None:
        try:
            current = {f.id: f for f in await self.ops.store.temp_fixes(self.incident_id)}
        except Exception as exc:
            self.notify(report(exc, "reading the temporary fixes"), title="Not saved", severity="error", timeout=8)
            return
        fix = current.get(wanted.id)
        if fix is None or not fix.in_place:  # someone else closed it meanwhile
            self.notify("That temporary fix is no longer in place")
            await self.reload()
            return
        # Asks once, naming the fix: a removed fix cannot be put back, and its reminder goes quiet.
        if not self._confirm(("fix", fix.id, permanent)):
            key, done = ("k", "keep it as permanent") if permanent else ("r", "mark it removed")
            self.notify(f"{one_line(fix.what, 60)}: press {key} again to {done}.", title="Temporary fix")
            return
        verb = "made permanent" if permanent else "removed"
        await self.write(self.ops.close_temp_fix(fix, permanent), f"Temporary fix {verb}: {one_line(fix.what, 60)}")

    # ----- the checklist ---------------------------------------------------------------------------

    async def tick(self, request: Checklist.TickRequested, answer: str) -> bool:
        """Tick or untick a checklist item (with the answer it asked for, if any)."""
        write = self.ops.tick(self.incident_id, request.phase, request.item, request.label, request.done, answer)
        return await self.write(write) is not None

    # ----- red-flag decisions ----------------------------------------------------------------------

    async def decide_flag(self, prompt: Prompt, action: str) -> None:
        from warroom.tui.screens.flag_decision import DismissFlagScreen, SnoozeFlagScreen

        if action == "ack":
            await self._record(prompt, "ack", f"Red flag acknowledged: {flag_summary(prompt)}")
        elif action == "dismiss":
            self.push_screen(DismissFlagScreen(prompt), lambda reason: self._dismiss(prompt, reason))
        elif action == "snooze":
            choices = list(self.playbook.thresholds.snooze_minutes)
            self.push_screen(SnoozeFlagScreen(prompt, choices), lambda minutes: self._snooze(prompt, minutes))
        elif action == "reopen":  # the recurrence flag's own decision: it is back, reopen it
            await self.write(self.ops.reopen(self.incident_id), "Incident reopened: it may be coming back")

    async def _dismiss(self, prompt: Prompt, reason: str | None) -> None:
        if reason:
            text = f"Red flag dismissed: {flag_summary(prompt)} — reason: {reason}"
            await self._record(prompt, "dismiss", text, reason=reason)

    async def _snooze(self, prompt: Prompt, minutes: int | None) -> None:
        if minutes:
            text = f"Red flag snoozed for {minutes} minutes: {flag_summary(prompt)}"
            await self._record(prompt, "snooze", text, minutes=minutes)

    async def _record(
        self, prompt: Prompt, action: str, text: str, reason: str = "", minutes: int | None = None
    ) -> None:
        write = self.ops.decide_flag(
            self.incident_id,
            prompt.flag_id,
            action,
            text,
            fingerprint=prompt.fingerprint,
            reason=reason,
            minutes=minutes,
        )
        await self.write(write, f"{DONE[action]}: {one_line(prompt.action, 60)}")
