"""Pilot tests for the postmortem screen: sections saved as typed, blameless checks,
action items with their review checks, export."""

from __future__ import annotations

import asyncio

import pytest
from fixed_clock import FIXED_NOW
from pilot import app_for, notifications, query, settle, type_text, wait_until

from warroom.core import documents
from warroom.core.store import Store
from warroom.tui.screens.postmortem import ActionItemEditor, PostmortemScreen
from warroom.tui.screens.warroom import WarRoomScreen

pytestmark = pytest.mark.tui


@pytest.fixture(autouse=True)
def _quick_debounce(monkeypatch):
    """Sections save 50 ms after the last key here (0.4 s in use): the tests wait for the
    save itself, and the ones that check nothing was saved wait well past it."""
    monkeypatch.setattr(PostmortemScreen, "SAVE_AFTER_SECONDS", 0.05)


SIZE = (140, 45)


@pytest.fixture
def demo_db(tmp_path, playbook, monkeypatch):
    """The demo without its postmortem draft: these tests write the sections and items themselves.

    The store is append-only (drafts and action items are events), so the demo is seeded
    without them rather than having them deleted afterwards."""
    from warroom.core import demo

    monkeypatch.setattr(demo, "POSTMORTEM_DRAFT", {})
    monkeypatch.setattr(demo, "ACTION_ITEMS", ())
    monkeypatch.setattr("warroom.core.store.new_incident_id", lambda day: f"INC-{day}-demo")
    path = tmp_path / "demo.db"

    async def seed() -> None:
        store = await Store.open(path, clock=lambda: FIXED_NOW)
        try:
            await demo.seed_demo(store, playbook, now=FIXED_NOW)
        finally:
            await store.close()

    asyncio.run(seed())
    return path


def texts(path) -> dict[str, str]:
    return {r["name"]: r["text"] for r in query(path, "SELECT name, text FROM texts")}


async def action_items(path) -> list[dict]:
    """The incident's action items as the store folds them (they are events now)."""
    store = await Store.open(path)
    try:
        [incident_id] = [r["id"] for r in query(path, "SELECT id FROM incidents")]
        return [item.model_dump() for item in (await store.load_state(incident_id)).action_items]
    finally:
        await store.close()


async def open_postmortem(pilot) -> PostmortemScreen:
    await settle(pilot)
    assert isinstance(pilot.app.screen, WarRoomScreen)
    await pilot.press("P")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, PostmortemScreen), "the postmortem screen")
    await settle(pilot)
    return pilot.app.screen


