"""What the snapshot tests share: terminal sizes, the app on a fixed clock, waiting until the
screen is still, and the `run_before` that presses keys before the shot.

Each file's way of pressing is kept as its snapshots were taken (all keys in one go, or
one by one with a pause for keys that open a screen; toasts cleared or not): a different
timing can change what the shot catches.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from fixed_clock import FIXED_NOW

from warroom.core.store import Store
from warroom.tui.app import build_app

WIDE = (140, 45)
NARROW = (80, 24)


def app_for(path, playbook, now: datetime = FIXED_NOW):
    """The real app, through the CLI's factory, with its clock stopped at `now`."""
    return build_app(path, playbook, clock=lambda: now)


def with_store(path, steps, now: datetime = FIXED_NOW):
    """Seed or read the database before the app starts: `await steps(store)` on a store whose
    clock says `now`, closed after; returns what steps returns (snapshot tests are sync)."""

    async def run():
        store = await Store.open(path, clock=lambda: now)
        try:
            return await steps(store)
        finally:
            await store.close()

    return asyncio.run(run())


async def settle(pilot, rounds: int = 4) -> None:
    """Let messages and workers finish, and stop cursors blinking (a blink would flicker the shot)."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await pilot.pause()


async def clear_toasts(pilot) -> None:
    """Toasts time out in real time: keep them out of the shot."""
    pilot.app.clear_notifications()
    await pilot.pause()


def press(*keys: str, key_pause: float | None = None, toasts: bool = True):
    """A `run_before` for snap_compare: settle, press `keys`, settle again.

    key_pause None presses the keys in one go (nothing more when there are none); a number
    presses them one at a time, pausing that long after each (a key that opens a screen
    needs ~50 ms before the next). toasts=False clears notifications before the shot.
    """

    async def run_before(pilot) -> None:
        await settle(pilot)
        if key_pause is None:
            if keys:
                await pilot.press(*keys)
                await pilot.pause(0.1)  # a screen switch takes ~50 ms since Textual 8
                await settle(pilot)
        else:
            for key in keys:
                await pilot.press(key)
                await pilot.pause(key_pause)
            await pilot.pause(0.1)
            await settle(pilot)
        if not toasts:
            await clear_toasts(pilot)

    return run_before
