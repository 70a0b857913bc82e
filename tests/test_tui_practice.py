"""Pilot tests for the practice keys: containment (C), mitigation (M), temporary fixes (T, F,
r, k), red-flag decisions (a, d, z on the red-flags pane) and the phase-advance guard.

Each test presses the real keys, then reads the database. The seed's story is walked with
an injected clock that the test moves forward.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from fixed_clock import FIXED_NOW
from pilot import drawn, notifications, open_war_room, query, settle, type_text

from warroom.core import metrics, rules
from warroom.core.models import Incident, IncidentState
from warroom.core.store import Store
from warroom.core.timeutil import from_db
from warroom.tui.app import build_app
from warroom.tui.screens.containment import ContainmentScreen
from warroom.tui.screens.flag_decision import DismissFlagScreen, SnoozeFlagScreen
from warroom.tui.screens.mitigation import MitigationScreen
from warroom.tui.screens.temp_fix import TempFixScreen
from warroom.tui.screens.warroom import WarRoomScreen
from warroom.tui.widgets.checklist import Checklist
from warroom.tui.widgets.red_flags import RedFlags
from warroom.tui.widgets.temp_fixes import TempFixes
from warroom.tui.widgets.timeline import Timeline

pytestmark = pytest.mark.tui

SIZE = (140, 45)
STORY_ID = "INC-20260310-story"
T0 = FIXED_NOW.replace(minute=30)  # 14:30, the deploy in the seed's story


class Clock:
    """The app's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def at(self, minutes: float) -> None:
        self.now = T0 + timedelta(minutes=minutes)


def rows(path, sql: str, *params) -> list[sqlite3.Row]:
    return query(path, sql, params)


def events(path, kind: str) -> list[sqlite3.Row]:
    return rows(path, "SELECT * FROM events WHERE kind = ? ORDER BY seq", kind)


def folded(path, incident_id: str | None = None) -> IncidentState:
    """The incident as the store folds it from its events (the incidents row is only the declaration).

    Read in a thread of its own: the tests run inside the app's event loop."""

    async def load() -> IncidentState:
        store = await Store.open(path, create=False)
        try:
            wanted = incident_id or (await store.incidents(include_resolved=True))[0].id
            state = await store.load_state(wanted)
            assert state is not None
            return state
        finally:
            await store.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, load()).result()


def incident_row(path, incident_id: str) -> Incident:
    return folded(path, incident_id).incident


def shown_flags(screen) -> list[str]:
    return [p.flag_id for p in screen.query_one(RedFlags).prompts]


def prompt_text(pane: RedFlags, index: int) -> str:
    """A red flag's text as drawn (a grid: thought, reality, action)."""
    return drawn(pane.get_option_at_index(index).prompt)


@pytest.fixture
def story_db(db_path):
    """The seed's story at 14:42: symptoms since 14:32, declared now, nothing else logged yet."""

    async def seed() -> None:
        store = await Store.open(db_path, clock=lambda: T0 + timedelta(minutes=12))
        try:
            await store.declare(
                "Checkout failing",
                2,
                "dana",
                first_phase="assess",
                incident_id=STORY_ID,
                started_at=T0 + timedelta(minutes=2),
                detected_at=T0 + timedelta(minutes=8),
            )
        finally:
            await store.close()

    asyncio.run(seed())
    return db_path


async def log_line(pilot, text: str) -> None:
    await pilot.press("l")
    await type_text(pilot, text)
    await pilot.press("enter")
    await settle(pilot)


# ----- the seed's story, walked through the UI -------------------------------------------------