async def test_typing_a_section_is_saved_after_the_debounce(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_postmortem(pilot)
        screen.query_one("#pm-summary").focus()
        await type_text(pilot, "Checkout failed for 18 minutes.")
        await wait_until(pilot, lambda: "postmortem.summary" in texts(demo_db), "the debounced save")
        await settle(pilot)
        assert texts(demo_db)["postmortem.summary"] == "Checkout failed for 18 minutes."
        # The generated postmortem on the right now carries it.
        assert "Checkout failed for 18 minutes." in screen.query_one("#pm-generated").text

    app = app_for(demo_db, playbook)  # and it is there next time
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_postmortem(pilot)
        assert screen.query_one("#pm-summary").text == "Checkout failed for 18 minutes."


async def test_leaving_flushes_a_pending_save(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_postmortem(pilot)
        screen.query_one("#pm-root_cause").focus()
        await type_text(pilot, "Token cache TTL")
        await pilot.press("escape")  # before the debounce fires
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
    assert texts(demo_db)["postmortem.root_cause"] == "Token cache TTL"


async def test_opening_does_not_write_untouched_sections(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_postmortem(pilot)
        await pilot.pause(0.3)  # six times the debounce: a save would have been written
        await settle(pilot)
    assert not any(name.startswith("postmortem.") for name in texts(demo_db))


async def test_blaming_sentence_is_flagged_with_a_rewording(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_postmortem(pilot)
        screen.query_one("#pm-went_poorly").focus()
        await type_text(pilot, "Alex forgot to check the canary.")
        await settle(pilot)
        check = str(screen.query_one("#pm-check-went_poorly").render())
        assert "blaming" in check and "Alex forgot" in check
        assert "try:" in check
        # A system-focused sentence is not flagged.
        screen.query_one("#pm-went_well").focus()
        await type_text(pilot, "The rollback took two minutes.")
        await settle(pilot)
        assert str(screen.query_one("#pm-check-went_well").render()).strip() == ""


async def test_add_a_vague_action_item_then_fix_it(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_postmortem(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, ActionItemEditor)
        editor = app.screen
        await type_text(pilot, "Improve monitoring")
        await settle(pilot)
        live = str(editor.query_one("#ai-checks").render())
        assert "no owner" in live and "no due date" in live
        await pilot.press("ctrl+s")  # saved even when flagged: the flags stay visible
        await settle(pilot)
        assert isinstance(app.screen, PostmortemScreen)
        rows = await action_items(demo_db)
        assert [r["action"] for r in rows] == ["Improve monitoring"]
        table = screen.query_one("#pm-actions")
        assert table.row_count == 1
        assert str(table.get_row_at(0)[4]).startswith("⚑")
        assert "improve" in str(screen.query_one("#pm-action-checks").render()).lower()

        # Edit it into a good item: specific, owned, dated.
        table.focus()
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, ActionItemEditor)
        await pilot.press("end", "ctrl+u")  # clear the old action
        await type_text(pilot, "Alert when the checkout error rate exceeds 2% for 5 minutes")
        await pilot.press("enter")
        await pilot.press(*"alex", "enter")
        await type_text(pilot, "2026-03-24")
        await pilot.press("enter", "enter")  # the last enter: status, saves
        await settle(pilot)
        assert isinstance(app.screen, PostmortemScreen)
        rows = await action_items(demo_db)
        assert len(rows) == 1
        assert rows[0]["owner"] == "alex" and rows[0]["due"] == "2026-03-24"
        assert rows[0]["action"] == "Alert when the checkout error rate exceeds 2% for 5 minutes"
        assert str(table.get_row_at(0)[4]) == "ok"


async def test_action_item_needs_an_action_and_cancel_writes_nothing(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_postmortem(pilot)
        await pilot.press("ctrl+n", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ActionItemEditor)  # refused: no action
        assert app.screen.focused.id == "ai-action"
        await pilot.press("enter", "enter", "enter", "enter")  # enter in the last field saves: refused too
        await settle(pilot)
        assert isinstance(app.screen, ActionItemEditor)
        await type_text(pilot, "Typed then cancelled")
        await pilot.press("escape")  # over what was typed, Esc asks once
        await settle(pilot)
        assert isinstance(app.screen, ActionItemEditor)
        await type_text(pilot, ", really")  # typing again: the next Esc asks again
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ActionItemEditor)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PostmortemScreen)
    assert (await action_items(demo_db)) == []


async def test_export_writes_the_postmortem(demo_db, playbook, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_postmortem(pilot)
        screen.query_one("#pm-summary").focus()
        await type_text(pilot, "Checkout failed after a deploy.")
        await pilot.press("ctrl+s")  # export flushes first
        await settle(pilot)
        incident_id = screen.incident_id
    target = tmp_path / f"postmortem-{incident_id}.md"
    written = target.read_text(encoding="utf-8")
    store = await Store.open(demo_db, clock=lambda: FIXED_NOW)
    try:
        expected = await documents.render_from_store("postmortem", store, incident_id, playbook, FIXED_NOW)
    finally:
        await store.close()
    assert written == expected
    assert "Checkout failed after a deploy." in written
    assert "```mermaid" in written


async def test_export_dir_argument_and_unwritable_folder(demo_db, playbook, tmp_path):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        war_room = app.screen
        missing = tmp_path / "no" / "such"
        screen = PostmortemScreen(app.store, war_room.incident_id, playbook, app.clock, export_dir=missing)
        await app.push_screen(screen)
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any("Cannot write" in n.message for n in notifications(app))
        screen.export_dir = tmp_path
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert (tmp_path / f"postmortem-{war_room.incident_id}.md").exists()


async def test_quitting_right_after_typing_loses_nothing(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_postmortem(pilot)
        await type_text(pilot, "typed then quit")
        await pilot.press("ctrl+q")
        await settle(pilot)
    assert texts(demo_db)["postmortem.summary"] == "typed then quit"


async def test_failed_save_is_reported_and_retried_on_leaving(demo_db, playbook):
    from warroom.core.errors import DatabaseError

    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_postmortem(pilot)
        real = app.store.save_text
        locked = True  # until the cause is fixed, every save fails (typing may save more than once)

        async def flaky(*args, **kwargs):  # save_text's keywords (generated=) passed through
            if locked:
                raise DatabaseError("database is locked")
            await real(*args, **kwargs)

        app.store.save_text = flaky
        await pilot.press(*"first try")
        await wait_until(
            pilot, lambda: any("Not saved: database is locked" in n.message for n in notifications(app)), "the failure"
        )
        assert "postmortem.summary" not in texts(demo_db)
        locked = False
        await screen.flush()
        await settle(pilot)
        assert texts(demo_db)["postmortem.summary"] == "first try"


async def test_export_warns_about_what_is_still_flagged(demo_db, playbook, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_postmortem(pilot)
        screen.query_one("#pm-summary").focus()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not any("still flagged" in n.message for n in notifications(app))  # the demo is clean
        screen.query_one("#pm-went_poorly").focus()
        await type_text(pilot, "John deployed buggy code. ")
        await pilot.press("ctrl+s")
        await settle(pilot)
        warnings = [n for n in notifications(app) if "still flagged" in n.message]
        assert warnings and "1 blaming sentence" in warnings[-1].message and warnings[-1].severity == "warning"
        incident_id = screen.incident_id
    target = tmp_path / f"postmortem-{incident_id}.md"
    assert "John deployed buggy code" in target.read_text(encoding="utf-8")  # written anyway
    assert target.stat().st_mode & 0o777 == 0o600


async def test_enter_walks_the_action_item_fields_and_saves_from_the_last(demo_db, playbook):
    """Enter in the action field used to save at once: the owner and date then landed in the
    postmortem section behind the dialog."""
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_postmortem(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, ActionItemEditor)
        assert "enter next field" in editor.query_one("#action-item-box").border_subtitle
        assert "ctrl+s save" in editor.query_one("#action-item-box").border_subtitle
        await type_text(pilot, "Page the payments on-call when checkout errors exceed 2%")
        await pilot.press("enter")
        assert editor.focused.id == "ai-owner"
        await pilot.press(*"alex", "enter")
        assert editor.focused.id == "ai-due"
        await type_text(pilot, "2026-03-24")
        await pilot.press("enter")
        assert editor.focused.id == "ai-status"
        assert (await action_items(demo_db)) == []  # nothing saved yet
        await type_text(pilot, "In progress")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PostmortemScreen)
        [row] = await action_items(demo_db)
        assert (row["action"], row["owner"], row["due"], row["status"]) == (
            "Page the payments on-call when checkout errors exceed 2%",
            "alex",
            "2026-03-24",
            "In progress",
        )
        # Nothing typed into the dialog went to the section behind it.
        assert screen.query_one("#pm-summary").text == ""
        await pilot.pause(0.3)  # six times the debounce: a save would have been written
        await settle(pilot)
    assert "postmortem.summary" not in texts(demo_db)


async def test_ctrl_s_saves_the_action_item_from_any_field(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_postmortem(pilot)
        await pilot.press("ctrl+n")
        await type_text(pilot, "Add a rollback runbook for checkout-api")
        await pilot.press("enter", *"sam", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PostmortemScreen)
        # ctrl+s saved the item: it did not also export the postmortem (the screen's ctrl+s).
        assert not any("Postmortem written" in n.message for n in notifications(app))
    [row] = await action_items(demo_db)
    assert (row["action"], row["owner"], row["due"], row["status"]) == (
        "Add a rollback runbook for checkout-api",
        "sam",
        "",
        "Open",
    )


async def test_the_due_date_column_shows_the_whole_date(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_postmortem(pilot)
        await pilot.press("ctrl+n")  # the words put in the fields: the keys are not what is tested here
        await type_text(pilot, "Add an end-to-end checkout test against the payment gateway sandbox in CI")
        await pilot.press("enter")
        await type_text(pilot, "alex")
        await pilot.press("enter")
        await type_text(pilot, "2026-03-24")
        await pilot.press("ctrl+s")
        await settle(pilot)
        table = screen.query_one("#pm-actions")
        assert table.size.width < 80  # the pane is narrower than the long action
        lines = ["".join(seg.text for seg in table.render_line(y)) for y in range(table.size.height)]
        assert "Due Date" in lines[0]
        assert any("2026-03-24" in line and "alex" in line and "Add an end-to-end" in line for line in lines)


async def test_enter_on_the_editors_buttons_is_the_buttons(demo_db, playbook):
    """Enter moves between fields (a priority key), but on a focused button it presses it."""
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_postmortem(pilot)
        before = screen.query_one("#pm-actions").row_count
        await pilot.press("ctrl+n")
        await settle(pilot)
        await type_text(pilot, "Page the DB on-call for replica lag over 30s")
        await pilot.press("tab", "tab", "tab", "tab", "tab")  # past status and Save: Cancel
        await settle(pilot)
        assert app.focused.id == "ai-cancel"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen and screen.query_one("#pm-actions").row_count == before  # cancelled
        await pilot.press("ctrl+n")
        await settle(pilot)
        await type_text(pilot, "Page the DB on-call for replica lag over 30s")
        await pilot.press("tab", "tab", "tab", "tab")  # Save
        await settle(pilot)
        assert app.focused.id == "ai-save"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen and screen.query_one("#pm-actions").row_count == before + 1


async def test_keys_typed_fast_into_a_section_keep_their_order(demo_db, playbook):
    """Backspace and the arrows are the text area's key bindings, which Textual ran only once the
    key had bubbled up to the app, by which time the letters typed behind them were in: held
    Backspace then a word typed at once lost letters and kept old ones (a walker: 'aRollbac')."""
    from test_tui_typeahead import type_ahead

    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_postmortem(pilot)
        section = screen.query_one("#pm-summary")
        section.focus()
        await settle(pilot)
        type_ahead(app, [*"abcdefghij", *["backspace"] * 10, *"Rollback", "left", "left", "X", "end", "!"])
        await settle(pilot)
        await wait_until(pilot, lambda: texts(demo_db).get("postmortem.summary") == section.text, "the debounced save")
        assert section.text == "RollbaXck!"
        assert texts(demo_db)["postmortem.summary"] == "RollbaXck!"
