"""The war room's controllers without a screen: each is built from what its constructor names
(a real store and Operations, a list for the notifications, a recorder for the screens it
would push), so what it writes is read back from the database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fixed_clock import FIXED_NOW

from warroom.core import redflags, rules
from warroom.core.errors import DatabaseError
from warroom.core.ids import uuid7
from warroom.core.locations import data_dir
from warroom.core.models import IncidentState
from warroom.core.operations import Operations
from warroom.core.store import Store
from warroom.tui.controllers import base
from warroom.tui.controllers.base import PressAgain, Writer
from warroom.tui.controllers.comms import stale_lines
from warroom.tui.controllers.entry import (
    AmendRequest,
    AnswerRequest,
    EntryController,
    LogRequest,
    Search,
    SearchRequest,
    StrikeRequest,
    applies_to_row,
)
from warroom.tui.controllers.flags import FlagCheck
from warroom.tui.controllers.incident import IncidentController, phase_target
from warroom.tui.screens.severity_change import SeverityChangeScreen
from warroom.tui.widgets.checklist import Checklist


@dataclass
class Said:
    """What a controller told the commander (its `notify`)."""

    lines: list[tuple[str, str, str]] = field(default_factory=list)

    def __call__(self, message: str, *, title: str = "", severity: str = "information", **_: Any) -> None:
        self.lines.append((message, title, severity))

    def text(self) -> str:
        return "\n".join(m for m, _, _ in self.lines)


@dataclass
class Pushed:
    """The screens a controller asked for, and the callback each would answer."""

    screens: list[tuple[Any, Callable[[Any], Any]]] = field(default_factory=list)

    def __call__(self, screen: Any, callback: Callable[[Any], Any]) -> None:
        self.screens.append((screen, callback))

    async def answer(self, result: Any) -> None:
        _, callback = self.screens.pop()
        awaited = callback(result)
        if awaited is not None:
            await awaited


@dataclass
class Room:
    store: Store
    ops: Operations
    incident_id: str
    said: Said
    pushed: Pushed
    caught_up: list[int]
    state: IncidentState | None = None

    def write(self) -> Writer:
        async def caught_up() -> None:
            self.caught_up.append(1)
            self.state = await self.store.load_state(self.incident_id)

        return Writer(self.said, caught_up)

    async def events(self, kind: str) -> list:
        state = await self.store.load_state(self.incident_id)
        return [e for e in state.events if e.kind == kind]


@pytest.fixture
async def room(db_path, playbook):
    store = await Store.open(db_path, clock=lambda: FIXED_NOW)
    ops = Operations(store, playbook, "dana")
    incident = await ops.declare("Checkout failing", 2)
    r = Room(store, ops, incident.id, Said(), Pushed(), [])
    r.state = await store.load_state(incident.id)
    yield r
    await store.close()


# ----- the write protocol -------------------------------------------------------------------


async def test_a_write_is_shown_only_once_committed(room):
    event = await room.write()(room.ops.log(room.incident_id, "action", "rolled back"), "Logged")
    assert event is not None and event.text == "rolled back"
    assert room.caught_up == [1] and room.said.lines == [("Logged", "", "information")]


async def test_an_expected_failure_is_one_line_and_nothing_is_caught_up(room):
    async def locked() -> None:
        raise DatabaseError("database is locked")

    assert await room.write()(locked(), "Logged") is None
    assert room.said.lines == [("database is locked", "Not saved", "error")]
    assert room.caught_up == []
    assert not (data_dir() / "warroom.log").exists()


async def test_an_unexpected_failure_is_logged_and_named(room):
    async def broken() -> None:
        raise KeyError("phase")

    assert await room.write()(broken()) is None
    (message, title, severity), *_ = room.said.lines
    assert title == "Not saved" and severity == "error"
    assert message.startswith("saving failed (KeyError: 'phase'): see") and "warroom.log" in message
    assert "Traceback" in (data_dir() / "warroom.log").read_text()


def test_a_guarded_key_confirms_only_when_pressed_again_soon(monkeypatch):
    clock = {"now": 100.0}
    monkeypatch.setattr(base, "monotonic", lambda: clock["now"])
    again = PressAgain()
    assert not again("resolve")
    assert again("resolve")  # at once: confirmed
    assert not again("resolve")  # a confirmation is used up
    clock["now"] += base.CONFIRM_SECONDS + 1
    assert not again("resolve")  # too late: it asks again
    assert not again(("phase", "fix"))  # another question does not confirm the first


# ----- the entry line's requests, by type ------------------------------------------------------


def entry_controller(room, search=None, tick=None) -> EntryController:
    async def no_tick(request, answer) -> bool:
        raise AssertionError("not a tick")

    return EntryController(room.ops, room.incident_id, room.write(), None, search, tick or no_tick)  # type: ignore[arg-type]


async def test_amend_and_strike_requests_write_through_operations(room):
    logged = await room.ops.log(room.incident_id, "action", "restart the pods")
    controller = entry_controller(room)
    assert await controller.submit(AmendRequest(logged), "restart the api pods")
    (amended,) = await room.events("action")
    assert amended.shown_text == "restart the api pods"
    assert await controller.submit(StrikeRequest(amended), "  wrong incident ")
    (struck,) = await room.events("action")
    assert struck.struck
    assert [m for m, _, _ in room.said.lines] == ["Amended", "Struck"]


async def test_an_unchanged_amend_writes_nothing(room):
    logged = await room.ops.log(room.incident_id, "note", "coffee")
    assert await entry_controller(room).submit(AmendRequest(logged), "coffee")
    assert room.caught_up == [] and room.said.lines == []


async def test_an_answer_request_ticks_with_the_typed_answer(room):
    ticked: list[tuple[str, str]] = []

    async def tick(request, answer) -> bool:
        ticked.append((request.item, answer))
        return True

    request = Checklist.TickRequested("assess", "impact", "Who is affected?", True, True, "")
    assert await entry_controller(room, tick=tick).submit(AnswerRequest(request), "  EU card payments ")
    assert ticked == [("impact", "EU card payments")]


async def test_enter_on_an_empty_search_or_log_line_closes_it_and_does_nothing(room):
    """As Escape does (a walker's `l` after an empty Enter was typed into the line still open)."""

    async def every_key() -> None:
        raise AssertionError("an empty search reads nothing")

    search = Search(room.ops, room.incident_id, None, every_key, room.said)  # type: ignore[arg-type]
    before = len((await room.store.load_state(room.incident_id)).events)
    assert await entry_controller(room, search=search).submit(SearchRequest(), "   ") is True
    assert await entry_controller(room, search=search).submit(LogRequest(uuid7()), " ") is True
    assert len((await room.store.load_state(room.incident_id)).events) == before
    assert search.matches == [] and room.said.lines == []


def test_no_row_selected_offers_no_row_keys():
    assert applies_to_row("amend", None) is None


async def test_system_rows_can_be_pinned_but_not_rewritten(room):
    state = await room.store.load_state(room.incident_id)
    declared = state.events[0]  # "Incident declared": a system event
    assert applies_to_row("pin", declared) is True
    assert applies_to_row("amend", declared) is None and applies_to_row("strike", declared) is None


# ----- severity, phase and resolve ------------------------------------------------------------------


def incident_controller(room, selected=None) -> IncidentController:
    async def nothing():
        return None

    return IncidentController(
        room.ops,
        room.incident_id,
        lambda: room.state,
        room.write(),
        room.said,
        room.pushed,
        PressAgain(),
        selected or nothing,
    )


async def test_a_new_severity_brings_its_cadence_from_operations(room, playbook):
    controller = incident_controller(room)
    controller.severity()
    screen, _ = room.pushed.screens[-1]
    assert isinstance(screen, SeverityChangeScreen)
    await room.pushed.answer(1)
    incident = (await room.store.load_state(room.incident_id)).incident
    assert incident.severity == 1
    every = playbook.severity(1).update_every_minutes
    assert incident.next_update_at == FIXED_NOW + timedelta(minutes=every)  # sooner than SEV-2's
    assert room.said.lines[-1][0] == "Severity SEV-2 → SEV-1"


async def test_advancing_past_unticked_items_asks_first(room, playbook):
    controller = incident_controller(room)
    first, second = playbook.phase_keys[:2]
    await controller.phase(1)
    assert room.state.incident.phase == first  # asked, not moved
    assert "Press ] again" in room.said.lines[-1][0]
    await controller.phase(1)
    assert room.state.incident.phase == second
    assert phase_target(playbook, first, -1) is None  # no phase before the first


async def test_resolve_asks_once_then_resolves_and_reopens(room):
    controller = incident_controller(room)
    await controller.resolve()
    assert room.state.incident.status != "resolved"
    await controller.resolve()
    assert room.state.incident.status == "resolved"
    await controller.resolve()  # resolved: the same key reopens, asked once too
    assert room.state.incident.status == "resolved"
    await controller.resolve()
    assert room.state.incident.status != "resolved"
    said = [m for m, _, _ in room.said.lines]
    assert said[-3:] == ["Incident resolved", "Press ctrl+r again to reopen the incident.", "Incident reopened"]


async def test_pin_toggles_the_selected_event(room):
    logged = await room.ops.log(room.incident_id, "decision", "roll back")

    async def selected():
        return next(e for e in await room.events("decision"))

    controller = incident_controller(room, selected)
    await controller.pin()
    assert (await room.events("decision"))[0].pinned
    await controller.pin()
    assert not (await room.events("decision"))[0].pinned
    assert logged.id


# ----- red flags, rule by rule ------------------------------------------------------------------


def test_a_failing_rule_names_itself_once_logged_and_the_others_still_fire(monkeypatch, playbook):
    from builders import Story

    def broken(state, playbook, now):
        raise ZeroDivisionError("division by zero")

    def firing(state, playbook, now):
        return redflags.Hit(detail="fires in the test", fingerprint="test")

    monkeypatch.setitem(rules.RULES, "status_update_overdue", broken)
    monkeypatch.setitem(rules.RULES, "commander_needs_handoff", firing)
    check = FlagCheck(playbook, None, None)  # type: ignore[arg-type]
    state = Story().state()
    for _ in range(3):  # the war room evaluates every few seconds
        prompts, failures, _snoozed = check.evaluate(state, FIXED_NOW)
        assert "hand_off" in [p.flag_id for p in prompts]
        assert failures == [
            f"red-flag rule update_due failed (ZeroDivisionError: division by zero): see {data_dir() / 'warroom.log'}"
        ]
    log = (data_dir() / "warroom.log").read_text()
    assert log.count("red-flag rule update_due failed") == 1 and "in broken" in log


# ----- the handoff's out-of-date lines --------------------------------------------------------------


def test_a_generated_line_the_incident_no_longer_says_is_stale_a_renumbered_one_is_not():
    generated = "**Current severity**: SEV-3\n1. Can we roll back?\n2. Who needs to know?"
    edited = generated + "\nWatch the gateway"
    fresh = "**Current severity**: SEV-1\n1. Who needs to know?"
    assert stale_lines(generated, edited, fresh) == ["**Current severity**: SEV-3", "1. Can we roll back?"]


class _Pane:
    def __init__(self) -> None:
        self.shown: list[tuple[list, list]] = []

    def show(self, prompts, failures, snoozed=()) -> None:
        self.shown.append((prompts, failures))

    def show_flags(self, count: int) -> None:
        self.shown.append(([count], []))


async def test_flags_as_time_passes_are_shown_only_for_the_state_still_on_screen(playbook):
    from builders import Story

    pane = _Pane()
    check = FlagCheck(playbook, pane, pane)  # type: ignore[arg-type]
    state, later = Story().state(), FIXED_NOW + timedelta(hours=13)  # one commander for 13 hours
    await check.show_off_loop(state, later, current=lambda: False)
    assert pane.shown == []  # a newer state was shown meanwhile: this round is dropped
    await check.show_off_loop(state, later, current=lambda: True)
    (prompts, _), ([count], _) = pane.shown
    assert [p.flag_id for p in prompts] == [p.flag_id for p in check.evaluate(state, later)[0]]
    assert "hand_off" in [p.flag_id for p in prompts] and count == len(prompts)


async def test_a_failure_showing_flags_off_the_loop_goes_to_the_log(playbook):
    from builders import Story

    class Gone(_Pane):
        def show(self, prompts, failures, snoozed=()) -> None:
            raise RuntimeError("the pane was removed")

    check = FlagCheck(playbook, Gone(), Gone())  # type: ignore[arg-type]
    await check.show_off_loop(Story().state(), FIXED_NOW, current=lambda: True)
    log = (data_dir() / "warroom.log").read_text()
    assert "showing the red flags" in log and "the pane was removed" in log


async def test_a_phase_or_commander_confirmed_after_a_change_apart_says_so(room):
    """As a severity confirmed does: the postmortem's timeline reads why it was set again."""
    phase = await room.ops.set_phase(room.incident_id, "contain", "confirmed after it was changed apart")
    assert phase.text == "Phase Assess → Contain (confirmed after it was changed apart)"
    role = await room.ops.set_role(room.incident_id, "commander", "lee", "confirmed after it was changed apart")
    assert role.text == "commander: lee (confirmed after it was changed apart)"
    plain = await room.ops.set_role(room.incident_id, "comms", "sam")
    assert plain.text == "comms: sam"