async def test_a_triage_question_answered_in_the_checklist_is_its_answer_in_the_updates(story_db, playbook):
    from warroom.core import documents

    clock = Clock(T0 + timedelta(minutes=12, seconds=30))
    app = build_app(story_db, playbook, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await pilot.press("c")
        checklist = screen.query_one(Checklist)
        assert checklist.highlighted_option.id == "assess:broken"
        await pilot.press("enter")
        await type_text(pilot, "payment step returns 500")
        await pilot.press("enter")
        await settle(pilot)
        [answer] = events(story_db, "triage")
        assert answer["text"] == "payment step returns 500" and json.loads(answer["data"])["question"] == "broken"
        assert events(story_db, "checklist") == []  # the item ticks itself from the answer
        state = await asyncio.to_thread(folded, story_db, STORY_ID)
        assert "payment step returns 500" in documents.render("internal", state, playbook, clock())
        assert "on the timeline" in drawn(checklist.get_option_at_index(checklist.highlighted).prompt)


async def test_coming_to_the_flags_pane_highlights_the_newest_flag(story_db, playbook):
    clock = Clock(T0 + timedelta(minutes=12, seconds=30))
    app = build_app(story_db, playbook, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await log_line(pilot, "-12m c: Deploy v2.3.4 of checkout-api completed")
        clock.at(18)
        await log_line(pilot, "-16m !: Error rate increased 5% → 20%")
        assert shown_flags(screen) == ["rollback_first", "timebox"]
        pane = screen.query_one(RedFlags)
        await pilot.press("f")  # the flag that began firing last, wherever it is listed
        assert pane.selected_prompt.flag_id == "timebox"
        await pilot.press("up", "f")  # already here: the highlight stays
        assert pane.selected_prompt.flag_id == "rollback_first"
        await pilot.press("t", "f")  # away and back: the newest again
        assert pane.has_focus and pane.selected_prompt.flag_id == "timebox"


async def test_the_seed_story_rollback_flag_fires_then_clears(story_db, playbook):
    clock = Clock(T0 + timedelta(minutes=12, seconds=30))
    app = build_app(story_db, playbook, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        assert "rollback_first" not in shown_flags(screen)

        # 14:42:30 the deploy is reconstructed, 12 minutes back: roll back first.
        await log_line(pilot, "-12m c: Deploy v2.3.4 of checkout-api completed")
        deploy = events(story_db, "change")[-1]
        assert from_db(deploy["ts"]) == T0 + timedelta(seconds=30)
        assert shown_flags(screen)[0] == "rollback_first"
        pane = screen.query_one(RedFlags)
        assert pane.has_class("-raised")
        shown = prompt_text(pane, 0)
        assert "Let me understand the code first" in shown and "Rollback first" in shown
        assert "'Deploy v2.3.4 of checkout-api completed'" in shown and "no rollback yet" in shown

        # 14:48: still assessing, past the 5-minute time box; acknowledge that one.
        clock.at(18)
        await log_line(pilot, "-16m !: Error rate increased 5% → 20%")
        assert shown_flags(screen) == ["rollback_first", "timebox"]
        await pilot.press("f", "a")  # f highlights the flag that began firing last: the time box
        await settle(pilot)
        ack = events(story_db, "flag")[-1]
        data = json.loads(ack["data"])
        assert (data["rule"], data["action"], ack["author"]) == ("timebox", "ack", "dana")
        assert data["fingerprint"].startswith("overrun:assess:")
        assert "Time-box, escalate" in ack["text"]
        assert shown_flags(screen) == ["rollback_first"]

        # Into Contain (a speed phase: asked once, then it goes), and log the containment.
        await pilot.press("t", "right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert incident_row(story_db, STORY_ID).phase == "contain"
        assert "rollback_first" in shown_flags(screen)
        clock.at(19)
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, ContainmentScreen)
        await pilot.press("1", "enter")
        await settle(pilot)
        decision = events(story_db, "decision")[-1]
        assert decision["text"] == "Bad deploy: Rollback to previous version"
        assert json.loads(decision["data"]) == {"containment": "bad_deploy"}
        # Deciding is not doing (changed on purpose): the flag stays, quieter, until the rollback is logged.
        assert shown_flags(screen)[0] == "rollback_first"
        assert "rollback decided at 14:49: log when it starts" in prompt_text(pane, 0)
        await log_line(pilot, "c: Rolled back checkout-api to v2.3.3")
        # Cleared by the rollback itself, not silenced by a decision about the flag.
        assert "rollback_first" not in shown_flags(screen)
        assert "rollback_first" not in [p.flag_id for p in rules.check_all(screen.state, playbook, clock())]

        # 14:50: recovery, full restore.
        clock.at(20)
        await pilot.press("M")
        await settle(pilot)
        await pilot.press("1", "enter")
        await settle(pilot)
        incident = incident_row(story_db, STORY_ID)
        assert incident.mitigation == "full"
        assert incident.restored_at == T0 + timedelta(minutes=20)

        measured = metrics.compute(screen.state, clock())
        assert measured.time_to_detect == timedelta(minutes=6)
        assert measured.time_to_declare == timedelta(minutes=10)
        assert measured.time_to_mitigate == timedelta(minutes=18)
        assert measured.time_to_contain == timedelta(minutes=17)  # the containment decision at 14:49

        # Every acknowledgement is on the timeline.
        timeline = screen.query_one(Timeline)
        for flag in events(story_db, "flag"):
            assert timeline.index_of(flag["seq"]) is not None


# ----- containment -------------------------------------------------------------------------


async def test_containment_table_shows_the_recommendation_and_logs_one_decision(story_db, playbook):
    app = build_app(story_db, playbook, clock=Clock(T0 + timedelta(minutes=13)))
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        await pilot.press("C")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ContainmentScreen)
        await pilot.press("3")
        await settle(pilot)
        assert modal.chosen.key == "traffic_spike"
        recommended = modal.query_one("#containment-recommended").render()
        assert "Enable rate limiting" in str(recommended)
        await pilot.press("down")  # the arrows choose too
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        decision = events(story_db, "decision")[-1]
        assert decision["text"] == "Data corruption: Halt writes, preserve state"
        assert json.loads(decision["data"]) == {"containment": "data_corruption"}
        # Already logged situations are marked the next time.
        await pilot.press("C")
        await settle(pilot)
        listing = app.screen.query_one("#containment-list")
        assert "(logged)" in listing.get_option("data_corruption").prompt.plain
        assert "(logged)" not in listing.get_option("bad_deploy").prompt.plain


async def test_escape_logs_no_containment(story_db, playbook):
    app = build_app(story_db, playbook, clock=Clock(T0 + timedelta(minutes=13)))
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        await pilot.press("C", "2", "escape")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        assert events(story_db, "decision") == []


# ----- mitigation ---------------------------------------------------------------------------


async def test_mitigation_levels_and_the_restored_moment(story_db, playbook):
    clock = Clock(T0 + timedelta(minutes=15))
    app = build_app(story_db, playbook, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await pilot.press("M")
        await settle(pilot)
        assert isinstance(app.screen, MitigationScreen)
        await pilot.press("3", "enter")  # degraded mode: not restored
        await settle(pilot)
        incident = incident_row(story_db, STORY_ID)
        assert (incident.mitigation, incident.restored_at) == ("degraded", None)
        assert events(story_db, "mitigation")[-1]["text"] == "Mitigation: Degraded mode"
        assert "Mitigation Degraded mode" in screen.query_one("#header").part("phase").plain

        clock.at(20)
        await pilot.press("M", "2", "enter")  # partial restore: service is back, time stamped
        await settle(pilot)
        clock.at(25)
        await pilot.press("M", "1", "enter")  # full restore later: the moment stays 14:50
        await settle(pilot)
        incident = incident_row(story_db, STORY_ID)
        assert incident.mitigation == "full"
        assert incident.restored_at == T0 + timedelta(minutes=20)
        assert [e["text"] for e in events(story_db, "restored")] == ["Service restored"]
        assert [json.loads(e["data"])["level"] for e in events(story_db, "mitigation")] == [
            "degraded",
            "partial",
            "full",
        ]
        assert "Mitigation Full restore" in screen.query_one("#header").part("phase").plain

        # The same level again writes nothing.
        await pilot.press("M", "enter")
        await settle(pilot)
        assert len(events(story_db, "mitigation")) == 3

        # Resolved, then reopened (the fire came back): the level set before no longer holds,
        # in the header as in the documents, and it can be set again (a walker could not).
        clock.at(30)
        await pilot.press("ctrl+r", "ctrl+r")
        await settle(pilot)
        clock.at(32)
        await pilot.press("ctrl+r", "ctrl+r")
        await settle(pilot)
        assert incident_row(story_db, STORY_ID).status == "open"
        assert "Mitigation" not in screen.query_one("#header").part("phase").plain
        clock.at(35)
        await pilot.press("M", "1", "enter")
        await settle(pilot)
        assert len(events(story_db, "mitigation")) == 4
        assert "Mitigation Full restore" in screen.query_one("#header").part("phase").plain


# ----- temporary fixes ------------------------------------------------------------------------


async def test_add_remove_and_keep_temporary_fixes(story_db, playbook):
    clock = Clock(T0 + timedelta(minutes=16))
    app = build_app(story_db, playbook, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        pane = screen.query_one(TempFixes)
        assert pane.has_class("-empty") and pane.region.height == 0

        await pilot.press("T")
        await settle(pilot)
        assert isinstance(app.screen, TempFixScreen)
        await type_text(pilot, "Bypass payment token cache")
        await pilot.press("enter")
        await type_text(pilot, "checkout-api config")
        await pilot.press("enter", *"INC-1234", "enter")
        await settle(pilot)
        fixes = sorted(folded(story_db, STORY_ID).temp_fixes, key=lambda f: f.added_at)
        assert [(f.what, f.where, f.ticket, f.added_by) for f in fixes] == [
            ("Bypass payment token cache", "checkout-api config", "INC-1234", "dana")
        ]
        assert fixes[0].added_at == T0 + timedelta(minutes=16)
        assert events(story_db, "tempfix")[-1]["text"] == "Temporary fix added: Bypass payment token cache (INC-1234)"
        assert not pane.has_class("-empty") and pane.region.height > 0
        assert pane.border_title == "Temporary fixes (1 in place)"
        line = pane.get_option_at_index(0).prompt.plain
        assert "in place" in line and "@ checkout-api config" in line and "[INC-1234]" in line
        assert "added 14:46 by dana" in line

        clock.at(17)
        await pilot.press("T")
        await type_text(pilot, "Raise pool size to 200")
        await pilot.press("enter", "enter", "enter")
        await settle(pilot)
        assert pane.border_title == "Temporary fixes (2 in place)"

        # F focuses the list; r removes the highlighted fix, k keeps the next on purpose. Each
        # asks once, naming the fix (a removed fix cannot be put back).
        clock.at(40)
        await pilot.press("F")
        await settle(pilot)
        assert app.focused is pane
        await pilot.press("r")
        await settle(pilot)
        assert all(f.in_place for f in folded(story_db, STORY_ID).temp_fixes)
        assert notifications(app)[-1].message == "Bypass payment token cache: press r again to mark it removed."
        await pilot.press("r")
        await settle(pilot)
        # The removed fix moves below the one in place; the highlight stays up, on that one (it
        # followed the removed fix, and the next ↓ wrapped round to a fix still in place).
        assert pane.selected_fix is not None and pane.selected_fix.what == "Raise pool size to 200"
        clock.at(41)
        await pilot.press("k")
        await settle(pilot)
        assert sum(f.in_place for f in folded(story_db, STORY_ID).temp_fixes) == 1  # asked, not kept yet
        assert notifications(app)[-1].message == "Raise pool size to 200: press k again to keep it as permanent."
        await pilot.press("k")
        await settle(pilot)
        fixes = {f.what: f for f in folded(story_db, STORY_ID).temp_fixes}
        removed, kept = fixes["Bypass payment token cache"], fixes["Raise pool size to 200"]
        assert removed.removed_at == T0 + timedelta(minutes=40) and not removed.permanent
        assert kept.removed_at == T0 + timedelta(minutes=41) and kept.permanent
        assert [e["text"] for e in events(story_db, "tempfix")[-2:]] == [
            "Temporary fix removed: Bypass payment token cache",
            "Temporary fix made permanent: Raise pool size to 200",
        ]
        assert pane.border_title == "Temporary fixes (0 in place)"
        texts = [pane.get_option_at_index(i).prompt.plain for i in range(pane.option_count)]
        assert any("removed 15:10" in t for t in texts) and any("kept 15:11" in t for t in texts)
        # Closed fixes cannot be closed twice.
        before = len(events(story_db, "tempfix"))
        await pilot.press("r")
        await settle(pilot)
        assert len(events(story_db, "tempfix")) == before


async def test_a_temporary_fix_needs_saying_what(story_db, playbook):
    app = build_app(story_db, playbook, clock=Clock(T0 + timedelta(minutes=16)))
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        await pilot.press("T", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TempFixScreen)
        assert "Say what" in str(app.screen.query_one("#tempfix-error").render())
        await pilot.press("escape")
        await settle(pilot)
        assert folded(story_db, STORY_ID).temp_fixes == []


async def test_a_failed_temp_fix_write_brings_the_form_back_filled(story_db, playbook, monkeypatch):
    app = build_app(story_db, playbook, clock=Clock(T0 + timedelta(minutes=16)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)

        async def locked(*args, **kwargs):
            raise sqlite3.OperationalError("database is locked")

        monkeypatch.setattr(screen.store, "add_temp_fix", locked)
        await pilot.press("T")
        await type_text(pilot, "Bypass cache")
        await pilot.press("enter", *"api", "enter", *"T-9", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TempFixScreen)
        assert app.screen.value.what == "Bypass cache" and app.screen.value.ticket == "T-9"
        assert any("locked" in n.message and n.severity == "error" for n in notifications(app))
        assert folded(story_db, STORY_ID).temp_fixes == []


async def test_fix_checklist_is_not_done_while_a_temporary_fix_is_in_place(demo_db, playbook):
    """The demo has one temporary fix in place (the token-cache bypass)."""
    app = build_app(demo_db, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        # Diagnose -> Fix; the guard asks once first.
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert screen.state.incident.phase == "fix"
        assert "temp_fixes_left" in shown_flags(screen)
        checklist = screen.query_one(Checklist)
        await pilot.press("c")
        checklist.highlighted = checklist.get_option_index("fix:temp_removed")
        await pilot.press("space")
        await settle(pilot)
        assert screen.state.checklist["fix:temp_removed"].done
        item = drawn(checklist.get_option("fix:temp_removed").prompt)
        assert item.startswith("[ ]") and "temporary fix is still in place" in item
        # The demo's postmortem draft has its root cause written: that item is ticked from the record.
        assert drawn(checklist.get_option("fix:root_cause").prompt).startswith("[x]")
        assert "Fix 1/6" in drawn(checklist.get_option("phase:fix").prompt)

        await pilot.press("F", "r", "r")  # r asks once
        await settle(pilot)
        assert not any(f.in_place for f in screen.state.temp_fixes)
        assert drawn(checklist.get_option("fix:temp_removed").prompt).startswith("[x]")
        assert "Fix 2/6" in drawn(checklist.get_option("phase:fix").prompt)
        assert "temp_fixes_left" not in shown_flags(screen)


# ----- red-flag decisions ---------------------------------------------------------------------


@pytest.fixture
def deploy_db(story_db):
    """The story at 14:42 with the deploy logged: the rollback flag is up."""

    async def seed() -> None:
        store = await Store.open(story_db, clock=lambda: T0 + timedelta(minutes=12, seconds=10))
        try:
            await store.append(STORY_ID, "change", "Deploy v2.3.4 of checkout-api completed", "deploy-bot", at=T0)
        finally:
            await store.close()

    asyncio.run(seed())
    return story_db


async def test_acknowledge_a_flag(deploy_db, playbook):
    app = build_app(deploy_db, playbook, clock=Clock(T0 + timedelta(minutes=13)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        assert shown_flags(screen) == ["rollback_first"]
        prompt = screen.query_one(RedFlags).prompts[0]
        await pilot.press("f", "a")
        await settle(pilot)
        flag = events(deploy_db, "flag")[-1]
        data = json.loads(flag["data"])
        assert (data["rule"], data["action"], data["fingerprint"]) == ("rollback_first", "ack", prompt.fingerprint)
        assert flag["text"].startswith("Red flag acknowledged: Rollback first: recent deploy + new symptoms")
        assert shown_flags(screen) == []
        assert screen.query_one(RedFlags).border_title == "Red flags"
        assert not screen.query_one(RedFlags).has_class("-raised")
        assert screen.query_one(Timeline).selected_event.kind == "flag"
        # Nothing to decide on an empty pane: no write.
        await pilot.press("a")
        await settle(pilot)
        assert len(events(deploy_db, "flag")) == 1


async def test_dismissed_flag_returns_when_its_condition_changes(deploy_db, playbook):
    clock = Clock(T0 + timedelta(minutes=13))
    app = build_app(deploy_db, playbook, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await pilot.press("f", "d")
        await settle(pilot)
        assert isinstance(app.screen, DismissFlagScreen)
        await pilot.press("enter")  # a reason is required
        await settle(pilot)
        assert isinstance(app.screen, DismissFlagScreen) and events(deploy_db, "flag") == []
        await type_text(pilot, "the deploy only touched docs")
        await pilot.press("enter")
        await settle(pilot)
        flag = events(deploy_db, "flag")[-1]
        data = json.loads(flag["data"])
        assert (data["action"], data["reason"]) == ("dismiss", "the deploy only touched docs")
        assert flag["text"].endswith("— reason: the deploy only touched docs")
        assert shown_flags(screen) == []

        # Nothing changed: still quiet after another write.
        clock.at(13.5)
        await log_line(pilot, "n: looking at the dashboards")
        assert shown_flags(screen) == []
        # A newer change (backdated before the declaration) is a new condition: back it comes.
        await log_line(pilot, "-6m c: config push to payment-gateway")
        assert shown_flags(screen) == ["rollback_first"]
        assert "config push to payment-gateway" in screen.query_one(RedFlags).prompts[0].detail


async def test_snoozed_flag_returns_after_the_snooze(deploy_db, playbook):
    clock = Clock(T0 + timedelta(minutes=13))
    app = build_app(deploy_db, playbook, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await pilot.press("f", "z")
        await settle(pilot)
        assert isinstance(app.screen, SnoozeFlagScreen)
        listing = app.screen.query_one("#snooze-list")
        assert [listing.get_option_at_index(i).id for i in range(listing.option_count)] == [
            str(m) for m in playbook.thresholds.snooze_minutes
        ]
        await pilot.press("2", "enter")  # 30 minutes
        await settle(pilot)
        flag = events(deploy_db, "flag")[-1]
        data = json.loads(flag["data"])
        assert data["action"] == "snooze"
        assert from_db(data["until"]) == T0 + timedelta(minutes=43)
        assert "snoozed for 30 minutes" in flag["text"]
        assert shown_flags(screen) == []

        clock.at(42)
        await log_line(pilot, "n: still snoozed")
        assert "rollback_first" not in shown_flags(screen)
        clock.at(44)
        await log_line(pilot, "n: snooze over")
        assert "rollback_first" in shown_flags(screen)


async def test_escape_decides_nothing(deploy_db, playbook):
    app = build_app(deploy_db, playbook, clock=Clock(T0 + timedelta(minutes=13)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await pilot.press("f", "d", *"no", "escape")
        await settle(pilot)
        await pilot.press("z", "escape")
        await settle(pilot)
        assert events(deploy_db, "flag") == []
        assert shown_flags(screen) == ["rollback_first"]


async def test_flag_detail_quotes_incident_text_literally(story_db, playbook):
    async def seed() -> None:
        store = await Store.open(story_db, clock=lambda: T0 + timedelta(minutes=12, seconds=10))
        try:
            await store.append(STORY_ID, "change", "deploy [red]v2[/red] \x1b[2J", "[b]bot", at=T0)
        finally:
            await store.close()

    await seed()
    app = build_app(story_db, playbook, clock=Clock(T0 + timedelta(minutes=13)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        shown = prompt_text(screen.query_one(RedFlags), 0)
        assert "[red]v2[/red]" in shown and "\x1b" not in shown and "␛[2J" in shown


# ----- the phase-advance guard --------------------------------------------------------------------


async def test_leaving_a_speed_phase_asks_gently(story_db, playbook):
    app = build_app(story_db, playbook, clock=Clock(T0 + timedelta(minutes=13)))
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert incident_row(story_db, STORY_ID).phase == "assess"
        asked = [n for n in notifications(app) if n.title == "Not yet"]
        assert len(asked) == 1 and asked[0].severity == "warning" and "you may skip" in asked[0].message


async def test_leaving_fix_warns_firmly(demo_db, playbook):
    app = build_app(demo_db, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket")  # Diagnose -> Fix
        await settle(pilot)
        assert screen.state.incident.phase == "fix"
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.state.incident.phase == "fix"
        firm = [n for n in notifications(app) if n.title == "Not yet" and "Fix is not finished" in n.message]
        assert len(firm) == 1 and firm[0].severity == "error"
        assert "1 temporary fix still in place" in firm[0].message and ".." not in firm[0].message
        await pilot.press("right_square_bracket")  # the same key again: on purpose
        await settle(pilot)
        assert screen.state.incident.phase == "postmortem"


async def test_help_lists_the_practice_keys(story_db, playbook):
    from warroom.tui.screens.help import help_rows

    app = build_app(story_db, playbook, clock=Clock(T0 + timedelta(minutes=13)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        rows_shown = {(key, what) for key, what, _ in help_rows(app, screen)}
        for key, what in (
            ("C", "Contain"),
            ("M", "Mitigation"),
            ("T", "Temp fix"),
            ("F", "Temporary fixes pane"),
            ("a", "Acknowledge flag"),
            ("d", "Dismiss flag…"),
            ("z", "Snooze flag…"),
            ("r", "Remove fix"),
            ("k", "Keep (make permanent)"),
        ):
            assert (key, what) in rows_shown, (key, what)


async def test_resolve_asks_once_then_resolves_and_reopens(demo_db, playbook):
    app = build_app(demo_db, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert folded(demo_db).incident.status == "open"  # asked, not done
        asked = [n.message for n in notifications(app) if n.title == "Resolve?"][-1]
        # The demo: its cache bypass still in place and the Fix checklist not done.
        assert asked.startswith("1 temporary fix still in place; Fix checklist ") and "6/6" not in asked
        assert asked.endswith("Press ctrl+r again to resolve the incident.")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert folded(demo_db).incident.status == "resolved"
        assert app.screen.state.incident.status == "resolved"
        severity_pane = str(app.screen.query_one("#sev-body").render())
        assert "Update" not in severity_pane and "Declared" in severity_pane  # no update is owed now
        await pilot.press("ctrl+r")  # reopening asks once too: a third press of an impatient
        await settle(pilot)  # double-tap does not undo the resolution
        assert folded(demo_db).incident.status == "resolved"
        assert [n.message for n in notifications(app) if n.title == "Reopen?"] == [
            "Press ctrl+r again to reopen the incident."
        ]
        await pilot.press("ctrl+r")
        await settle(pilot)
    # Drafts are events now (hidden from the timeline): the handoff saved on the way is not what is checked.
    kinds = [r["kind"] for r in rows(demo_db, "SELECT kind FROM events WHERE kind != 'draft' ORDER BY seq")]
    # Resolving also moves the phase to Postmortem (changed on purpose): its phase event comes with it.
    assert kinds[-4:] == ["resolved", "phase", "reopened", "phase"]  # reopening takes the phase back
    assert folded(demo_db).incident.status == "open"


async def test_a_resolve_asked_before_a_change_asks_again_after_it(demo_db, playbook):
    """ctrl+r asked over the incident as it was; a write since (here a note) voids the question:
    the next ctrl+r asks again, with what is unfinished then, and only the one after resolves."""
    app = build_app(demo_db, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("l")
        await type_text(pilot, "n: checking the dashboards")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert folded(demo_db).incident.status == "open"
        assert len([n for n in notifications(app) if n.title == "Resolve?"]) == 2
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert folded(demo_db).incident.status == "resolved"


async def test_declare_screen_answers_show_under_their_assess_items(db_path, playbook):
    async def declare() -> None:
        store = await Store.open(db_path, clock=lambda: FIXED_NOW)
        try:
            await store.declare(
                "Checkout failing",
                2,
                "dana",
                first_phase="assess",
                triage={"broken": "payment step returns 500", "changed": "unknown"},
            )
        finally:
            await store.close()

    await declare()
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_war_room(pilot)
        checklist = screen.query_one(Checklist)
        prompts = {option.id: drawn(option.prompt) for option in checklist.options}
        assert prompts["assess:broken"].startswith("[x] What's broken?")
        assert "→ payment step returns 500" in prompts["assess:broken"]
        assert prompts["assess:changed"].startswith("[ ]") and "→" not in prompts["assess:changed"]


async def test_a_key_sent_with_the_pane_key_goes_to_that_pane(story_db, playbook):
    """`c` and Enter in one read (tmux send-keys, a paste of keys): Enter answers the checklist's
    item, not the timeline's row (Textual's focus() takes effect a turn later)."""
    from textual import events as textual_events

    app = build_app(story_db, playbook, clock=Clock(T0 + timedelta(minutes=12, seconds=30)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_war_room(pilot)
        for key in ("c", "enter"):  # both queued before either is handled
            app._driver.send_message(textual_events.Key(key, "c" if key == "c" else "\r").set_sender(app))
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)  # not the timeline row's detail
        assert screen.query_one("#entry").is_open and screen.query_one(Checklist).has_focus is False
        assert "What's broken?" in drawn(screen.query_one("#entry-hint").render())
