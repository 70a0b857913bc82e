"""The soak, short: two war rooms in real terminals, two `warroom log` writers killed at random.

The full run (four writers x 2,000 events, ten minutes) is `python -m benchmarks.soak`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_short_soak_loses_doubles_and_locks_nothing():
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.soak", "--writers", "2", "--events", "40", "--seconds", "90", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    figures = json.loads(proc.stdout.splitlines()[-1])
    assert figures["acknowledged"] > 0 and figures["killed"] > 0, figures  # writes landed, and some were killed
    assert figures["lost"] == [] and figures["doubled"] == [] and figures["locked"] == [], figures
    assert figures["other_failures"] == [], figures
    assert figures["probes"] > 0 and figures["draws_missing"] == 0, figures  # both war rooms followed the tail
    assert figures["war_rooms_alive_at_end"] == 2 and figures["integrity_check"] == "ok", figures
    assert proc.returncode == 0, proc.stderr
