"""The war room as a team sees it: two files and a real PostgreSQL (tests/pg.py), keys pressed.

The war room syncs in the background when a server is given and says where the team stands in
its header; what another laptop logs appears on the timeline; rows say where they were logged
once the incident spans files; a severity changed on two laptops apart is a red flag until one
is confirmed; a handoff edited apart keeps both versions until the commander keeps one.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fixed_clock import FIXED_NOW
from pilot import notifications, type_text
from textual.widgets import OptionList

from tests.pg import cli, make_cluster
from warroom.core.operations import Operations
from warroom.core.store import Store
from warroom.tui.app import build_app
from warroom.tui.screens.apart import ApartChooser, DraftVersions
from warroom.tui.screens.event_detail import EventDetail
from warroom.tui.screens.warroom import WarRoomScreen
from warroom.tui.widgets.handoff import HandoffEditor
from warroom.tui.widgets.red_flags import RedFlags
from warroom.tui.widgets.timeline import Timeline

pytestmark = pytest.mark.tui

SIZE = (140, 45)


def sync(path: Path, url: str) -> None:
    """One round of `warroom sync --once` for `path` (in a thread: the test's loop is running)."""
    cli(path, "sync", "--server", url, "--once")


async def in_thread(fn, *args):
    return await asyncio.to_thread(fn, *args)


async def until(pilot, condition, what: str, seconds: float = 20.0) -> None:
    """Wait for `condition()` (the sync runs in the background): a bounded wait, not a sleep."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:.0f} s for {what}")
        await pilot.pause(0.05)


async def settle(pilot, rounds: int = 3) -> None:
    """pilot.settle, less the team sync's worker (it follows the server until the app ends)."""
    for _ in range(rounds):
        await pilot.pause()
        others = [w for w in pilot.app.workers if w.group != "team"]
        if others:  # an empty list would mean every worker
            await pilot.app.workers.wait_for_complete(others)


async def open_war_room(pilot) -> WarRoomScreen:
    await settle(pilot)
    assert isinstance(pilot.app.screen, WarRoomScreen)
    return pilot.app.screen


def team_line(app) -> str:
    found = list(app.screen.query("#header"))
    return found[0].part("team").plain if found else ""


def texts(app) -> list[str]:
    state = app.screen.live.state
    return [e.text for e in state.events] if state is not None else []


def rows(path: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def two_laptops(tmp_path: Path, url: str) -> tuple[Path, Path, str]:
    """Laptop a declares and syncs; laptop b joins (its file made by its first pull)."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    incident = cli(a, "declare", "Checkout errors")
    sync(a, url)
    sync(b, url)
    return a, b, incident


async def change_apart(path: Path, incident: str, level: int, author: str) -> None:
    from warroom.core.playbook import load

    store = await Store.open(path)
    try:
        ops = Operations(store, load(), author)
        await ops.set_severity(incident, level, None)
    finally:
        await store.close()


async def test_an_incident_a_teammate_declared_while_one_is_typed_here_is_said_with_the_way_to_it(
    tmp_path, pg_url, playbook
):
    """Declaring here (the form typed into, so not replaced), a teammate's incident comes in:
    perhaps the same fire. The notice says how to reach it from this screen (it said 'i lists
    incidents', a key the declare form does not have)."""
    from warroom.tui.screens.declare import DeclareScreen

    a, b = tmp_path / "a.db", tmp_path / "b.db"
    app = build_app(b, playbook, server=pg_url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DeclareScreen)
        await type_text(pilot, "Checkout 500s")
        await in_thread(cli, a, "declare", "Checkout errors")
        await in_thread(sync, a, pg_url)
        teamed = lambda: [n.message for n in notifications(app) if n.title == "Team"]  # noqa: E731
        await until(pilot, teamed, "the teammate's incident said")
        assert "'Checkout errors'" in teamed()[0] and "Esc goes to the list" in teamed()[0]
        assert isinstance(app.screen, DeclareScreen)  # what is typed here stays


async def test_the_war_room_syncs_in_the_background_and_says_so_in_the_header(tmp_path, pg_url, playbook):
    a, b, incident = await in_thread(two_laptops, tmp_path, pg_url)
    app = build_app(b, playbook, server=pg_url)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        await until(pilot, lambda: team_line(app) == "team: live", "the header to say the team is live")
        # Logged on laptop a and pushed: on b's timeline without a key pressed.
        await in_thread(cli, a, "log", "from laptop A: 5xx at 12%")
        await in_thread(sync, a, pg_url)
        await until(pilot, lambda: "5xx at 12%" in " ".join(texts(app)), "a's event on b's screen")
        timeline = app.screen.query_one(Timeline)

        def selected() -> str:
            event = timeline.selected_event
            return timeline.row_text(event).plain if event is not None else ""

        # The state may be read (another trigger) before the poll adds the row: wait for the row.
        await until(pilot, lambda: "5xx at 12%" in selected(), "the cursor following onto a's event")
        assert len(timeline.hosts) == 2  # two files now: rows say where they were logged
        # Logged here with the keys: pushed by the background sync, reaches laptop a.
        await pilot.press("l")
        await type_text(pilot, "a: rollback started")
        await pilot.press("enter")
        await settle(pilot)

        def on_a() -> bool:
            sync(a, pg_url)
            return bool(rows(a, "SELECT 1 FROM events WHERE text = 'rollback started'"))

        deadline = time.monotonic() + 20
        while not await in_thread(on_a):
            assert time.monotonic() < deadline, "b's event never reached a"
            await pilot.pause(0.1)
        # The event detail says who logged it and on which file.
        await pilot.press("end", "enter")
        await settle(pilot)
        assert isinstance(app.screen, EventDetail)
        facts = app.screen.facts().plain
        host_b = rows(b, "SELECT value FROM meta WHERE key = 'host'")[0][0]
        assert f"dana on {host_b}" in facts or f"dana on {host_b.partition('~')[0]}" in facts
        assert "(this file)" in facts


async def test_a_single_laptop_timeline_has_no_host_column(tmp_path, playbook):
    path = tmp_path / "one.db"
    await in_thread(cli, path, "declare", "Alone")
    await in_thread(cli, path, "log", "only here")
    app = build_app(path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        timeline = app.screen.query_one(Timeline)
        assert len(timeline.hosts) == 1
        host = rows(path, "SELECT value FROM meta WHERE key = 'host'")[0][0]
        assert host.partition("~")[0] not in timeline.row_text(timeline.selected_event).plain
        assert team_line(app) == ""  # no server configured: the header says nothing of a team


async def confirm_apart(pilot, room, wanted) -> str:
    """The changed-apart flag, confirmed with `a` on it by choosing the version `wanted(event)`
    says; returns what the flag said, once the conflict is settled."""
    flags = room.query_one(RedFlags)
    await until(pilot, lambda: any(p.rule == "changed_apart" for p in flags.prompts), "the changed-apart flag")
    prompt = next(p for p in flags.prompts if p.rule == "changed_apart")
    await pilot.press("f")
    flags.highlighted = next(i for i, o in enumerate(flags.options) if o.id == prompt.flag_id)
    await pilot.press("a")  # acknowledging this flag is choosing the version that stands
    await settle(pilot)
    chooser = pilot.app.screen
    assert isinstance(chooser, ApartChooser)
    chosen = next(i for i, (_, event) in enumerate(chooser.choices) if wanted(event))
    await pilot.press(str(chosen + 1), "enter")
    await settle(pilot)
    await until(pilot, lambda: not room.live.state.conflicts, "the conflict to be settled")
    return prompt.detail


async def test_severity_changed_apart_is_a_red_flag_until_one_is_confirmed(tmp_path, pg_url, playbook):
    a, b, incident = await in_thread(two_laptops, tmp_path, pg_url)
    await change_apart(a, incident, 1, "dana")
    await change_apart(b, incident, 3, "lee")
    for path in (a, b, a):
        await in_thread(sync, path, pg_url)
    app = build_app(a, playbook, server=pg_url)
    async with app.run_test(size=SIZE) as pilot:
        room = await open_war_room(pilot)
        assert set(room.live.state.conflicts) == {"severity"}
        said = await confirm_apart(pilot, room, lambda event: event.data["new"] == 3)
        assert "SEV-1 by dana on" in said and "SEV-3 by lee on" in said
        assert room.live.state.incident.severity == 3
        flags = room.query_one(RedFlags)
        await until(pilot, lambda: not any(p.rule == "changed_apart" for p in flags.prompts), "the flag to go")
    # The confirmation travels: b folds to the same, settled.
    await in_thread(sync, b, pg_url)
    store = await Store.open(b)
    try:
        state = await store.load_state(incident)
    finally:
        await store.close()
    assert state.conflicts == {} and state.incident.severity == 3


async def test_impact_set_apart_is_a_red_flag_until_one_is_confirmed(tmp_path, pg_url, playbook):
    """ann and bob correct the impact apart: neither is lost; confirming one settles it."""
    a, b, incident = await in_thread(two_laptops, tmp_path, pg_url)
    await in_thread(cli, a, "set", "--impact", "all")
    await in_thread(cli, b, "set", "--impact", "EU card payments only")
    for path in (a, b, a):
        await in_thread(sync, path, pg_url)
    app = build_app(a, playbook, server=pg_url)
    async with app.run_test(size=SIZE) as pilot:
        room = await open_war_room(pilot)
        assert set(room.live.state.conflicts) == {"details"}
        said = await confirm_apart(pilot, room, lambda event: event.data.get("impact") == "all")
        assert "Impact: All users by" in said and "Impact: EU card payments only by" in said
        assert room.live.state.incident.impact == "all"
        # Said so on the timeline, as a severity confirmed is (the postmortem reads it there).
        confirmed = [e.text for e in room.live.state.events if e.kind == "details"][-1]
        assert confirmed == "Impact: All users (confirmed after it was changed apart)"


async def test_a_handoff_edited_in_two_war_rooms_keeps_both_until_one_is_kept(tmp_path, playbook, monkeypatch):
    """Two war rooms on one file (issue 12 item 4): the second save no longer overwrites."""
    monkeypatch.setattr(HandoffEditor, "SAVE_AFTER_SECONDS", 60.0)  # saved when the test says (flush)
    monkeypatch.setattr(HandoffEditor, "SAVE_AT_LEAST_EVERY_SECONDS", 60.0)
    path = tmp_path / "war.db"
    incident = await in_thread(cli, path, "declare", "Payments degraded")
    app = build_app(path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        room = await open_war_room(pilot)
        await until(
            pilot,
            lambda: room.handoff.comms is not None and room.handoff.comms.base,
            "the handoff pane to stand on a revision",
        )
        editor = room.query_one(HandoffEditor)
        await pilot.press("h")
        await type_text(pilot, "dana's words")  # mid-edit here, not saved yet...
        # ...when the other war room saves its handoff from the same revision this one loaded.
        other = await Store.open(path)
        try:
            await Operations(other, playbook, "lee").save_draft(
                incident, "handoff", "lee's handoff", base=list(room.live.state.draft_heads["handoff"])
            )
        finally:
            await other.close()
        editor.flush()
        await settle(pilot)
        await until(pilot, lambda: editor.versions == 2, "the pane to say two versions stand")
        assert "2 versions" in str(editor.border_title)
        texts_now = {e.text for e in room.live.state.draft_versions["handoff"]}
        assert "lee's handoff" in texts_now and any("dana's words" in t for t in texts_now)
        assert any("edited apart" in n.message for n in notifications(app))
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, DraftVersions)
        # Each version with the lines only it has (dana's typed words, below a template of its own
        # lines that lee's version lacks): what keeping it keeps, not ~40 shared template lines.
        shown = {str(app.screen.query_one(OptionList).get_option_at_index(i).prompt) for i in range(2)}
        assert any("only in this one" in label and "+ lee's handoff" in label for label in shown)
        assert any("dana's words" in label for label in shown)
        keep = next(i for i, e in enumerate(app.screen.choices) if e.text == "lee's handoff")
        await pilot.press(str(keep + 1), "enter")
        await settle(pilot)
        await until(pilot, lambda: not room.live.state.draft_versions, "one version to stand")
        assert room.live.state.handoff_draft == "lee's handoff" and editor.text == "lee's handoff"
        assert editor.versions == 1


@pytest.mark.slow  # a cluster of its own, stopped and started again
async def test_the_header_says_offline_and_what_waits_then_live_again(tmp_path, playbook):
    cluster = make_cluster()
    try:
        url = cluster.url(cluster.new_database())
        a, b, incident = await in_thread(two_laptops, tmp_path, url)
        app = build_app(b, playbook, server=url)
        async with app.run_test(size=SIZE) as pilot:
            await open_war_room(pilot)
            await until(pilot, lambda: team_line(app) == "team: live", "live")
            await in_thread(cluster.stop, "immediate")
            for n in range(2):
                await pilot.press("l")
                await type_text(pilot, f"while apart {n}")
                await pilot.press("enter")
                await settle(pilot)
            await until(pilot, lambda: "offline since" in team_line(app), "the header to say offline")
            await until(pilot, lambda: team_line(app).endswith("2 to send"), "two waiting to be sent")
            await in_thread(cluster.start)
            await until(pilot, lambda: team_line(app) == "team: live", "live again", seconds=40)
        await in_thread(sync, a, url)
        sent = rows(a, "SELECT text FROM events WHERE text LIKE 'while apart %' ORDER BY text")
        assert sent == [("while apart 0",), ("while apart 1",)]
    finally:
        cluster.remove()


async def test_a_clock_behind_the_incident_is_said_once(tmp_path, playbook, monkeypatch):
    """Another laptop (or this one before its clock stepped back) wrote ten minutes ahead of this
    clock: new events still sort after what was seen, and the war room says so, once."""
    path = tmp_path / "war.db"
    ahead = (FIXED_NOW + timedelta(minutes=10)).isoformat()
    monkeypatch.setenv("WARROOM_NOW", ahead)
    await in_thread(cli, path, "declare", "Clock drift")
    monkeypatch.delenv("WARROOM_NOW")
    app = build_app(path, playbook, clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        room = await open_war_room(pilot)
        for text in ("first from the slow clock", "second from the slow clock"):
            await pilot.press("l")
            await type_text(pilot, text)
            await pilot.press("enter")
            await settle(pilot)
        said = [n.message for n in notifications(app) if "clock is" in n.message]
        assert len(said) == 1 and "behind the incident: new events keep their order" in said[0]
        assert [e.text for e in room.live.state.events][-2:] == [
            "first from the slow clock",
            "second from the slow clock",
        ]


async def test_only_incidents_declared_on_another_laptop_are_news_from_the_team(tmp_path, pg_url, playbook):
    a, b, incident = await in_thread(two_laptops, tmp_path, pg_url)
    app = build_app(b, playbook, server=pg_url)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        await until(pilot, lambda: team_line(app) == "team: live", "the team live")
        await pilot.press("D")  # declared here, after the war room started
        await settle(pilot)
        await type_text(pilot, "Search latency")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await until(
            pilot,
            lambda: app.screen.state is not None and app.screen.state.incident.title == "Search latency",
            "b's own incident open",
        )
        # Laptop a logs on the first incident, then declares one of its own: rows come in.
        await in_thread(cli, a, "log", "--incident", incident, "from laptop A")
        theirs = await in_thread(cli, a, "declare", "Payments down")
        await in_thread(sync, a, pg_url)

        def told() -> list[str]:
            return [n.message for n in notifications(app) if n.title == "Team"]

        await until(pilot, lambda: any("Payments down" in m for m in told()), "a's incident offered")
        assert any(theirs.strip() in m for m in told())
        assert not any("Search latency" in m for m in told())  # declared here: not news


async def test_a_laptop_started_while_the_server_is_away_says_so_on_the_declare_form(tmp_path, playbook):
    """A fresh laptop during an outage opened the declare form with nothing saying the team was
    out of reach, and its commander could declare the fire a teammate already had (a walker)."""
    import socket

    from warroom.tui.screens.declare import DeclareScreen

    with socket.socket() as s:  # a port nothing listens on: refused at once
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = build_app(tmp_path / "fresh.db", playbook, server=f"postgresql://u@127.0.0.1:{port}/war")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DeclareScreen)
        team = app.screen.query_one("#declare-team")
        await until(pilot, lambda: "offline since" in str(team.render()), "the form to say the team is away")
        assert "a teammate declared meanwhile is not here yet" in str(team.render())
