"""The red-flags pane's highlight across evaluations (warroom/tui/widgets/red_flags.py): it
follows its flag while the flag fires, and takes the flag that took its place when it went."""

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
