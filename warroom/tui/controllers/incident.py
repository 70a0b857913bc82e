"""The incident's own keys: pin a row, severity, phase, its details, and resolve or reopen.

Each asks what it must (a picker, a second press), then hands one write to `Operations`;
the state read after it updates the panes, so nothing is shown done before it is committed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from warroom.core import checklist, metrics
from warroom.core.models import Event, IncidentState
from warroom.core.operations import Operations, unfinished_at_resolve
from warroom.core.playbook import Playbook
from warroom.core.timeutil import hm
from warroom.tui.controllers.base import Notify, PressAgain, PushScreen, StateSource, Writer


def phase_target(playbook: Playbook, current: str, step: int) -> str | None:
    """The phase `step` away from `current` (None past either end)."""
    keys = playbook.phase_keys
    index = (keys.index(current) if current in keys else 0) + step
    return keys[index] if 0 <= index < len(keys) else None


def as_of(state: IncidentState) -> tuple[int, str | None]:
    """What a question asked over the incident was asked over: how many events it had, and the
    last in time order (a backdated one lands earlier, but counts)."""
    return state.event_count, state.events[-1].id if state.events else None


class IncidentController:
    def __init__(
        self,
        ops: Operations,
        incident_id: str,
        state: StateSource,
        write: Writer,
        notify: Notify,
        push_screen: PushScreen,
        press_again: PressAgain,
        selected: Callable[[], Awaitable[Event | None]],
    ) -> None:
        self.ops = ops
        self.playbook = ops.playbook
        self.incident_id = incident_id
        self.state = state
        self.write = write
        self.notify = notify
        self.push_screen = push_screen
        self.press_again = press_again
        self.selected = selected  # the timeline's selected event, as stored now

    async def pin(self) -> None:
        event = await self.selected()
        if event is None:
            return
        pinned = not event.pinned
        await self.write(self.ops.pin(event, pinned), "Pinned" if pinned else "Unpinned")

    def severity(self) -> None:
        from warroom.tui.screens.severity_change import SeverityChangeScreen  # when first asked for

        state = self.state()
        if state is None:
            return
        current = state.incident.severity

        async def chosen(level: int | None) -> None:
            now = self.state()
            if level is not None and now is not None:  # the cadence comes from Operations
                write = self.ops.set_severity(self.incident_id, level, now.incident.next_update_at)
                await self.write(write, f"Severity SEV-{current} → SEV-{level}")

        self.push_screen(SeverityChangeScreen(self.playbook, current), chosen)

    def details(self) -> None:
        """The details form: service, impact, % affected, started, detected; what changed is
        written as one event (as `warroom set` does)."""
        from warroom.core import details
        from warroom.tui.screens.details import DetailsScreen  # when first asked for

        state = self.state()
        if state is None:
            return
        incident, playbook, now = state.incident, self.playbook, self.ops.now()
        shown = details.as_text(incident, playbook, now)

        def read(typed: dict[str, str]) -> dict[str, object]:
            current = self.state()  # the times checked against what is recorded now
            recorded = current.incident if current is not None else incident
            return details.changes(recorded, playbook, shown, typed, self.ops.now())

        async def chosen(changes: dict[str, object] | None) -> None:
            if changes == {}:
                self.notify("Nothing changed")
            elif changes:
                said = "; ".join(details.NAMES[name] for name in changes)
                await self.write(self.ops.set_details(self.incident_id, **changes), f"Details saved: {said}")

        labels = [option.label for option in playbook.impacts]
        self.push_screen(DetailsScreen(shown, labels, read), chosen)

    async def phase(self, step: int) -> None:
        state = self.state()
        if state is None:
            return
        old = state.incident.phase
        new = phase_target(self.playbook, old, step)
        if new is None or new == old:
            return
        warning = checklist.advance_warning(state, self.playbook, new) if step > 0 else None
        if warning and not self.press_again(("phase", new, as_of(state))):
            # Fix and Postmortem (thoroughness phases) say it more firmly.
            firm = old in self.playbook.phase_keys and self.playbook.phase(old).mode == "thoroughness"
            self.notify(
                f"{warning.rstrip('.')}. Press ] again to advance anyway.",
                title="Not yet",
                severity="error" if firm else "warning",
                timeout=12 if firm else 6,
            )
            return
        await self.write(
            self.ops.set_phase(self.incident_id, new),
            f"Phase {self.playbook.phase_name(old)} → {self.playbook.phase_name(new)}",
        )

    async def resolve(self) -> None:
        """Resolve the incident, or reopen a resolved one: each asks once (press again)."""
        state = self.state()
        if state is None:
            return
        if state.incident.status == "resolved":
            if not self.press_again(("reopen", as_of(state))):
                self.notify("Press ctrl+r again to reopen the incident.", title="Reopen?", severity="warning")
                return
            await self.write(self.ops.reopen(self.incident_id), "Incident reopened")
            return
        # Asked over what the incident was then: anything written since (a mitigation level, a
        # tick) asks again, with what is still unfinished now.
        if not self.press_again(("resolve", as_of(state))):
            unfinished = unfinished_at_resolve(state, self.ops.playbook)
            said = "; ".join(unfinished)
            warning = f"{said[:1].upper()}{said[1:]}. " if said else ""
            self.notify(f"{warning}Press ctrl+r again to resolve the incident.", title="Resolve?", severity="warning")
            return
        await self.write(self.ops.resolve(self.incident_id), "Incident resolved")

    def start_offered(self) -> Event | None:
        """The earliest alert or symptom logged before the declaration, when no start is given:
        what `A` would take as the start (None when there is nothing to offer)."""
        state = self.state()
        return metrics.suggested_start(state) if state is not None else None

    async def accept_start(self) -> None:
        """Take the offered event's time as when impact started (logged, like any detail)."""
        event = self.start_offered()
        if event is None:
            return
        await self.write(
            self.ops.set_details(self.incident_id, started_at=event.ts),
            f"Start set to {hm(event.ts)} (the {event.kind} logged before declaring)",
        )
