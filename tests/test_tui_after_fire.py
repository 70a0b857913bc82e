"""After the fire, in the TUI: a resolved incident is a state (RESOLVED 14:52, stopped clocks),
every incident is reachable (the list of all of them, filtered as typed; the palette), the
postmortem days later, the times the commander knows (declare fields, the offered start),
recurrence, typed-ahead keys, follow-ups across incidents and the weekly stats. Real keys,
then the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fixed_clock import FIXED_NOW
from pilot import drawn, notifications, settle, type_text
from pilot import query as rows
from textual import events
from textual.widgets import DataTable, Input

from warroom.core.models import ActionItem
from warroom.core.operations import Operations
from warroom.core.store import Store
from warroom.core.timeutil import from_db
from warroom.tui.app import build_app
from warroom.tui.screens.declare import DeclareScreen
from warroom.tui.screens.followups import FollowUpsScreen, next_status
from warroom.tui.screens.postmortem import PostmortemScreen
from warroom.tui.screens.stats import StatsScreen
from warroom.tui.screens.switcher import SwitcherScreen
from warroom.tui.screens.warroom import WarRoomScreen
from warroom.tui.widgets.red_flags import RedFlags
from warroom.tui.widgets.timeline import Timeline

pytestmark = pytest.mark.tui

SIZE = (140, 45)
DECLARED = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
RESOLVED = datetime(2026, 3, 10, 14, 52, tzinfo=UTC)
NEXT_DAY = FIXED_NOW + timedelta(days=1)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def seed(path, playbook, steps):
    """`await steps(ops, clock)` on the real store and operations; the clock is moved by steps."""
    clock = Clock(DECLARED)
    store = await Store.open(path, clock=clock)
    try:
        return await steps(Operations(store, playbook, "dana"), clock)
    finally:
        await store.close()


async def resolved_one(ops: Operations, clock: Clock) -> str:
    incident = await ops.declare("Checkout 502s", 1, service="checkout")
    clock.now = DECLARED + timedelta(minutes=30)
    await ops.set_mitigation(incident.id, next(level for level in ops.playbook.mitigation if level.restored))
    clock.now = RESOLVED
    await ops.resolve(incident.id)
    return incident.id


def header_part(screen, name: str) -> str:
    """What one part of the war room's header shows (widgets/header.py)."""
    return screen.query_one("#header").part(name).plain


async def test_a_resolved_incident_says_resolved_and_its_clocks_stop(db_path, playbook):
    incident_id = await seed(db_path, playbook, resolved_one)
    app = build_app(db_path, playbook, clock=lambda: NEXT_DAY, incident_id=incident_id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, WarRoomScreen)
        clocks = header_part(screen, "clocks")
        assert "RESOLVED 14:52" in clocks and "lasted 52m" in clocks
        assert "since start" not in clocks and "next update" not in header_part(screen, "update")
        assert "Postmortem" in header_part(screen, "phase")
        severity = str(screen.query_one("#sev-body").render())
        assert "mitigate 30m" in severity and "resolve 52m" in severity


async def test_no_open_incident_opens_the_list_of_all_and_it_filters_as_typed(db_path, playbook):
    async def two(ops, clock):
        resolved = await resolved_one(ops, clock)
        clock.now = RESOLVED + timedelta(minutes=1)
        other = await ops.declare("Search is slow", 3)
        await ops.resolve(other.id)
        return resolved, other.id

    first, second = await seed(db_path, playbook, two)
    app = build_app(db_path, playbook, clock=lambda: NEXT_DAY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SwitcherScreen)
        assert screen.shown_ids == [second, first]  # newest first
        listing = screen.query_one("#switcher-list")
        assert "RESOLVED 2026-03-10 14:52" in str(listing.get_option_at_index(1).prompt)
        await pilot.press(*"checkout")  # typing on the list filters it
        await settle(pilot)
        assert screen.shown_ids == [first]
        await pilot.press("enter")
        await settle(pilot)
        room = app.screen
        assert isinstance(room, WarRoomScreen) and room.incident_id == first
        # The postmortem days later: P opens it as before.
        await pilot.press("P")
        await settle(pilot)
        assert isinstance(app.screen, PostmortemScreen)


