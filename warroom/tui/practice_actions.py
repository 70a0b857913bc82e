"""The practice keys of the war room: containment, mitigation, temporary fixes, red-flag decisions.

A mixin for WarRoomScreen (kept apart so the screen's own file stays the layout and the
timeline). It uses the screen's helpers: `store`, `app.author`, `now()`, `incident_id`,
`playbook`, `state`, `_write(awaitable, done)` (await the commit, then show it) and
`catch_up()`. Every write is one store call; the state reload that follows updates the
panes, so nothing is shown as done before it is committed.
"""

from __future__ import annotations

from datetime import timedelta

from textual.binding import Binding

from warroom.core.metrics import is_containment_decision
from warroom.core.playbook import Containment, Mitigation
from warroom.core.rules import Prompt
from warroom.core.safetext import one_line
from warroom.tui.screens.containment import ContainmentScreen, decision_text
from warroom.tui.screens.flag_decision import DismissFlagScreen, SnoozeFlagScreen
from warroom.tui.screens.mitigation import MitigationScreen
from warroom.tui.screens.temp_fix import NewTempFix, TempFixScreen
from warroom.tui.widgets.red_flags import RedFlags
from warroom.tui.widgets.temp_fixes import TempFixes

# Screen-level keys (the red-flag and fix-list keys live on those panes: a/d/z, r/k).
PRACTICE_BINDINGS = [
    Binding("C", "containment", "Contain"),
    Binding("M", "mitigation", "Mitigation"),
    Binding("T", "add_temp_fix", "Temp fix"),
    Binding("F", "temp_fixes_pane", "Temporary fixes pane", show=False),
    Binding("ctrl+r", "resolve", "Resolve / reopen incident", show=False),
]


class PracticeActions:
    """Mixed into WarRoomScreen; see the module docstring for what it relies on."""

    # ----- containment ---------------------------------------------------------------------

    def action_containment(self) -> None:
        if self.state is None:
            return
        logged = {e.data.get("containment") for e in self.state.events if is_containment_decision(e)}
        self.app.push_screen(ContainmentScreen(self.playbook, logged), self._log_containment)

    async def _log_containment(self, row: Containment | None) -> None:
        if row is None:
            return
        await self._write(
            self.store.append(
                self.incident_id, "decision", decision_text(row), self.app.author, data={"containment": row.key}
            ),
            f"Decision logged: {row.situation}: {row.action}",
        )

    # ----- resolving --------------------------------------------------------------------------

    async def action_resolve(self) -> None:
        """Resolve the incident (asks once: press again), or reopen a resolved one."""
        if self.state is None:
            return
        incident = self.state.incident
        if incident.status == "resolved":
            await self._write(self.store.resolve(self.incident_id, self.app.author, reopen=True), "Incident reopened")
            return
        if not self.pressed_again("resolve"):
            left = sum(fix.in_place for fix in self.state.temp_fixes)
            warning = f"{left} temporary fix(es) still in place. " if left else ""
            self.notify(f"{warning}Press ctrl+r again to resolve the incident.", title="Resolve?", severity="warning")
            return
        await self._write(self.store.resolve(self.incident_id, self.app.author), "Incident resolved")

    # ----- mitigation -------------------------------------------------------------------------

    def action_mitigation(self) -> None:
        if self.state is None:
            return
        incident = self.state.incident
        screen = MitigationScreen(self.playbook, incident.mitigation, incident.restored_at is not None)
        self.app.push_screen(screen, self._set_mitigation)

    async def _set_mitigation(self, level: Mitigation | None) -> None:
        if level is None or self.state is None:
            return
        if level.key == self.state.incident.mitigation:
            self.notify(f"Mitigation is already {level.name}")
            return
        restores = level.restored and self.state.incident.restored_at is None
        await self._write(
            self.store.set_mitigation(self.incident_id, level.key, level.name, level.restored, self.app.author),
            f"Mitigation: {level.name}" + (" — service restored, time recorded" if restores else ""),
        )

    # ----- temporary fixes -----------------------------------------------------------------------

    def action_add_temp_fix(self, draft: NewTempFix | None = None) -> None:
        if self.state is None:
            return
        self.app.push_screen(TempFixScreen(draft), self._add_temp_fix)

    async def _add_temp_fix(self, fix: NewTempFix | None) -> None:
        if fix is None:
            return
        written = await self._write(
            self.store.add_temp_fix(self.incident_id, fix.what, fix.where, fix.ticket, self.app.author),
            f"Temporary fix added: {one_line(fix.what, 60)}",
        )
        if written is None:
            self.action_add_temp_fix(fix)  # not saved: the form comes back with the text in it

    def action_temp_fixes_pane(self) -> None:
        pane = self.query_one(TempFixes)
        if not pane.fixes:
            self.notify("No temporary fixes recorded (T adds one)")
            return
        pane.focus()

    async def on_temp_fixes_close_requested(self, message: TempFixes.CloseRequested) -> None:
        try:
            current = {f.id: f for f in await self.store.temp_fixes(self.incident_id)}
        except Exception as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=8)
            return
        fix = current.get(message.fix.id)
        if fix is None or not fix.in_place:  # someone else closed it meanwhile
            self.notify("That temporary fix is no longer in place")
            await self.catch_up(reload_state=True)
            return
        verb = "made permanent" if message.permanent else "removed"
        await self._write(
            self.store.close_temp_fix(fix, self.app.author, message.permanent),
            f"Temporary fix {verb}: {one_line(fix.what, 60)}",
        )

    # ----- red-flag decisions ----------------------------------------------------------------------

    async def on_red_flags_decision_requested(self, message: RedFlags.DecisionRequested) -> None:
        prompt = message.prompt
        if message.action == "ack":
            await self._record_flag(prompt, "ack", f"Red flag acknowledged: {flag_summary(prompt)}")
        elif message.action == "dismiss":
            self.app.push_screen(DismissFlagScreen(prompt), lambda reason: self._dismiss_flag(prompt, reason))
        elif message.action == "snooze":
            choices = list(self.playbook.thresholds.snooze_minutes)
            self.app.push_screen(SnoozeFlagScreen(prompt, choices), lambda m: self._snooze_flag(prompt, m))

    async def _dismiss_flag(self, prompt: Prompt, reason: str | None) -> None:
        if reason:
            text = f"Red flag dismissed: {flag_summary(prompt)} — reason: {reason}"
            await self._record_flag(prompt, "dismiss", text, reason=reason)

    async def _snooze_flag(self, prompt: Prompt, minutes: int | None) -> None:
        if minutes:
            until = self.now() + timedelta(minutes=minutes)
            text = f"Red flag snoozed for {minutes} minutes: {flag_summary(prompt)}"
            await self._record_flag(prompt, "snooze", text, until=until)

    async def _record_flag(self, prompt: Prompt, action: str, text: str, **extra) -> None:
        done = {"ack": "Acknowledged", "dismiss": "Dismissed", "snooze": "Snoozed"}[action]
        await self._write(
            self.store.record_flag(
                self.incident_id,
                prompt.flag_id,
                action,
                self.app.author,
                text=text,
                fingerprint=prompt.fingerprint,
                **extra,
            ),
            f"{done}: {one_line(prompt.action, 60)}",
        )


def flag_summary(prompt: Prompt) -> str:
    """What the timeline says about the flag: its advice and why it fired."""
    return f"{prompt.action} ({prompt.detail})" if prompt.detail else prompt.action
