"""benchmarks/team_bench.py runs end to end at tiny sizes (no timing asserted): every figure is
produced beside its baseline and goal, and the catch-up file holds every event."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow  # two clusters' worth of processes: ~15 s


def test_team_bench_produces_every_row():
    from benchmarks import team_bench

    rows = team_bench.measure(events=300, samples=4)
    assert [r.figure.split(",")[0] for r in rows] == [
        "team: commit on A to committed on B",
        "team: a commit on A with sync following vs without (p50 / p99)",
        "team: catching up 300 events",
    ]
    assert all(r.baseline != "—" and r.goal != "—" and r.ok is not None for r in rows)
    assert "300 rows in the file afterwards" in rows[-1].note
