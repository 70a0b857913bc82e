"""The war room: header, five panes, the entry line and the live feed.

The screen builds the panes and routes: keys and pane messages go to small controllers
(warroom/tui/controllers), each handed exactly what it uses. The incident on display is
the live feed's state, read whole after every change and handed down to the panes.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.containers import Grid
from textual.reactive import Reactive, reactive
from textual.screen import Screen
from textual.widget import Widget

from warroom.core.models import IncidentState
from warroom.core.operations import Operations
from warroom.core.playbook import Playbook
from warroom.core.store import Store
from warroom.tui.compositor import CroppedCompositor
from warroom.tui.controllers.base import PressAgain, Writer
from warroom.tui.controllers.comms import CommsController
from warroom.tui.controllers.entry import ROW_ACTIONS, EntryController, EntryPrompt, Search, selected_event
from warroom.tui.controllers.flags import FlagCheck
from warroom.tui.controllers.incident import IncidentController
from warroom.tui.controllers.late_handoff import LateHandoff
from warroom.tui.controllers.live import LiveFeed, spans_days
from warroom.tui.controllers.practice import PracticeController
from warroom.tui.messages import DeclareIncident, ShowIncidents
from warroom.tui.screens.warroom_keys import BINDINGS, KEYBAR_FIRST, available
from warroom.tui.widgets.checklist import Checklist
from warroom.tui.widgets.entry import EntryLine
from warroom.tui.widgets.handoff_first import HandoffFirst
from warroom.tui.widgets.header import IncidentHeader
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.red_flags import RedFlags
from warroom.tui.widgets.severity import SeverityPane
from warroom.tui.widgets.temp_fixes import TempFixes
from warroom.tui.widgets.timeline import AMENDED, BACKDATED, PINNED, Timeline

if TYPE_CHECKING:
    from warroom.tui.widgets.handoff import HandoffEditor  # TextArea: imported after the first frame

# The live feed: how often PRAGMA data_version is asked (twice a second).
POLL_SECONDS = 0.5
# Below this size the side panes share one slot, picked by key (c f h v).
NARROW_WIDTH, NARROW_HEIGHT = 120, 36
SIDE_PANES = ("checklist", "red-flags", "handoff", "severity")


class WarRoomScreen(Screen[None]):
    HELP_NAME = "war room"
    BINDINGS = BINDINGS
    FIRST_FRAME_STYLES = True  # styled by app.tcss and warroom.tcss alone (the app reads the rest after)

    # The side pane shown when the screen is narrow (the composed panes start with its first
    # value shown: nothing to do at mount, when a query of every pane cost 1-3 ms of the first frame).
    side: reactive[str] = reactive("checklist", init=False)
    # Textual's Screen.focused repaints the whole screen when the focus moves: 12-28 ms at 140x45
    # between Enter and the frame that shows the row. The widgets that gain and lose the focus
    # restyle (and so repaint) themselves; nothing else on this screen draws the focus.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(self, playbook: Playbook, incident_id: str) -> None:
        super().__init__()
        self._compositor = CroppedCompositor()  # a frame renders only the widgets it changes
        self.playbook = playbook
        self.incident_id = incident_id
        self._row_actions: tuple[bool | None, ...] = ()
        self._resumed = False
        self._ticked_at: datetime | None = None  # the header's last clock tick

    @property
    def store(self) -> Store:
        return self.app.store  # type: ignore[attr-defined]

    @property
    def ops(self) -> Operations:
        return self.app.ops  # type: ignore[attr-defined]

    @property
    def state(self) -> IncidentState | None:
        return self.live.state

    # ----- layout and wiring -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        questions = {q.key: q.question for q in self.playbook.triage}  # shown before their answers
        header = IncidentHeader(self.playbook, id="header")
        timeline, flags = Timeline(self.store.events_by_seq, questions, id="timeline"), RedFlags(id="red-flags")
        self.timeline = timeline  # check_action asks for it per binding, each time the keys are collected
        fixes, entry = TempFixes(id="temp-fixes"), EntryLine(id="entry")
        yield header
        with Grid(id="panes"):
            yield timeline
            yield Checklist(self.playbook, id="checklist", classes="side -shown")  # self.side's first value
            yield flags.set_class(True, "side")
            yield (first := HandoffFirst(id="handoff-first", classes="side"))  # the editor's place until it mounts
            yield SeverityPane(self.playbook, id="severity", classes="side")
        yield fixes
        yield entry
        yield KeyBar(first=KEYBAR_FIRST)
        # The controllers, each given what it uses: built with the panes, before any key.
        ops, incident_id, notify, push = self.ops, self.incident_id, self.notify, self.app.push_screen
        self.live = LiveFeed(
            self.store,
            incident_id,
            timeline,
            show=self._show_state,
            show_first=lambda state: header.show(state, self.ops.now()),
            show_draft=lambda draft: self.handoff.show_draft(draft),
            notify=notify,
            run_worker=self.run_worker,
            after_refresh=self.call_after_refresh,
        )
        write, state = Writer(notify, self.live.catch_up), (lambda: self.live.state)
        selected = lambda: selected_event(self.store, timeline)  # noqa: E731
        self.flags = FlagCheck(self.playbook, flags, header)
        self.search = Search(ops, incident_id, timeline, self.live.every_key, notify)
        self.incident = IncidentController(ops, incident_id, state, write, notify, push, PressAgain(), selected)
        self.practice = PracticeController(ops, incident_id, state, write, notify, push, self.live.reload, fixes)
        entries = EntryController(ops, incident_id, write, timeline, self.search, self.practice.tick)
        self.entry = EntryPrompt(entry, entries, selected, notify, home=timeline)
        copy, run, reload = self.app.copy_to_clipboard, self.run_worker, self.live.reload
        comms = lambda editor: CommsController(ops, incident_id, state, write, notify, push, editor, copy, run, reload)  # noqa: E731
        self.handoff = LateHandoff(first, comms, self.app.batch_update)

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Textual then restyles every widget. The first time, they were styled as they mounted a
        # moment before (again: a sixth of the first frame's work). Later resumes restyle.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def on_resize(self) -> None:
        narrow = self.size.width < NARROW_WIDTH or self.size.height < NARROW_HEIGHT
        self.set_class(narrow, "-narrow")
        if self.state is not None:  # the header lays itself out by the screen's width class
            self.query_one(IncidentHeader).show(self.state, self.ops.now())
        legend = f"{PINNED} pinned  {BACKDATED} backdated  {AMENDED} amended"
        timeline = self.query_one(Timeline)
        timeline.border_subtitle = f"c f h v: other panes · {legend}" if narrow else legend
        if timeline.keys:  # laid out now: the cursor's row in view in this frame, not the next
            timeline.move_to(timeline.cursor)
        self.refresh_bindings()

    def watch_side(self, side: str) -> None:
        for pane in SIDE_PANES:
            for widget in self.query(f"#{pane}, #{pane}-first"):
                widget.set_class(pane == side, "-shown")

    async def on_mount(self) -> None:
        self.call_after_refresh(self.handoff.mount)  # the handoff editor, right after the first frame
        await self.live.load()
        if self.focused is None:  # else a key typed ahead (l) has opened the entry line: keep it there
            self.set_focus(self.query_one(Timeline))
        self.set_interval(POLL_SECONDS, self.live.poll)
        self.set_interval(1, self.tick)
        # The severity pane's clocks half a second after the header's: in one frame the two
        # made Textual redraw everything between them (its partial update crops to one box
        # around all that changed: the whole screen, 10-20 ms every second); apart, each frame
        # draws one pane (1-3 ms), and a key waits behind less.
        self.set_timer(0.5, lambda: self.set_interval(1, self.tick_severity))

    # ----- the state, fanned out to the panes ---------------------------------------------------

    async def _show_state(self, state: IncidentState) -> None:
        comms, now = await self.handoff.ready(), self.ops.now()
        self.query_one(IncidentHeader).show(state, now)
        self.query_one(Checklist).show(state)
        comms.editor.show(state.handoff_draft)
        self.query_one(SeverityPane).show(state, now)
        self.query_one(TempFixes).show(state)
        self.query_one(Timeline).show_dates(spans_days(state, now))
        self.flags.show(state, now)
        self.refresh_bindings()
        await comms.watch()

    def tick_severity(self) -> None:
        """Once a second, between the header's ticks: the severity pane's clocks, read at the
        header's tick (read half a second later, the two said different seconds half the time)."""
        if self.state is not None:
            self.query_one(SeverityPane).tick(self._ticked_at or self.ops.now())

    def tick(self) -> None:
        """Once a second: the header's clocks; the red flags as often as the playbook says."""
        if self.state is None:
            return
        self._ticked_at = now = self.ops.now()
        self.query_one(IncidentHeader).tick(now)
        self.query_one(Timeline).show_dates(spans_days(self.state, now))  # midnight passes too
        if now.second % max(1, int(self.playbook.thresholds.evaluate_every_seconds)) == 0:
            shown = self.state
            flags = self.flags.show_off_loop(shown, now, current=lambda: self.state is shown)
            self.run_worker(flags, group="flags", exclusive=True, exit_on_error=False)

    # ----- keys: each to the controller that does it --------------------------------------------

    def action_log(self) -> None:
        self.entry.log()

    async def action_amend(self) -> None:
        await self.entry.amend()

    async def action_strike(self) -> None:
        await self.entry.strike()

    async def action_pin(self) -> None:
        await self.incident.pin()

    def action_severity(self) -> None:
        self.incident.severity()

    def action_details(self) -> None:
        self.incident.details()

    async def action_phase(self, step: int) -> None:
        await self.incident.phase(step)

    def action_search(self) -> None:
        self.entry.search()

    def action_next_match(self) -> None:
        self.search.next()

    async def action_pane(self, pane: str) -> None:
        if pane == "handoff":
            await self.handoff.mount()
        entry = self.query_one(EntryLine)
        if entry.is_open and pane == "timeline":
            entry.action_cancel()
        if pane in SIDE_PANES:
            self.side = pane
        target = self.query_one(f"#{pane}")
        if isinstance(target, RedFlags) and not target.has_focus:
            target.to_the_newest()  # not a flag highlighted before a new one came
        # At once, not at the next turn as Widget.focus() does: a key that came in the same
        # read (c then Enter, sent together by tmux or a paste) goes to the pane it was typed for.
        self.set_focus(target)
        if target is self.handoff.editor:  # type below what is there, not into its heading
            target.move_cursor(target.document.end)

    def action_incidents(self) -> None:
        self.app.post_message(ShowIncidents())

    def action_declare(self) -> None:
        self.app.post_message(DeclareIncident(back_to=self.incident_id))  # Esc there comes back here

    async def action_copy_document(self) -> None:
        (await self.handoff.ready()).choose_document()

    async def action_roles(self) -> None:
        (await self.handoff.ready()).roles()

    async def action_hand_off(self) -> None:
        await (await self.handoff.ready()).hand_off()

    async def action_handoff_template(self) -> None:
        comms = await self.handoff.ready()
        if await comms.from_template():
            await self.action_pane("handoff")
            comms.editor.move_cursor((0, 0))  # read from the top

    async def action_postmortem(self) -> None:
        await (await self.handoff.ready()).postmortem()

    def action_containment(self) -> None:
        self.practice.containment()

    def action_mitigation(self) -> None:
        self.practice.mitigation()

    def action_add_temp_fix(self) -> None:
        self.practice.add_temp_fix()

    def action_temp_fixes_pane(self) -> None:
        self.practice.focus_fixes()

    async def action_resolve(self) -> None:
        await self.incident.resolve()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        selected = self.timeline.selected_event if self.is_mounted else None
        return available(action, parameters, self.playbook, self.state, selected, self.search.matches, self.focused)

    # ----- messages from the panes -------------------------------------------------------------

    async def on_timeline_opened(self, message: Timeline.Opened) -> None:
        from warroom.tui.screens.event_detail import open_event_detail

        await open_event_detail(self.app, self.store, message.event)

    def on_timeline_highlighted(self, event: Timeline.Highlighted) -> None:
        # Redraw the footer only when what applies to the row changed (it is not free).
        row_actions = tuple(self.check_action(action, ()) for action in ROW_ACTIONS)
        if row_actions != self._row_actions:
            self._row_actions = row_actions
            self.refresh_bindings()

    async def on_entry_line_submitted(self, message: EntryLine.Submitted) -> None:
        await self.entry.submitted(message.payload, message.value)
        self.refresh_bindings()  # a search's matches turn n on

    def on_entry_line_cancelled(self, message: EntryLine.Cancelled) -> None:
        self.entry.refocus()

    async def on_checklist_tick_requested(self, request: Checklist.TickRequested) -> None:
        if request.ask_answer:
            self.entry.answer(request)
        else:
            await self.practice.tick(request, request.answer if request.done else "")

    async def on_handoff_editor_save(self, message: HandoffEditor.Save) -> None:
        await (await self.handoff.ready()).save_draft(message.text)

    async def on_temp_fixes_close_requested(self, message: TempFixes.CloseRequested) -> None:
        await self.practice.close_temp_fix(message.fix, message.permanent)

    async def on_red_flags_decision_requested(self, message: RedFlags.DecisionRequested) -> None:
        if message.prompt.rule == "changed_apart" and message.action == "ack":  # confirming is choosing one
            (await self.handoff.ready()).confirm_apart()
            return
        await self.practice.decide_flag(message.prompt, message.action)