async def test_escape_on_declare_returns_to_the_list_of_resolved_ones(db_path, playbook):
    await seed(db_path, playbook, resolved_one)
    app = build_app(db_path, playbook, clock=lambda: NEXT_DAY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SwitcherScreen)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, DeclareScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SwitcherScreen)


@pytest.mark.parametrize("command, screen_type", [("Switch incident", SwitcherScreen), ("Declare", DeclareScreen)])
async def test_the_palette_switches_and_declares(demo_db, playbook, command, screen_type):
    app = build_app(demo_db, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, command)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, screen_type)


async def test_declare_takes_detected_and_service(db_path, playbook):
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "Checkout down")
        app.screen.query_one("#triage-started", Input).focus()
        await type_text(pilot, "14:30")
        app.screen.query_one("#detected", Input).focus()
        await type_text(pilot, "-20m")
        app.screen.query_one("#service", Input).focus()
        await type_text(pilot, "checkout")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        assert "detect 5m" in str(app.screen.query_one("#sev-body").render())
    [incident] = rows(db_path, "SELECT * FROM incidents")
    assert from_db(incident["started_at"]) == FIXED_NOW.replace(minute=30)
    assert from_db(incident["detected_at"]) == FIXED_NOW - timedelta(minutes=20)
    assert incident["service"] == "checkout"


async def test_a_detection_time_that_is_not_a_time_is_refused(db_path, playbook):
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "Checkout down")
        app.screen.query_one("#detected", Input).focus()
        await type_text(pilot, "99:99")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DeclareScreen)
        assert app.focused is app.screen.query_one("#detected")
    assert rows(db_path, "SELECT * FROM incidents") == []


async def test_the_war_room_offers_the_earliest_alert_as_the_start_and_A_accepts_it(db_path, playbook):
    async def backdated(ops, clock):
        clock.now = FIXED_NOW - timedelta(minutes=5)
        incident = await ops.declare("Checkout 502s", 2)
        await ops.log(incident.id, "alert", "5xx rate above 2%", at=FIXED_NOW - timedelta(minutes=23))
        await ops.log(incident.id, "note", "users report errors", at=FIXED_NOW - timedelta(minutes=18))
        return incident.id

    await seed(db_path, playbook, backdated)
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        room = await _room(pilot)
        offer = header_part(room, "update")
        assert "start? alert at 14:32 logged before declaring" in offer
        await pilot.press("A")
        await settle(pilot)
        assert "start?" not in header_part(room, "update")
        assert "since start 23m" in header_part(room, "clocks")
        assert "declare 18m" in str(room.query_one("#sev-body").render())
        assert room.state.incident.started_at == FIXED_NOW - timedelta(minutes=23)
    assert rows(db_path, "SELECT count(*) AS n FROM events WHERE kind = 'details'")[0]["n"] == 1


async def _room(pilot) -> WarRoomScreen:
    await settle(pilot)
    assert isinstance(pilot.app.screen, WarRoomScreen)
    return pilot.app.screen


async def test_recurrence_flag_offers_reopening_with_o(db_path, playbook):
    async def after(ops, clock):
        incident_id = await resolved_one(ops, clock)
        clock.now = FIXED_NOW - timedelta(minutes=1)
        # What `warroom log` from a hook writes into a resolved incident.
        await ops.store.append(
            incident_id, "alert", "checkout 5xx again", "hook", data={"after_resolution": True, "source": "cli"}
        )
        return incident_id

    incident_id = await seed(db_path, playbook, after)
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW, incident_id=incident_id)
    async with app.run_test(size=SIZE) as pilot:
        room = await _room(pilot)
        flags = room.query_one(RedFlags)
        assert [p.rule for p in flags.prompts] == ["logged_after_resolution"]
        [late] = [e for e in room.state.events if e.data.get("after_resolution")]
        assert "after resolution · checkout 5xx again" in room.query_one(Timeline).row_text(late).plain
        assert flags.border_subtitle.startswith("o reopen")
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert room.state.incident.status == "open"
        assert "RESOLVED" not in header_part(room, "clocks")
    [incident] = rows(db_path, "SELECT status FROM incidents")
    assert incident["status"] == "open"
    assert rows(db_path, "SELECT count(*) AS n FROM events WHERE kind = 'reopened'")[0]["n"] == 1


