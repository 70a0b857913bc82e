"""The cores of `warroom actions` and `warroom stats` (the TUI screens reuse them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from builders import Story, at

from warroom.core import followups, stats
from warroom.core.models import ActionItem

CREATED = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def _item(n, *, owner="kim", due="", status="Open", incident="inc-1"):
    return ActionItem(
        id=f"a{n}", incident_id=incident, action=f"item {n}", owner=owner, due=due, status=status, created_at=CREATED
    )


@pytest.mark.parametrize(
    "due, expected",
    [
        ("2026-03-20", date(2026, 3, 20)),
        ("3/15", date(2026, 3, 15)),
        ("3/1", date(2027, 3, 1)),  # month/day already past when created: next year's
        ("3/10", date(2026, 3, 10)),  # the day it was created
        ("13/40", None),
        ("next sprint", None),
        ("", None),
    ],
)
def test_due_text_read_as_a_date_when_it_is_one(due, expected):
    assert followups.due_date(_item(1, due=due)) == expected


@pytest.mark.parametrize("status", ["Done", "done", "Closed", "Won\u2019t do", "wont  do", "Cancelled"])
def test_closing_words_close_an_item(status):
    assert not followups.is_open(_item(1, status=status))


@pytest.mark.parametrize("status", ["Open", "In progress", "Blocked", ""])
def test_other_statuses_are_open(status):
    assert followups.is_open(_item(1, status=status))


def _state(incident_id, declared, *items):
    story = Story(declared=declared)
    story.incident.id = incident_id
    state = story.state()
    state.action_items = list(items)
    return state


def test_follow_ups_across_incidents_overdue_first_then_by_due():
    old = _state("old", 0, _item(1, due="2026-03-12", incident="old"), _item(2, due="", incident="old"))
    new = _state(
        "new",
        60,
        _item(3, due="2026-03-25", owner="Lee", incident="new"),
        _item(4, due="2026-03-11", incident="new"),
        _item(5, due="2026-03-01", status="Done", incident="new"),
    )
    found = followups.follow_ups([old, new], date(2026, 3, 13))
    assert [f.item.id for f in found] == ["a4", "a1", "a3", "a2"]
    assert [f.overdue for f in found] == [True, True, False, False]
    assert found[0].incident_id == "new" and found[0].incident_title == "Checkout failing"
    assert [f.item.id for f in followups.follow_ups([old, new], date(2026, 3, 13), owner="lee")] == ["a3"]
    assert [f.item.id for f in followups.follow_ups([old, new], date(2026, 3, 13), overdue_only=True)] == ["a4", "a1"]
    # Due today is not late yet.
    assert not followups.follow_ups([old], date(2026, 3, 12), overdue_only=True)
    row = followups.as_json(found[0])
    assert row["overdue"] is True and row["due_date"] == "2026-03-11" and row["incident"] == "new"


# ----- stats ----------------------------------------------------------------------------------


def _resolved(declared_day: datetime, severity: int, *, detect=None, mitigate=None, resolve=None, escalate=None):
    """An incident declared at `declared_day` 10:00 that started 10 minutes before."""
    story = Story(declared=0, started=-10, detected=(-10 + detect) if detect is not None else None, severity=severity)
    shift = declared_day - at(0)
    for name in ("declared_at", "started_at", "detected_at"):
        value = getattr(story.incident, name)
        if value is not None:
            setattr(story.incident, name, value + shift)
    if escalate is not None:
        story.severity(escalate, 1)
    state = story.state()
    if mitigate is not None:
        state.incident.restored_at = state.incident.started_at + timedelta(minutes=mitigate)
    if resolve is not None:
        state.incident.status = "resolved"
        state.incident.resolved_at = state.incident.started_at + timedelta(minutes=resolve)
    return state


def test_weekly_counts_by_highest_severity_and_medians():
    monday = datetime(2026, 3, 2, 10, tzinfo=UTC)
    states = [
        _resolved(monday, 2, detect=4, mitigate=20, resolve=60),
        _resolved(monday + timedelta(days=2), 3, detect=8, mitigate=40, resolve=120, escalate=1),
        _resolved(monday + timedelta(days=3), 2, mitigate=30),  # detected when declared (10 min), not resolved
        _resolved(monday + timedelta(days=21), 4, detect=2, resolve=30),  # two empty weeks between
    ]
    summary = stats.weekly(states, None, monday + timedelta(days=30))
    assert [w.start for w in summary.weeks] == [
        date(2026, 3, 2),
        date(2026, 3, 9),
        date(2026, 3, 16),
        date(2026, 3, 23),
    ]
    first, _, empty, last = summary.weeks
    assert first.counts == {1: 1, 2: 2, 3: 0, 4: 0} and first.total == 3  # the escalated one counts as SEV-1
    assert first.medians["detect"] == timedelta(minutes=8) and first.samples["detect"] == 3
    assert first.medians["mitigate"] == timedelta(minutes=30)
    assert first.medians["resolve"] == timedelta(minutes=90)
    assert empty.total == 0 and empty.medians["resolve"] is None
    assert last.counts[4] == 1 and last.medians["resolve"] == timedelta(minutes=30)
    assert summary.incidents == 4 and summary.medians["resolve"] == timedelta(minutes=60)
    text = stats.render_text(summary)
    assert "2026-03-02" in text and "4 incidents in 4 weeks" in text
    assert "medians: detect 6m00s, mitigate 30m00s, resolve 1h00m" in text
    data = stats.as_json(summary)
    assert data["weeks"][0]["by_severity"] == {"sev1": 1, "sev2": 2, "sev3": 0, "sev4": 0}
    assert data["weeks"][0]["median_seconds"]["detect"] == 480
    since = stats.weekly(states, None, monday + timedelta(days=30), since=date(2026, 3, 10))
    assert since.incidents == 1 and since.weeks[0].start == date(2026, 3, 9)


def test_no_incidents_says_so():
    summary = stats.weekly([], None, at(0))
    assert summary.weeks == [] and stats.render_text(summary) == "no incidents\n"


def test_the_count_chart_ticks_whole_incidents():
    from warroom.tui.screens.stats import count_ticks

    assert count_ticks(0) == [0, 1]
    assert count_ticks(1) == [0, 1]
    assert count_ticks(3) == [0, 1, 2, 3]
    assert count_ticks(12) == [0, 3, 6, 9, 12]
    assert all(isinstance(t, int) for t in count_ticks(7))
