"""The war room's frames render only the widgets inside what changed (CroppedCompositor),
and what they draw is what a full render of the screen draws: a terminal painted only with
the partial updates matches the whole screen rendered afresh, step after step of use."""

from __future__ import annotations

import pytest
from pilot import app_for, open_war_room, settle, type_text
from textual.app import App
from textual.geometry import Region

from benchmarks.shadow import Shadow
from warroom.tui.compositor import CroppedCompositor

pytestmark = pytest.mark.tui

SIZE = (140, 45)


@pytest.fixture
def terminal(monkeypatch) -> Shadow:
    shown = Shadow(*SIZE)
    display = App._display

    def painted(app, screen, renderable) -> None:
        display(app, screen, renderable)
        if renderable is not None:
            shown.paint(renderable)

    monkeypatch.setattr(App, "_display", painted)
    return shown


def full_render(app) -> list[str]:
    return ["".join(strip.text for strip in [line]) for line in app.screen._compositor.render_strips()]


async def test_partial_frames_draw_what_a_full_render_draws(demo_db, playbook, terminal):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        assert isinstance(screen._compositor, CroppedCompositor)
        steps = [
            ("l", "first row logged"),
            ("down",),
            ("up",),
            ("tab",),
            ("tab",),
            ("l", "second row logged"),
            ("slash", "latency"),
            ("n",),
            ("end",),
            ("question_mark",),  # a screen over the war room, then back
            ("escape",),
            ("y",),  # the update picker and its preview over the war room
            ("enter",),
            ("escape",),
            ("escape",),
        ]
        for step in steps:
            await pilot.press(step[0])
            if len(step) > 1:
                await type_text(pilot, step[1])
                await pilot.press("enter")
            await settle(pilot)
            assert terminal.lines() == full_render(app), f"after {step}"
        assert any("second row logged" in line for line in terminal.lines())


async def test_the_frame_that_shows_a_logged_row_renders_only_the_timeline(demo_db, playbook, terminal, monkeypatch):
    """Not every pane of the screen: the row's frame is cropped to the timeline's box, and the
    entry line closes (its look, the key bar) in the frame after it."""
    frames: list[tuple[list[str], set[str]]] = []
    rendered: set[str] = set()
    widgets_in = CroppedCompositor.widgets_in

    def recorded(self, crop: Region):
        found = widgets_in(self, crop)
        rendered.update(type(widget).__name__ for widget, _region, _shown in found)
        return found

    display = App._display

    def framed(app, screen, renderable) -> None:
        display(app, screen, renderable)
        if renderable is not None:
            frames.append((terminal.lines(), set(rendered)))
            rendered.clear()

    monkeypatch.setattr(CroppedCompositor, "widgets_in", recorded)
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        await pilot.press("l")
        await type_text(pilot, "only the timeline redrawn")
        monkeypatch.setattr(App, "_display", framed)
        frames.clear()
        rendered.clear()
        await pilot.press("enter")
        await settle(pilot)
    showing = [widgets for lines, widgets in frames if any("only the timeline redrawn" in line for line in lines)]
    assert showing, "no frame showed the row"
    assert "Timeline" in showing[0]
    assert not showing[0] & {"Checklist", "RedFlags", "SeverityPane", "IncidentHeader", "KeyBar", "EntryLine"}
