"""Pilot tests for the war room's comms keys: copy each document, roles, hand off.

The keys are pressed for real; the checks read the database, `app.clipboard` (where
Textual keeps the OSC 52 text) and the notifications."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest
from fixed_clock import FIXED_NOW
from pilot import app_for, notifications, open_war_room, query, settle, type_text, wait_until

from warroom.core import clipboard, documents
from warroom.core.store import Store
from warroom.tui.screens.document_chooser import DocumentChooser
from warroom.tui.screens.document_preview import DocumentPreview
from warroom.tui.screens.handoff_dialog import HandoffDialog
from warroom.tui.screens.roles import RolesScreen
from warroom.tui.screens.warroom import WarRoomScreen

pytestmark = pytest.mark.tui

SIZE = (140, 45)
LETTERS = {"status": "s", "internal": "u", "external": "e", "handoff": "h", "postmortem": "p", "timeline": "t"}


@pytest.fixture(autouse=True)
def no_system_clipboard(monkeypatch):
    """No display, no tmux: the chain must fall back to a file (unless a test says otherwise)."""
    monkeypatch.setattr(clipboard, "_pyperclip", lambda text: (None, "no system clipboard"))


async def incident_row(path) -> dict:
    """The incident as the store folds it (the incidents row is the declaration, never updated)."""
    store = await Store.open(path)
    try:
        [incident_id] = [r["id"] for r in query(path, "SELECT id FROM incidents")]
        return (await store.load_state(incident_id)).incident.model_dump()
    finally:
        await store.close()


def comms_events(path) -> list[sqlite3.Row]:
    return query(path, "SELECT * FROM events WHERE kind = 'comms' ORDER BY seq")


def notes(app) -> list[str]:
    return [n.message for n in notifications(app)]


async def open_preview(pilot, kind: str) -> DocumentPreview:
    await pilot.press("y")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DocumentChooser)
    await pilot.press(LETTERS[kind])
    await settle(pilot)
    assert isinstance(pilot.app.screen, DocumentPreview)
    return pilot.app.screen


def test_copy_letters_are_the_playbook_copy_keys(playbook):
    specs = documents.document_specs(playbook)
    assert {k: s.copy_key for k, s in specs.items()} == LETTERS


@pytest.mark.parametrize("kind", list(LETTERS))
async def test_each_copy_key_copies_and_logs_updates(demo_db, playbook, kind):
    before = await incident_row(demo_db)
    comms_before = len(comms_events(demo_db))
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        preview = await open_preview(pilot, kind)
        shown = preview.editor.text
        assert shown.strip()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        assert app.clipboard == shown
        messages = notes(app)
    after = await incident_row(demo_db)
    comms = comms_events(demo_db)
    if kind in ("status", "internal", "external"):
        assert len(comms) == comms_before + 1
        assert comms[-1]["text"] == shown  # the full text, on the timeline
        assert json.loads(comms[-1]["data"])["document"] == kind
        every = playbook.severity(after["severity"]).update_every_minutes
        assert after["next_update_at"] == FIXED_NOW + timedelta(minutes=every)
    else:  # records, not messages: no update logged, the update clock untouched
        assert len(comms) == comms_before
        assert after["next_update_at"] == before["next_update_at"]
    expected = before["updates_sent"] + (1 if kind == "internal" else 0)
    assert after["updates_sent"] == expected
    # No tmux and no system clipboard here: the notification names the file, which holds the text.
    saved = [m for m in messages if "saved to" in m]
    assert saved, messages
    path = saved[-1].split("saved to ", 1)[1].strip()
    with open(path, encoding="utf-8") as handle:
        assert handle.read() == shown


async def declare_search_is_slow(db_path) -> None:
    store = await Store.open(db_path, clock=lambda: FIXED_NOW)
    try:
        await store.declare("Search is slow", 3, "sam", first_phase="assess", incident_id="INC-20260310-aaaa")
    finally:
        await store.close()


async def test_internal_update_numbers_follow_copies(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        first = (await open_preview(pilot, "internal")).editor.text
        await pilot.press("escape")  # cancelled: not sent, the number stays
        await settle(pilot)
        again = (await open_preview(pilot, "internal")).editor.text
        assert again == first
        await pilot.press("enter")
        await settle(pilot)
        sent = (await incident_row(demo_db))["updates_sent"]
        assert f"Update #{sent}" in first
        after = (await open_preview(pilot, "internal")).editor.text
        assert f"Update #{sent + 1}" in after


async def test_escape_copies_nothing_and_logs_nothing(demo_db, playbook):
    before = await incident_row(demo_db)
    comms_before = len(comms_events(demo_db))
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        await open_preview(pilot, "internal")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        assert app.clipboard == ""
        await pilot.press("y", "escape")  # the chooser cancels too
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
    assert len(comms_events(demo_db)) == comms_before
    assert (await incident_row(demo_db))["updates_sent"] == before["updates_sent"]


async def test_edited_preview_is_what_gets_copied_and_logged(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        preview = await open_preview(pilot, "status")
        shown = preview.editor.text
        await pilot.press("ctrl+home", "x")  # read-only until e
        assert preview.editor.text == shown
        await pilot.press("e", "ctrl+home", *"EDITED ", "enter")  # editing: enter is a newline
        await settle(pilot)
        assert isinstance(app.screen, DocumentPreview)
        assert preview.editor.text.startswith("EDITED \n")
        await pilot.press("escape")  # ends editing, stays
        await settle(pilot)
        assert isinstance(app.screen, DocumentPreview)
        edited = preview.editor.text
        await pilot.press("enter")
        await settle(pilot)
        assert app.clipboard == edited
    assert comms_events(demo_db)[-1]["text"] == edited


async def test_confirmed_clipboard_writes_no_file(demo_db, playbook, monkeypatch, tmp_path):
    copied: list[str] = []
    monkeypatch.setattr(clipboard, "_pyperclip", lambda text: (copied.append(text) or True, ""))
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        shown = (await open_preview(pilot, "external")).editor.text
        await pilot.press("enter")
        await settle(pilot)
        messages = notes(app)
    assert copied == [shown]
    assert any(m.startswith("Copied to system clipboard") for m in messages), messages
    assert not (tmp_path / "data" / "clipboard").exists()


async def test_tmux_failure_falls_back_to_the_file(demo_db, playbook, monkeypatch):
    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    monkeypatch.setattr(clipboard, "_tmux", lambda text, env=None: (False, "tmux: no server running"))
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        await open_preview(pilot, "status")
        await pilot.press("enter")
        await settle(pilot)
        messages = notes(app)
    line = next(m for m in messages if "saved to" in m)
    assert "tmux buffer" in line and "not confirmed" in line


async def test_roles_are_set_by_key(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, RolesScreen)
        await pilot.press("2", *"Priya", "enter")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        await pilot.press("R", "1", "ctrl+u", *"Lee", "enter")
        await settle(pilot)
        await pilot.press("R", "escape")  # cancel: nothing written
        await settle(pilot)
    row = await incident_row(demo_db)
    roles = row["roles"]
    assert roles["comms"] == "Priya"
    assert roles["commander"] == "Lee" and row["commander"] == "Lee"
    logged = [r["text"] for r in query(demo_db, "SELECT text FROM events WHERE kind = 'role' ORDER BY seq")]
    assert logged[-2:] == ["comms: Priya", "commander: Lee"]


async def test_roles_dialog_shows_current_holders(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await pilot.press("R")
        await settle(pilot)
        dialog = app.screen
        assert dialog.holders["commander"] == screen.state.incident.commander
        await pilot.press("1")
        assert dialog.query_one("#roles-name").value == screen.state.incident.commander


async def test_hand_off_logs_new_commander_and_offers_the_text(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        await pilot.press("H")
        await settle(pilot)
        assert isinstance(app.screen, HandoffDialog)
        text = app.screen.query_one("#handoff-text").text
        assert text.startswith("## Incident Handoff")  # the pane was empty: the template
        await pilot.press(*"Morgan", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DocumentPreview)
        assert app.screen.editor.text == text.strip()
        await pilot.press("enter")
        await settle(pilot)
        assert app.clipboard == text.strip()
        timeline = app.screen.query_one("#timeline")
        row = timeline.row_text(timeline.selected_event).plain  # the row says who took over
        assert "handoff" in row and "to Morgan: ## Incident Handoff" in row
    row = await incident_row(demo_db)
    assert row["commander"] == "Morgan" and row["roles"]["commander"] == "Morgan"
    handoffs = query(demo_db, "SELECT * FROM events WHERE kind = 'handoff'")
    assert handoffs[-1]["text"] == text.strip()
    assert json.loads(handoffs[-1]["data"])["to"] == "Morgan"


async def test_hand_off_uses_the_handoff_pane_text(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        # The pane starts from the template; the commander replaces it with their own words.
        await pilot.press("h", "f7", "delete")
        await type_text(pilot, "Watch the gateway; rollback holds")
        await pilot.press("escape")
        await pilot.press("H")
        await settle(pilot)
        assert app.screen.query_one("#handoff-text").text == "Watch the gateway; rollback holds"
        await pilot.press("escape")  # cancelled: no handoff
        await settle(pilot)
    assert query(demo_db, "SELECT * FROM events WHERE kind = 'handoff'") == []


async def test_hand_off_needs_a_new_name(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        await pilot.press("H")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HandoffDialog)
    assert query(demo_db, "SELECT * FROM events WHERE kind = 'handoff'") == []


async def test_fresh_incident_handoff_pane_starts_from_the_template(db_path, playbook):
    await declare_search_is_slow(db_path)
    app = app_for(db_path, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await settle(pilot)  # the first state load prefills the pane
        saved = dict((r["name"], r["text"]) for r in query(db_path, "SELECT name, text FROM texts"))
        assert saved["handoff"].startswith("## Incident Handoff")
        assert "Search is slow" in saved["handoff"]
        assert screen.query_one("#handoff").text == saved["handoff"]


async def test_cleared_handoff_pane_is_not_refilled_but_ctrl_t_refills(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await settle(pilot)
        pane = screen.query_one("#handoff")
        assert pane.text.startswith("## Incident Handoff")  # prefilled on the first load
        await pilot.press("h", "f7", "delete", "escape")  # the commander clears it
        await wait_until(pilot, lambda: _saved_handoff(demo_db) == "", "the cleared pane saved")
        await screen.live.reload()  # a later change reloads the state
        await settle(pilot)
        assert pane.text == ""  # cleared on purpose: not refilled
        assert _saved_handoff(demo_db) == ""
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert screen.query_one("#handoff").text.startswith("## Incident Handoff")
        await wait_until(pilot, lambda: _saved_handoff(demo_db).startswith("## Incident Handoff"), "the refill saved")
    assert _saved_handoff(demo_db).startswith("## Incident Handoff")


def _saved_handoff(path) -> str | None:
    return dict((r["name"], r["text"]) for r in query(path, "SELECT name, text FROM texts")).get("handoff")


async def test_postmortem_phase_start_offers_the_screen(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await pilot.pause(0.7)
        assert not any("P opens the postmortem" in m for m in notes(app))
        other = await Store.open(demo_db, clock=lambda: FIXED_NOW)  # another terminal moves the phase
        try:
            await other.set_phase(screen.incident_id, "postmortem", "sam")
        finally:
            await other.close()
        for _ in range(6):
            await pilot.pause(0.3)
            await settle(pilot)
            if any("P opens the postmortem" in m for m in notes(app)):
                break
        assert any("P opens the postmortem" in m for m in notes(app))


async def test_broken_team_template_is_a_message_not_a_crash(demo_db, playbook, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("template status.md.j2: unexpected end of template")

    monkeypatch.setattr(documents, "render", broken)
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        await pilot.press("y", "s")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        assert any("Cannot write the status document" in m for m in notes(app))


async def test_names_with_markup_are_kept_literally(demo_db, playbook):
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        await pilot.press("R", "4")
        await type_text(pilot, "[b]Kim[/b]")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("H", *"[red]Jo", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DocumentPreview)
        assert str(app.screen.query_one("#preview-title").render()) == "Handoff to [red]Jo"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
    row = await incident_row(demo_db)
    assert row["roles"]["scribe"] == "[b]Kim[/b]"
    assert row["commander"] == "[red]Jo"


def test_comms_keys_clash_with_no_other_war_room_key():
    keys = [b.key for b in WarRoomScreen.BINDINGS]
    for key in ("y", "R", "H", "ctrl+t", "P"):
        assert keys.count(key) == 1, key


async def test_help_and_palette_list_the_comms_keys(demo_db, playbook):
    from warroom.tui.screens.help import help_rows

    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        text = " ".join(str(row) for row in help_rows(app, screen))
        for description in ("Copy update…", "Roles", "Hand off", "Handoff from template", "Postmortem"):
            assert description in text


async def test_untouched_handoff_follows_the_incident_edited_one_does_not(db_path, playbook):
    await declare_search_is_slow(db_path)
    app = app_for(db_path, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        pane = screen.query_one("#handoff")
        for _ in range(6):  # the first state load prefills the pane from the template
            await pilot.pause(0.3)
            await settle(pilot)
            if pane.text:
                break
        assert "SEV-3" in pane.text
        await pilot.press("s", "1", "enter")  # the incident changes; nobody touched the pane
        for _ in range(6):
            await pilot.pause(0.3)
            await settle(pilot)
            if "SEV-1" in pane.text:
                break
        assert "SEV-1" in pane.text
        await pilot.press("h", "end")
        await type_text(pilot, " (checked by sam)")  # now the commander's own words
        await pilot.press("escape")
        await wait_until(pilot, lambda: "(checked by sam)" in (_saved_handoff(db_path) or ""), "the edit saved")
        await pilot.press("s", "2", "enter")
        await wait_until(pilot, lambda: screen.state.incident.severity == 2, "the state reloaded at SEV-2")
        await settle(pilot)  # the pane's turn to follow the reload, or not
        assert "(checked by sam)" in pane.text and "SEV-1" in pane.text  # not overwritten
    saved = dict((r["name"], r["text"]) for r in query(db_path, "SELECT name, text FROM texts"))
    assert "(checked by sam)" in saved["handoff"]


async def test_typing_in_the_prefilled_handoff_pane_goes_below_the_template(db_path, playbook):
    await declare_search_is_slow(db_path)
    app = app_for(db_path, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        pane = screen.query_one("#handoff")
        template = pane.text
        assert template.startswith("## Incident Handoff")
        await pilot.press("h")
        await type_text(pilot, "Watch the gateway")
        assert pane.text == template + "Watch the gateway"


async def test_hand_off_warns_when_the_edited_text_says_what_is_no_longer_true(db_path, playbook):
    await declare_search_is_slow(db_path)
    app = app_for(db_path, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        await pilot.press("h")
        await type_text(pilot, "Watch the gateway")
        await pilot.press("escape")  # edited: it stops following
        await pilot.press("H")
        await settle(pilot)
        assert isinstance(app.screen, HandoffDialog) and not app.screen.query("#handoff-stale")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("s", "1", "enter")  # SEV-3 -> SEV-1
        await settle(pilot)
        await pilot.press("H")
        await settle(pilot)
        assert isinstance(app.screen, HandoffDialog)  # a warning in the dialog, not a refusal
        warning = str(app.screen.query_one("#handoff-stale").render())
        assert "No longer true" in warning and "**Current severity**: SEV-3" in warning


async def test_preview_key_bar_offers_copy_and_edit_until_editing(demo_db, playbook):
    from warroom.tui.widgets.keybar import KeyBar

    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        preview = await open_preview(pilot, "status")
        bar = preview.query_one(KeyBar).render().plain
        assert "⏎ Copy" in bar and "e Edit" in bar  # the read-only text types nothing
        await pilot.press("e")
        await settle(pilot)
        bar = preview.query_one(KeyBar).render().plain
        # Editing: "e" is typed and Enter is a newline; Esc ends the editing.
        assert "e Edit" not in bar and "⏎ Copy" not in bar and "esc Back / done editing" in bar


def test_a_renumbered_step_is_not_an_out_of_date_line():
    from warroom.tui.controllers.comms import _unnumbered

    assert _unnumbered("2. Who needs to know?") == _unnumbered("1. Who needs to know?") == "Who needs to know?"
    assert _unnumbered("**Current severity**: SEV-2") == "**Current severity**: SEV-2"


async def prefilled_handoff(pilot):
    """The war room on 'Search is slow' (SEV-3), once its handoff pane is prefilled from the template."""
    screen = await open_war_room(pilot)
    pane = screen.query_one("#handoff")
    await wait_until(pilot, lambda: "SEV-3" in pane.text, "the pane prefilled from the template")
    return screen, pane


def handoff_revisions(path) -> list[tuple[str, bool]]:
    rows = query(path, "SELECT data FROM events WHERE kind = 'draft' ORDER BY seq")
    return [(d["name"], bool(d.get("generated"))) for d in (json.loads(r["data"]) for r in rows)]


async def test_a_followed_handoff_is_one_revision_per_change_and_keeps_following_after_a_restart(db_path, playbook):
    """Following the incident writes the draft once per change (marked generated: no second
    record of the template's text); the first save of the commander's own words keeps the
    template text it began from, once, for the stale-line warning after a restart too."""
    await declare_search_is_slow(db_path)
    app = app_for(db_path, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen, pane = await prefilled_handoff(pilot)
        await pilot.press("s", "2", "enter")
        await wait_until(pilot, lambda: "SEV-2" in pane.text, "the untouched pane followed to SEV-2")
    assert handoff_revisions(db_path) == [("handoff", True), ("handoff", True)]

    app = app_for(db_path, playbook)  # reopened: the pane still follows the incident
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        pane = screen.query_one("#handoff")
        await wait_until(pilot, lambda: "SEV-2" in pane.text, "the stored draft shown")
        await pilot.press("s", "1", "enter")
        await wait_until(pilot, lambda: "SEV-1" in pane.text, "the untouched pane followed to SEV-1")
        await pilot.press("h", "end")
        await type_text(pilot, " (checked by sam)")
        await pilot.press("escape")
        await wait_until(pilot, lambda: "(checked by sam)" in (_saved_handoff(db_path) or ""), "the edit saved")
    revisions = handoff_revisions(db_path)
    assert revisions[:3] == [("handoff", True)] * 3
    assert revisions[3:4] == [("handoff.generated", False)]  # the template text the edit began from, once
    assert set(revisions[4:]) == {("handoff", False)}

    app = app_for(db_path, playbook)  # reopened: the typed text stays; its stale lines are still told
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        pane = screen.query_one("#handoff")
        await wait_until(pilot, lambda: "(checked by sam)" in pane.text, "the typed draft shown")
        await pilot.press("s", "2", "enter")
        await wait_until(pilot, lambda: screen.state.incident.severity == 2, "SEV-2 read back")
        await settle(pilot)
        assert "(checked by sam)" in pane.text and "SEV-1" in pane.text  # the commander's words stay
        await pilot.press("H")
        await settle(pilot)
        assert "SEV-1" in str(app.screen.query_one("#handoff-stale").render())


async def test_a_pane_following_the_incident_follows_on_after_another_war_room_wrote_the_template(db_path, playbook):
    """Another war room on the file (a teammate's, through the sync) writes the template's text
    for a change: this one shows it, and goes on following, rather than taking it as words
    someone typed and freezing on it."""
    from warroom.core.operations import Operations

    await declare_search_is_slow(db_path)
    app = app_for(db_path, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen, pane = await prefilled_handoff(pilot)
        other = await Store.open(db_path, clock=lambda: FIXED_NOW)
        try:
            ops = Operations(other, playbook, "sam")
            await ops.set_severity("INC-20260310-aaaa", 1, None)
            await ops.save_draft(
                "INC-20260310-aaaa", "handoff", "## Incident Handoff\\n\\nSEV-1 (sam's room)", generated=True
            )
            await wait_until(pilot, lambda: "sam's room" in pane.text or "SEV-1" in pane.text, "the change seen here")
            await ops.set_severity("INC-20260310-aaaa", 2, None)  # a later change, nothing written for it
        finally:
            await other.close()
        await wait_until(pilot, lambda: "**Current severity**: SEV-2" in pane.text, "the pane followed on to SEV-2")
        assert "sam's room" not in pane.text


async def test_keys_typed_fast_into_the_handoff_pane_keep_their_order(demo_db, playbook):
    """The editor's own keys (Backspace, the arrows, End) run as it takes them, not after the
    letters typed behind them (tui/widgets/keys.py)."""
    from test_tui_typeahead import type_ahead

    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await screen.handoff.ready()
        editor = screen.query_one("#handoff")
        editor.focus()
        editor.load_text("")
        await settle(pilot)
        type_ahead(app, [*"Call bob", *["backspace"] * 3, *"alice at 9", "left", "1", "end", "."])
        await settle(pilot)
        assert editor.text == "Call alice at 19."


async def test_a_draft_stored_while_the_pane_had_the_focus_is_shown_when_it_loses_it(db_path, playbook):
    """A teammate's text (their pick between two versions, say) stored while this pane had the
    focus but nothing was typed here: shown once the focus leaves (it stayed hidden until some
    other change came, and the next key here brought the old text back as a second version)."""
    from warroom.core.operations import Operations

    await declare_search_is_slow(db_path)
    app = app_for(db_path, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen, pane = await prefilled_handoff(pilot)
        await pilot.press("h")  # the pane has the focus; nothing typed
        await settle(pilot)
        other = await Store.open(db_path, clock=lambda: FIXED_NOW)
        try:
            ops = Operations(other, playbook, "sam")
            heads = (await other.load_state("INC-20260310-aaaa")).draft_heads.get("handoff")
            await ops.save_draft("INC-20260310-aaaa", "handoff", "Sam's kept version", base=heads)
        finally:
            await other.close()
        await wait_until(pilot, lambda: screen.state.handoff_draft == "Sam's kept version", "the draft read here")
        assert pane.text != "Sam's kept version"  # not under the commander's cursor
        await pilot.press("escape")
        await settle(pilot)
        assert pane.text == "Sam's kept version"
        await pilot.press("h", "end")
        await type_text(pilot, " and mine")
        await pilot.press("escape")
        await wait_until(pilot, lambda: _saved_handoff(db_path) == "Sam's kept version and mine", "the edit on top")
        assert pane.versions == 1  # one version: built on sam's, not beside it


async def test_hand_off_says_when_two_versions_are_still_side_by_side(db_path, playbook):
    """`b` in the versions chooser puts both in the pane under '--- who at hh:mm ---' lines to
    merge by hand; handed off as they were, the markers went on the timeline as the handoff."""
    from warroom.core.models import Event
    from warroom.tui.screens.apart import merged

    await declare_search_is_slow(db_path)
    app = app_for(db_path, playbook)
    async with app.run_test(size=SIZE) as pilot:
        screen, pane = await prefilled_handoff(pilot)
        versions = [
            Event(id=n, incident_id="I", ts=FIXED_NOW, recorded_at=FIXED_NOW, kind="note", text=text, author=who)
            for n, text, who in (("a", "Watch the gateway", "ana"), ("b", "Watch the database", "ben"))
        ]
        pane.load_text(merged(versions))
        await pilot.press("H")
        await settle(pilot)
        assert isinstance(app.screen, HandoffDialog)
        assert "Two versions still side by side" in str(app.screen.query_one("#handoff-unmerged").render())
        await pilot.press("escape")
        await settle(pilot)
        pane.load_text("Watch the gateway and the database")
        await pilot.press("H")
        await settle(pilot)
        assert not app.screen.query("#handoff-unmerged")
