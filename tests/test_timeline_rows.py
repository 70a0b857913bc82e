"""The timeline keeps rows as drawn: what it shows must still follow every change to a row,
to the cursor, to focus and to the theme (the pane draws only rows it has not drawn so)."""

from __future__ import annotations

import pytest
from pilot import app_for, open_war_room, settle, type_text

from warroom.tui.widgets.timeline import Timeline

pytestmark = pytest.mark.tui
SIZE = (140, 45)


def shown(timeline: Timeline) -> list[str]:
    """The timeline's rows as the pane draws them now (its kept rows where it has them)."""
    timeline.render_lines(timeline.region.reset_offset)  # the frame's look, as the compositor asks
    return [timeline.render_line(y).text for y in range(timeline.scrollable_content_region.height)]


def cursor_row_style(timeline: Timeline):
    timeline.render_lines(timeline.region.reset_offset)
    row = timeline.render_line(timeline.cursor - int(timeline.scroll_y))
    return [seg.style for seg in row if seg.text.strip()][-1]


async def test_rows_follow_amends_cursor_focus_and_theme(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        timeline = screen.query_one(Timeline)
        timeline.focus()
        await settle(pilot)
        before = shown(timeline)
        assert shown(timeline) == before  # drawn again from what it kept: the same rows

        await pilot.press("l")  # a new row, drawn at the end and selected
        await type_text(pilot, "logged then amended")
        await pilot.press("enter")
        await settle(pilot)
        assert "logged then amended" in shown(timeline)[timeline.cursor - int(timeline.scroll_y)]
        await pilot.press("e", "ctrl+u")  # amend it: the pane shows the new text
        await type_text(pilot, "amended while drawn")
        await pilot.press("enter")
        await settle(pilot)
        assert any("amended while drawn" in row for row in shown(timeline))

        focused = cursor_row_style(timeline)
        await pilot.press("up")  # the cursor's old row loses its highlight, the new one gets it
        await settle(pilot)
        assert cursor_row_style(timeline) == focused
        rows = shown(timeline)
        assert rows != before and any("amended while drawn" in row for row in rows)

        screen.set_focus(None)  # focus leaves the pane: the cursor's colour changes
        await settle(pilot)
        assert cursor_row_style(timeline) != focused
        timeline.focus()
        await settle(pilot)
        assert cursor_row_style(timeline) == focused

        app.theme = "dracula" if app.theme != "dracula" else "nord"
        await settle(pilot)
        assert cursor_row_style(timeline) != focused  # a new theme draws every row again


async def test_new_rows_scroll_the_pane_and_bring_its_scrollbar(demo_db, playbook):
    """A new row changes the pane's scrolling without a layout of the screen: the size, the
    scrollbar (here it has to appear) and the scroll to the new row still follow."""
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        timeline = screen.query_one(Timeline)
        rows = len(timeline.keys)
        # A terminal where every row fits with one line to spare, so the second entry overflows.
        height = SIZE[1] + rows + 1 - timeline.scrollable_content_region.height
        await pilot.resize_terminal(SIZE[0], height)
        await settle(pilot)
        assert timeline.scrollable_content_region.height == rows + 1
        assert not timeline.show_vertical_scrollbar
        for n, text in enumerate(("fills the last line", "one line more than the pane"), 1):
            await pilot.press("l")
            await type_text(pilot, text)
            await pilot.press("enter")
            await settle(pilot)
            assert len(timeline.keys) == rows + n
            assert timeline.virtual_size.height == rows + n
            assert timeline.show_vertical_scrollbar == (n == 2)
            if n == 2:
                assert timeline.vertical_scrollbar.window_virtual_size == rows + n
            assert timeline.scroll_y == timeline.max_scroll_y == n - 1
            assert text in shown(timeline)[-1]


async def test_a_focus_change_styles_the_rows_as_a_full_restyle_does(demo_db, playbook):
    """Focus restyles only the cursor's component style (Timeline.watch_has_focus) and rows keep
    the others' rich styles (Timeline._row_style): each must still be what Textual's full
    restyle gives, focused and not, and the pane's own look (its border) must follow focus."""
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        timeline = screen.query_one(Timeline)
        names = list(Timeline.ROW_STYLES)  # every component, in the order rows keep them

        def looks() -> tuple:
            return tuple(timeline.get_component_rich_style(name) for name in names), timeline.styles.border

        cursor = {}
        for focused in (True, False, True):
            if focused:
                timeline.focus()
            else:
                screen.set_focus(None)
            await settle(pilot)
            assert timeline.has_focus == focused
            after_focus = looks()
            timeline.render_lines(timeline.region.reset_offset)  # a frame: the rows' styles as drawn
            assert timeline._look is not None and timeline._look[2] == after_focus[0]
            app.update_styles(timeline)  # Textual's own restyle of the pane, every component
            assert looks() == after_focus
            cursor.setdefault(focused, after_focus[0][names.index("timeline--cursor")])
        assert cursor[True] != cursor[False]  # the cursor's colour follows focus


async def test_a_triage_answer_shows_the_question_it_answers(demo_db, playbook):
    from pilot import query

    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        timeline = screen.query_one(Timeline)
        [first] = query(demo_db, "SELECT seq FROM events WHERE kind = 'triage' ORDER BY seq LIMIT 1")
        timeline.move_to(timeline.keys.index(first["seq"]))
        await settle(pilot)
        rows = [row for row in shown(timeline) if " triage " in row]
        assert rows and all("?" in row.split(" triage ", 1)[1] for row in rows)
        assert any("What's broken? Checkout: payment step returns 500" in row for row in rows)
