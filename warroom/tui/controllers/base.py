"""What every controller shares: how it tells the commander, and how a write is shown.

A write is awaited first and shown only when it is committed (`Writer`): the timeline
catches up, then the one line saying what was done. A failure is a notification that
keeps the commander where they were; an unexpected one is logged (`errorlog.report`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from time import monotonic
from typing import Any, Protocol, TypeVar

from textual.notifications import SeverityLevel

from warroom.core.errorlog import report
from warroom.core.models import IncidentState

T = TypeVar("T")

# A guarded key (advance with unticked items, resolve) must be pressed again within this.
CONFIRM_SECONDS = 10

# The incident on screen as last read (None before the first read).
StateSource = Callable[[], IncidentState | None]
# Pushes a modal screen and calls back with its result (App.push_screen).
PushScreen = Callable[..., Any]


class Notify(Protocol):
    """Widget.notify: one line for the commander."""

    def __call__(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None: ...


class Writer:
    """Awaits one write; only once it is committed does the screen catch up and say so."""

    def __init__(self, notify: Notify, caught_up: Callable[[], Awaitable[None]]) -> None:
        self.notify = notify
        self.caught_up = caught_up

    async def __call__(self, write: Awaitable[T], done: str | None = None) -> T | None:
        """The write's result, or None when it failed (the failure is a notification)."""
        try:
            result = await write
        except Exception as exc:
            self.notify(report(exc, "saving"), title="Not saved", severity="error", timeout=8)
            return None
        await self.caught_up()
        if done:
            self.notify(done)
        return result


class PressAgain:
    """A guarded key asks first; the same key pressed again within CONFIRM_SECONDS confirms.

    A question older than that does not count: a press twenty minutes later asks again."""

    def __init__(self) -> None:
        self._asked: tuple[object, float] | None = None

    def __call__(self, what: object) -> bool:
        asked, self._asked = self._asked, (what, monotonic())
        if asked is not None and asked[0] == what and monotonic() - asked[1] < CONFIRM_SECONDS:
            self._asked = None
            return True
        return False
