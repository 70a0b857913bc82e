"""Save the README screenshot: the demo war room at 140x45, as the app itself renders it.

python docs/screenshot.py        # writes docs/screenshot.svg
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from warroom.core import playbook as playbook_module
from warroom.core.demo import seed_demo
from warroom.core.store import Store
from warroom.tui.app import build_app

NOW = datetime(2026, 3, 10, 14, 55, tzinfo=UTC)
OUT = Path(__file__).parent / "screenshot.svg"


async def main() -> None:
    playbook = playbook_module.load()
    path = Path(tempfile.mkdtemp()) / "demo.db"
    store = await Store.open(path, clock=lambda: NOW)
    await seed_demo(store, playbook, now=NOW)
    await store.close()
    later = NOW + timedelta(minutes=25)  # the status update is overdue: a red flag shows
    app = build_app(path, playbook, clock=lambda: later)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        app.save_screenshot(filename=OUT.name, path=str(OUT.parent))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    asyncio.run(main())
