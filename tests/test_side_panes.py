"""The side panes' own behaviour, widget by widget: the red-flags pane's highlight across
evaluations (it follows its flag while the flag fires, and falls to the flag that took its
place when it went); the severity pane's update cadence as people say it."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from warroom.core.rules import Prompt
from warroom.tui.widgets.red_flags import RedFlags

pytestmark = pytest.mark.tui


def prompt(flag_id: str) -> Prompt:
    return Prompt(flag_id, flag_id, f"thought {flag_id}", "reality", "action", "", flag_id, "warning")


class FlagsApp(App):
    def compose(self) -> ComposeResult:
        yield RedFlags(id="flags")


def highlighted(pane: RedFlags) -> str | None:
    return pane.selected_prompt.flag_id if pane.selected_prompt else None


async def test_the_highlight_follows_its_flag_and_falls_to_the_next_when_it_goes():
    app = FlagsApp()
    async with app.run_test() as pilot:
        pane = app.query_one(RedFlags)
        pane.show([prompt("a"), prompt("b"), prompt("c")])
        pane.focus()
        await pilot.press("down")
        assert highlighted(pane) == "b"
        pane.show([prompt("new"), prompt("a"), prompt("b"), prompt("c")])  # a flag appears above
        assert highlighted(pane) == "b"
        pane.show([prompt("new"), prompt("a"), prompt("c")])  # b acknowledged: c took its place
        assert highlighted(pane) == "c"
        pane.show([prompt("new"), prompt("a")])  # the last one went: the one before it
        assert highlighted(pane) == "a"
        pane.show([])
        assert highlighted(pane) is None
        pane.show([prompt("x"), prompt("y")])  # from none: the first
        assert highlighted(pane) == "x"
        pane.show([prompt("x"), prompt("new"), prompt("y")])
        pane.to_the_newest()  # f from another pane: the one that began firing last
        assert highlighted(pane) == "new"


def test_an_update_cadence_reads_as_people_say_it():
    from datetime import timedelta

    from warroom.tui.widgets.severity import cadence

    assert [cadence(timedelta(minutes=m)) for m in (15, 30, 60, 90, 120, 240)] == [
        "15m",
        "30m",
        "1h",
        "90m",
        "2h",
        "4h",
    ]


def test_the_severity_pane_names_the_incidents_own_impact_when_recorded(playbook):
    from datetime import UTC, datetime

    from warroom.core.models import Incident
    from warroom.tui.widgets.severity import incident_impact

    def rows(**fields):
        incident = Incident(
            id="INC-1", title="t", severity=2, phase="assess", commander="dana", declared_at=datetime.now(UTC), **fields
        )
        return incident_impact(playbook, incident)

    assert rows() == []
    assert rows(impact="some", impact_pct=12.5) == [("Impact", "Some users (12.5% affected)")]
    assert rows(impact="EU only") == [("Impact", "EU only")]
    assert rows(impact_pct=0.0, service="checkout") == [("Impact", "0% affected"), ("Service", "checkout")]


async def test_snoozed_flags_are_counted_not_hidden_without_a_word():
    from datetime import UTC, datetime

    app = FlagsApp()
    async with app.run_test():
        pane = app.query_one(RedFlags)
        until = datetime(2026, 3, 10, 14, 43, tzinfo=UTC)
        pane.show([], (), [(prompt("a"), until)])
        assert pane.border_title == "Red flags · 1 snoozed"
        shown = str(pane.get_option_at_index(0).prompt)
        assert shown.startswith("No red flags right now.") and "Snoozed until" in shown
        assert "thought a" in shown  # which one is asleep, not only how many
        pane.show([prompt("b")], (), [(prompt("a"), until)])
        assert pane.border_title == "Red flags (1) · 1 snoozed"
        pane.show([prompt("b")])
        assert pane.border_title == "Red flags (1)"


async def test_flags_evaluated_again_unchanged_do_not_repaint_the_pane(monkeypatch):
    """Evaluated every few seconds: the same flags leave the pane alone (its border title was set
    each time, and setting one repaints: the idle war room drew a frame every few seconds)."""
    app = FlagsApp()
    async with app.run_test() as pilot:
        pane = app.query_one(RedFlags)
        pane.show([prompt("a"), prompt("b")])
        await pilot.pause()
        repaints = []
        monkeypatch.setattr(pane, "refresh", lambda *a, **k: repaints.append(1) or pane)
        pane.show([prompt("a"), prompt("b")])
        pane.show([prompt("a"), prompt("b")])
        assert repaints == []
        pane.show([prompt("a")])  # something changed: drawn again
        assert repaints