async def test_keys_typed_ahead_land_in_the_field_that_will_have_focus(db_path, playbook):
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # As a terminal delivers fast typing: every key queued before the first is handled.
        for key in ["T", "1", "tab", *"broken1", "shift+tab", "X"]:
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await settle(pilot)
        fields = {field.id: field.value for field in app.screen.query(Input)}
        assert fields["title"] == "T1X"  # Shift+Tab back into it did not select it for X to wipe
        assert fields["triage-broken"] == "broken1"


async def test_pilot_keys_typed_without_pauses_too(db_path, playbook):
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T", "1", "tab", *"broken1", "shift+tab", "X")
        await settle(pilot)
        fields = {field.id: field.value for field in app.screen.query(Input)}
        assert (fields["title"], fields["triage-broken"]) == ("T1X", "broken1")


async def items(ops: Operations, clock: Clock) -> tuple[str, str]:
    first = await resolved_one(ops, clock)
    clock.now = RESOLVED + timedelta(minutes=5)
    second = (await ops.declare("Search is slow", 3)).id
    created = FIXED_NOW - timedelta(days=10)
    for incident_id, n, action, owner, due, status in (
        (first, 1, "Add pool size check", "kim", "2026-03-01", "Open"),
        (first, 2, "Write the runbook", "lee", "", "In progress"),
        (first, 3, "Old one", "lee", "", "Done"),
        (second, 4, "Index the search table", "sam", "2026-04-01", "Open"),
    ):
        item = ActionItem(
            id=f"a{n}", incident_id=incident_id, action=action, owner=owner, due=due, status=status, created_at=created
        )
        await ops.save_action_item(item)
    return first, second


