"""Helpers the Pilot tests share: wait for the app to settle, build it on a fixed clock,
and read the database behind it."""

from __future__ import annotations

import sqlite3

from fixed_clock import FIXED_NOW

from warroom.tui.app import build_app
from warroom.tui.screens.warroom import WarRoomScreen


async def settle(pilot, rounds: int = 3) -> None:
    """Let queued messages, refreshes and workers finish (no fixed sleeps)."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()


def app_for(path, playbook):
    return build_app(path, playbook, clock=lambda: FIXED_NOW)


async def open_war_room(pilot) -> WarRoomScreen:
    await settle(pilot)
    assert isinstance(pilot.app.screen, WarRoomScreen)
    return pilot.app.screen


def query(path, sql: str, params=()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
