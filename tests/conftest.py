"""Shared fixtures: a scratch database, a fixed clock, the shipped playbook, and the
snapshot folder recipe (syrupy has no option for it; see ../shared/STYLE.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_textual_snapshot

from warroom.core import playbook as playbook_module

# 14:55 UTC on a fixed day: the demo's story ends here in snapshots and golden tests.
FIXED_NOW = datetime(2026, 3, 10, 14, 55, 0, tzinfo=UTC)


class _TopLevelSnapshots(pytest_textual_snapshot.SVGImageExtension):
    @classmethod
    def dirname(cls, *, test_location) -> str:
        root = Path(test_location.filepath).parent.parent
        return str(root / "snapshots" / Path(test_location.filepath).stem)


pytest_textual_snapshot.SVGImageExtension = _TopLevelSnapshots


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """Never touch the developer's real data, config or clipboard; a fixed local zone."""
    monkeypatch.setenv("WARROOM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WARROOM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WARROOM_AUTHOR", "dana")
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("WARROOM_DB", raising=False)
    monkeypatch.delenv("WARROOM_NOW", raising=False)
    monkeypatch.delenv("TMUX", raising=False)
    import time

    time.tzset()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "war.db"


@pytest.fixture
def fixed_now() -> datetime:
    return FIXED_NOW


@pytest.fixture
def clock(fixed_now):
    return lambda: fixed_now


@pytest.fixture(scope="session")
def playbook():
    return playbook_module.load()


@pytest.fixture
def demo_db(tmp_path, playbook) -> Path:
    """The demo incident seeded at FIXED_NOW (sync, so snapshot tests can use it too)."""
    import asyncio

    from warroom.core.demo import seed_demo
    from warroom.core.store import Store

    path = tmp_path / "demo.db"

    async def seed() -> None:
        store = await Store.open(path, clock=lambda: FIXED_NOW)
        try:
            await seed_demo(store, playbook, now=FIXED_NOW)
        finally:
            await store.close()

    with pytest.MonkeyPatch.context() as patch:  # a fixed incident id, for snapshots
        patch.setattr("warroom.core.store.new_incident_id", lambda day: f"INC-{day}-demo")
        asyncio.run(seed())
    return path