async def test_follow_ups_list_every_open_item_and_a_status_change_is_logged(db_path, playbook):
    first, _second = await seed(db_path, playbook, items)
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        room = await _room(pilot)  # the one open incident
        await pilot.press("O")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FollowUpsScreen)
        assert [f.item.id for f in screen.items] == ["a1", "a4", "a2"]  # overdue first, then by due
        table = screen.query_one(DataTable)
        assert str(table.get_row_at(0)[0]) == "OVERDUE" and str(table.get_row_at(1)[0]) == ""
        await pilot.press("d")  # the overdue one, done: still listed, below the open ones
        await settle(pilot)
        assert [(f.item.id, f.item.status) for f in screen.items] == [
            ("a4", "Open"),
            ("a2", "In progress"),
            ("a1", "Done"),
        ]
        assert "1 closed just now" in str(screen.query_one("#followups-help").render())
        await pilot.press("space")  # a second key by mistake: space on it opens it again
        await settle(pilot)
        assert [(f.item.id, f.item.status) for f in screen.items][0] == ("a1", "Open")
        assert "closed just now" not in str(screen.query_one("#followups-help").render())
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("up", "space")  # a2: In progress -> Done
        await settle(pilot)
        assert [f.item.id for f in screen.items if f.item.status != "Done"] == ["a4"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is room
    logged = rows(db_path, "SELECT incident_id, data FROM events WHERE kind = 'action_item' ORDER BY seq")
    assert [(r["incident_id"], '"Done"' in r["data"]) for r in logged[-2:]] == [(first, True), (first, True)]


def test_status_moves_on_in_a_cycle():
    assert [next_status(s) for s in ("Open", "in progress", "Done", "Blocked")] == [
        "In progress",
        "Done",
        "Open",
        "In progress",
    ]


async def test_stats_chart_the_weeks_from_the_palette(db_path, playbook):
    await seed(db_path, playbook, items)
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await _room(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "getting better")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        assert screen.summary is not None and screen.summary.incidents == 2
        assert "2 incidents in 1 week" in str(screen.query_one("#stats-table").render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        await pilot.press("W")
        await settle(pilot)
        assert isinstance(app.screen, StatsScreen)


async def test_the_checklist_ticks_a_renamed_status_document(db_path, playbook):
    """The team called its status page document "statuspage": sending it still ticks
    "Status page updated" (the checklist hands the playbook to the rules)."""
    documents = [
        d.model_copy(update={"key": "statuspage", "role": "status"}) if (d.role or d.key) == "status" else d
        for d in playbook.documents
    ]
    # Validated afresh: a copy of the session's playbook would keep its looked-up roles.
    renamed = type(playbook).model_validate({**playbook.model_dump(), "documents": documents})
    assert renamed.document_key("status") == "statuspage"

    async def sent(ops, clock):
        incident = await ops.declare("Checkout 502s", 2)
        await ops.set_phase(incident.id, "mitigate")
        await ops.record_copy(incident.id, "statuspage", "We are investigating", 2)
        return incident.id

    await seed(db_path, renamed, sent)
    app = build_app(db_path, renamed, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        room = await _room(pilot)
        checklist = room.query_one("#checklist")
        lines = [drawn(checklist.get_option_at_index(i).prompt) for i in range(checklist.option_count)]
        assert any(line.startswith("[x] Status page updated") for line in lines), lines


async def test_enter_on_a_follow_up_opens_its_incident(db_path, playbook):
    first, second = await seed(db_path, playbook, items)
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        room = await _room(pilot)
        assert room.incident_id == second  # the one open incident
        await pilot.press("O")
        await settle(pilot)
        await pilot.press("enter")  # the overdue item, from the resolved incident
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen) and app.screen.incident_id == first


async def test_alerts_and_declarations_in_other_incidents_are_said(db_path, playbook):
    """The war room shows one incident; a hook's alert into another (here the resolved one: a
    recurrence?) and an incident declared from a shell are said as they come, once each."""

    async def two(ops, clock):
        old = await resolved_one(ops, clock)
        clock.now = FIXED_NOW - timedelta(minutes=5)
        worked = await ops.declare("Login failures", 1)
        return old, worked.id

    old, worked = await seed(db_path, playbook, two)
    app = build_app(db_path, playbook, clock=lambda: FIXED_NOW, incident_id=worked)
    async with app.run_test(size=SIZE) as pilot:
        room = await _room(pilot)
        await room.live.poll()
        assert not [n for n in notifications(app) if "another incident" in n.title.lower()]  # nothing new yet

        async def elsewhere(ops, clock):  # another process: its own connection to the file
            clock.now = FIXED_NOW
            for n in range(4):  # a burst from a hook: one notice, the latest and how many more
                await ops.store.append(old, "alert", f"burst {n}", "hook", data={"source": "cli"})
            await ops.store.append(old, "alert", "checkout 5xx again [b]30%[/b]", "hook", data={"source": "cli"})
            await ops.store.append(worked, "note", "ours: not said", "sam")
            await ops.declare("Search slow", 3)

        await seed(db_path, playbook, elsewhere)
        await room.live.poll()
        await settle(pilot)
        said = [
            (n.title, n.message)
            for n in notifications(app)
            if n.title in ("Alert in another incident", "Another incident")
        ]
        [(_, alert), (_, declared)] = said
        assert alert == f"{old} Checkout 502s (resolved): checkout 5xx again [b]30%[/b] (and 4 more) · i switches"
        assert declared.endswith(": Incident declared: Search slow (SEV-3) · i switches")
        assert "ours: not said" in room.query_one(Timeline).row_text(room.timeline.selected_event).plain
        await room.live.poll()  # said once: nothing new, nothing again
        assert len([n for n in notifications(app) if n.title in ("Alert in another incident", "Another incident")]) == 2
