"""The war room: header, five panes, the entry line and the live feed.

The screen owns the incident on display: one IncidentState, reloaded whole after every
change and handed down to the panes. Panes ask for writes with messages; the screen
awaits the store and only then shows the result.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from time import monotonic

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.reactive import reactive
from textual.screen import Screen

from warroom.core import rules
from warroom.core.entry import KIND_KEYS, clean_text, parse_entry
from warroom.core.errors import WarroomError
from warroom.core.models import BULK_KINDS, MARKER_KINDS, SYSTEM_KINDS, Event, IncidentState
from warroom.core.playbook import Playbook
from warroom.core.safetext import one_line
from warroom.core.store import HANDOFF_DRAFT, Store
from warroom.core.timeutil import local
from warroom.tui.comms_actions import COMMS_BINDINGS, CommsActions
from warroom.tui.messages import DeclareIncident, ShowIncidents
from warroom.tui.practice_actions import PRACTICE_BINDINGS, PracticeActions
from warroom.tui.screens.severity_change import SeverityChangeScreen
from warroom.tui.widgets.checklist import Checklist
from warroom.tui.widgets.entry import EntryLine
from warroom.tui.widgets.handoff import HandoffEditor
from warroom.tui.widgets.header import IncidentHeader
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.red_flags import RedFlags
from warroom.tui.widgets.severity import SeverityPane
from warroom.tui.widgets.temp_fixes import TempFixes
from warroom.tui.widgets.timeline import AMENDED, BACKDATED, PINNED, Timeline

# A guarded key (advance with unticked items, resolve) must be pressed again within this.
CONFIRM_SECONDS = 10
# Search jumps between the newest matches; past this many it says "200+".
SEARCH_LIMIT = 200
# The live feed: how often PRAGMA data_version is asked (twice a second).
POLL_SECONDS = 0.5
# Below this size the side panes share one slot, picked by key (c f h v).
NARROW_WIDTH, NARROW_HEIGHT = 120, 36
# A long timeline opens on its newest rows (more than a screen), the rest read after the first frame.
TAIL_ROWS = 200
# Past this many timeline rows the state is read on a thread with its own connection:
# parsing tens of thousands of rows on the UI loop would freeze the keyboard for a second.
BIG_INCIDENT = 5_000
# A state reload slower than this (100,000-event incidents) is not repeated back to back.
SLOW_STATE_SECONDS = 0.2
SIDE_PANES = ("checklist", "red-flags", "handoff", "severity")
# What the key bar keeps when the terminal is narrow: the commander's most-used keys first.
KEYBAR_FIRST = (
    "log",
    "copy_document",
    "search",
    "phase(1)",
    "severity",
    "containment",
    "mitigation",
    "hand_off",
    "postmortem",
    "add_temp_fix",
    "amend",
    "strike",
    "pin",
    "roles",
)
# System events can be pinned but not rewritten: striking a phase change would rewrite history.
_CORRECTABLE_SYSTEM = {"triage"}
ENTRY_HINT = "  ".join(f"{k}: {v}" for k, v in KIND_KEYS.items()) + "  ·  14:30 / -12m backdates"


def spans_days(state: IncidentState, now: datetime) -> bool:
    """Times alone are ambiguous once the incident began on another (local) day than today."""
    began = state.incident.started_at or state.incident.declared_at
    first = min([began, *(e.ts for e in state.events[:1])])
    return local(first).date() != local(now).date()


class WarRoomScreen(CommsActions, PracticeActions, Screen[None]):
    HELP_NAME = "war room"
    BINDINGS = [
        Binding("l", "log", "Log"),
        Binding("e", "amend", "Amend"),
        Binding("x", "strike", "Strike"),
        Binding("p", "pin", "Pin"),
        Binding("s", "severity", "Severity"),
        Binding("right_square_bracket", "phase(1)", "Next phase", key_display="]"),
        Binding("left_square_bracket", "phase(-1)", "Prev phase", key_display="[", show=False),
        Binding("slash", "search", "Search", key_display="/"),
        Binding("n", "next_match", "Next match", show=False),
        Binding("t", "pane('timeline')", "Timeline pane", show=False),
        Binding("c", "pane('checklist')", "Checklist pane", show=False),
        Binding("f", "pane('red-flags')", "Red flags pane", show=False),
        Binding("h", "pane('handoff')", "Handoff pane", show=False),
        Binding("v", "pane('severity')", "Severity pane", show=False),
        Binding("escape", "pane('timeline')", "Back to timeline", show=False),
        Binding("i", "incidents", "Incidents", show=False),
        Binding("D", "declare", "Declare new", show=False),
        *COMMS_BINDINGS,
        *PRACTICE_BINDINGS,
    ]

    side: reactive[str] = reactive("checklist")

    def __init__(self, playbook: Playbook, incident_id: str) -> None:
        super().__init__()
        self.playbook = playbook
        self.incident_id = incident_id
        self.state: IncidentState | None = None
        self._last_seq = 0
        self._version: int | None = None
        self._lock = asyncio.Lock()
        self._matches: list[int] = []
        self._match_at = 0
        self._poll_failed = False
        self._asked: tuple[object, float] | None = None  # what "press again" confirms, and when
        self._state_dirty = False
        self._state_loading = False
        self._row_actions: tuple[bool | None, ...] = ()

    @property
    def store(self):
        return self.app.store

    def now(self) -> datetime:
        return self.app.clock()

    # ----- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield IncidentHeader(self.playbook, id="header")
        with Grid(id="panes"):
            timeline = Timeline(self.store.events_by_seq, id="timeline")
            timeline.border_title = "Timeline"
            yield timeline
            yield Checklist(self.playbook, id="checklist", classes="side")
            yield RedFlags(id="red-flags", classes="side")
            yield HandoffEditor(id="handoff", classes="side")
            yield SeverityPane(self.playbook, id="severity", classes="side")
        yield TempFixes(id="temp-fixes")
        yield EntryLine(id="entry")
        yield KeyBar(first=KEYBAR_FIRST)

    def on_resize(self) -> None:
        narrow = self.size.width < NARROW_WIDTH or self.size.height < NARROW_HEIGHT
        self.set_class(narrow, "-narrow")
        if self.state is not None:  # the header lays itself out by the screen's width class
            self.query_one(IncidentHeader).show(self.state, self.now())
        legend = f"{PINNED} pinned  {BACKDATED} backdated  {AMENDED} amended"
        self.query_one(Timeline).border_subtitle = f"c f h v: other panes · {legend}" if narrow else legend
        self.refresh_bindings()

    def watch_side(self, side: str) -> None:
        for pane in SIDE_PANES:
            self.query_one(f"#{pane}").set_class(pane == side, "-shown")

    async def on_mount(self) -> None:
        self.watch_side(self.side)
        await self._load_all()
        self.query_one(Timeline).focus()
        self.set_interval(POLL_SECONDS, self._poll)
        self.set_interval(1, self._tick)

    # ----- loading and the live feed -------------------------------------------------------

    async def _load_all(self) -> None:
        """The timeline's newest rows and the header first; every key and the state for the
        other panes follow in the background (slow for a 100,000-event incident)."""
        try:
            self._version = await self.store.data_version()
            self._last_seq = await self.store.max_seq()
            count, tail = await self.store.timeline_tail(self.incident_id, TAIL_ROWS)
            # Read with the keys, so the first frame needs no page fetch: one queued behind
            # the read of every key (below) waited for it.
            newest = await self.store.events_by_seq(tail)
            incident = await self.store.incident(self.incident_id)
            # Header and rows in the same frame: the slow reads below start after it.
            self.query_one(Timeline).load_tail(count, newest)
            if incident is not None:
                self.query_one(IncidentHeader).show(IncidentState(incident=incident), self.now())
        except Exception as exc:
            self.notify(f"Could not load the incident: {exc}", severity="error", timeout=10)
            return
        if count > len(tail) or len(tail) == TAIL_ROWS:  # full: an event may have come in between
            self.call_after_refresh(self.run_worker, self._load_every_key, group="keys")
        self._request_state()

    async def _load_every_key(self) -> None:
        try:
            async with self._lock:
                await self._reload_keys()
        except Exception as exc:
            self.notify(f"Could not read the timeline: {exc}", severity="error", timeout=10)

    async def _reload_keys(self) -> None:
        """Every key, read again; the cursor stays where it is now (not where it was when the
        read began: a long read may outlast a keypress)."""
        keys = await self.store.timeline_keys(self.incident_id)
        last = await self.store.events_by_seq(keys[-1:])
        timeline = self.query_one(Timeline)
        timeline.load(keys, last[0].ts if last else None, timeline.selected_seq)

    def _request_state(self) -> None:
        """Reload the state for the panes in the background; bursts of changes coalesce.

        The timeline is already up to date by then, so a long incident (whose state takes
        a while to read) never holds up showing a new row."""
        self._state_dirty = True
        if not self._state_loading:
            self._state_loading = True
            # After the next frame: the row just added to the timeline is drawn first, and
            # only then does the reload (tens of milliseconds for a huge incident) compete
            # with the UI for the interpreter.
            self.call_after_refresh(self._start_state_worker)

    def _start_state_worker(self) -> None:
        self.run_worker(self._state_loop(), group="state")

    async def _state_loop(self) -> None:
        try:
            while self._state_dirty:
                self._state_dirty = False
                started = monotonic()
                await self._reload_state()
                took = monotonic() - started
                if took > SLOW_STATE_SECONDS and self._state_dirty:
                    # A huge incident: leave the UI room to breathe between reloads.
                    await asyncio.sleep(min(2.0, 2 * took))
        except Exception as exc:
            self.notify(f"Could not read the incident: {exc}", severity="error", timeout=10)
        finally:
            self._state_loading = False

    async def _read_state(self) -> IncidentState:
        if len(self.query_one(Timeline).keys) <= BIG_INCIDENT:
            return await self.store.load_state(self.incident_id)
        path, clock, incident_id = self.store.path, self.store.clock, self.incident_id

        def read() -> IncidentState:
            async def load() -> IncidentState:
                store = await Store.open(path, create=False, clock=clock)
                try:
                    return await store.load_state(incident_id)
                finally:
                    await store.close()

            return asyncio.run(load())

        return await asyncio.to_thread(read)

    async def _reload_state(self) -> None:
        self.state = await self._read_state()
        now = self.now()
        self.query_one(IncidentHeader).show(self.state, now)
        self.query_one(Checklist).show(self.state)
        self.query_one(HandoffEditor).show(self.state.handoff_draft)
        self.query_one(SeverityPane).show(self.state, now)
        self.query_one(TempFixes).show(self.state)
        self.query_one(Timeline).show_dates(spans_days(self.state, now))
        self._evaluate_flags(now)
        self.refresh_bindings()
        await self._comms_watch()

    async def catch_up(self, reload_state: bool = False) -> None:
        """Load what was written since we last looked (by us or anyone else)."""
        async with self._lock:
            events = await self.store.events_after(self.incident_id, self._last_seq)
            if events:
                self._last_seq = max(self._last_seq, events[-1].seq or 0)
            timeline = self.query_one(Timeline)
            needs_keys = False
            for event in events:
                if event.kind in MARKER_KINDS:
                    timeline.invalidate(event.ref)
                elif not needs_keys and not timeline.add(event):
                    needs_keys = True  # backdated: it belongs somewhere in the middle
            if needs_keys:
                await self._reload_keys()
            if events and self._counted_only(events):
                if reload_state:  # another process wrote: maybe also a draft or an action item
                    await self.store.refresh_unlogged(self.state)
                    self.query_one(HandoffEditor).show(self.state.handoff_draft)
            elif events or reload_state:
                self._request_state()

    def _counted_only(self, events: list[Event]) -> bool:
        """New notes and alerts on a long incident: the state leaves those out (the timeline
        pages them), so reloading it would give the same state with a higher count. Counting
        them instead spares a 100,000-event incident a reload after every note, and after
        every alert a hook logs (what else changed without an event is re-read alone)."""
        state = self.state
        if state is None or self._state_loading or not state.events_truncated:
            return False
        if any(e.kind not in BULK_KINDS for e in events):
            return False
        state.event_count += len(events)
        return True

    async def _poll(self) -> None:
        try:
            version = await self.store.data_version()
            if version != self._version:
                self._version = version
                await self.catch_up(reload_state=True)
            self._poll_failed = False
        except Exception as exc:
            if not self._poll_failed:
                self.notify(f"Live feed paused: {exc}", severity="warning")
            self._poll_failed = True

    def _tick(self) -> None:
        if self.state is None:
            return
        now = self.now()
        self.query_one(IncidentHeader).tick(now)
        self.query_one(SeverityPane).tick(now)
        self.query_one(Timeline).show_dates(spans_days(self.state, now))  # midnight passes too
        if now.second % max(1, int(self.playbook.thresholds.evaluate_every_seconds)) == 0:
            self._evaluate_flags(now)

    def _evaluate_flags(self, now: datetime) -> None:
        if self.state is None:
            return
        pane = self.query_one(RedFlags)
        try:
            prompts = rules.evaluate(self.state, self.playbook, now)
        except Exception as exc:
            pane.unavailable(f"The red-flag rules failed: {exc}")
            return
        pane.show(prompts)
        self.query_one(IncidentHeader).show_flags(len(prompts))  # seen even when the pane is not

    # ----- writing -------------------------------------------------------------------------

    async def _write(self, write, done: str | None = None) -> object | None:
        """Await one write; only when it is committed, show it. Failures become a message."""
        try:
            result = await write
        except Exception as exc:
            self.notify(str(exc) or type(exc).__name__, title="Not saved", severity="error", timeout=8)
            return None
        await self.catch_up()
        if done:
            self.notify(done)
        return result if result is not None else True

    async def _selected(self) -> Event | None:
        seq = self.query_one(Timeline).selected_seq
        if seq is None:
            return None
        events = await self.store.events_by_seq([seq])
        return events[0] if events else None

    # ----- actions ---------------------------------------------------------------------------

    def action_log(self) -> None:
        self.query_one(EntryLine).open("log", "Log", hint=ENTRY_HINT)

    async def action_amend(self) -> None:
        event = await self._selected()
        if event is not None:
            self.query_one(EntryLine).open("amend", "Amend", value=event.shown_text, payload=event)

    async def action_strike(self) -> None:
        event = await self._selected()
        if event is not None:
            self.query_one(EntryLine).open(
                "strike", "Strike", hint=f"reason (optional) — {one_line(event.shown_text, 40)}", payload=event
            )

    async def action_pin(self) -> None:
        event = await self._selected()
        if event is not None:
            pinned = not event.pinned
            await self._write(self.store.pin(event, self.app.author, pinned), "Pinned" if pinned else "Unpinned")

    def action_severity(self) -> None:
        if self.state is None:
            return
        current = self.state.incident.severity

        def chosen(level: int | None) -> None:
            if level is not None:
                # A new severity brings its update cadence: escalating brings the next update forward.
                cadence = timedelta(minutes=self.playbook.severity(level).update_every_minutes)
                due = self.now() + cadence
                scheduled = self.state.incident.next_update_at if self.state else None
                self.run_worker(
                    self._write(
                        self.store.set_severity(
                            self.incident_id, level, self.app.author, next_update_at=min(due, scheduled or due)
                        ),
                        f"Severity SEV-{current} → SEV-{level}",
                    )
                )

        self.app.push_screen(SeverityChangeScreen(self.playbook, current), chosen)

    async def action_phase(self, step: int) -> None:
        if self.state is None:
            return
        keys = self.playbook.phase_keys
        old = self.state.incident.phase
        index = keys.index(old) if old in keys else 0
        new = keys[max(0, min(len(keys) - 1, index + step))]
        if new == old:
            return
        warning = rules.advance_warning(self.state, self.playbook, new) if step > 0 else None
        if warning and not self.pressed_again(("phase", new)):
            firm = old in keys and self.playbook.phase(old).mode == "thoroughness"  # Fix, Postmortem: firmer
            self.notify(
                f"{warning.rstrip('.')}. Press ] again to advance anyway.",
                title="Not yet",
                severity="error" if firm else "warning",
                timeout=12 if firm else 6,
            )
            return
        await self._write(
            self.store.set_phase(self.incident_id, new, self.app.author),
            f"Phase {self.playbook.phase_name(old)} → {self.playbook.phase_name(new)}",
        )

    def pressed_again(self, what: object) -> bool:
        """True when the same guarded key was pressed moments ago (the second press confirms).

        A question older than CONFIRM_SECONDS does not count: a press twenty minutes later
        must ask again."""
        asked, self._asked = self._asked, (what, monotonic())
        if asked is not None and asked[0] == what and monotonic() - asked[1] < CONFIRM_SECONDS:
            self._asked = None
            return True
        return False

    def action_search(self) -> None:
        self.query_one(EntryLine).open("search", "Search", hint="words; n jumps to the next match")

    def action_next_match(self) -> None:
        if self._matches:
            self._match_at = (self._match_at + 1) % len(self._matches)
            self._jump_to_match()

    def action_pane(self, pane: str) -> None:
        entry = self.query_one(EntryLine)
        if entry.is_open and pane == "timeline":
            entry.action_cancel()
        if pane in SIDE_PANES:
            self.side = pane
        target = self.query_one(f"#{pane}")
        target.focus()
        if isinstance(target, HandoffEditor):  # type below what is there, not into its heading
            target.move_cursor(target.document.end)

    def action_incidents(self) -> None:
        self.app.post_message(ShowIncidents())

    def action_declare(self) -> None:
        self.app.post_message(DeclareIncident())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        timeline = self.query_one(Timeline) if self.is_mounted else None
        if action in ("amend", "strike", "pin"):
            event = timeline.selected_event if timeline else None
            if event is None:
                return None
            if action != "pin" and event.kind in SYSTEM_KINDS and event.kind not in _CORRECTABLE_SYSTEM:
                return None
            if action == "strike" and event.struck:
                return None
        if action == "phase" and self.state is not None:
            keys = self.playbook.phase_keys
            index = keys.index(self.state.incident.phase) if self.state.incident.phase in keys else 0
            target = index + int(parameters[0])  # type: ignore[arg-type]
            return True if 0 <= target < len(keys) else None
        if action == "next_match":
            return True if self._matches else None
        return True

    # ----- messages from the panes -------------------------------------------------------------

    async def on_timeline_opened(self, message: Timeline.Opened) -> None:
        from warroom.tui.screens.event_detail import open_event_detail

        await open_event_detail(self.app, self.store, message.event)

    def on_timeline_highlighted(self, event: Timeline.Highlighted) -> None:
        # Redraw the footer only when what applies to the row changed (it is not free).
        row_actions = tuple(self.check_action(action, ()) for action in ("amend", "strike", "pin"))
        if row_actions != self._row_actions:
            self._row_actions = row_actions
            self.refresh_bindings()

    async def on_entry_line_submitted(self, message: EntryLine.Submitted) -> None:
        entry = self.query_one(EntryLine)
        handler = getattr(self, f"_submit_{message.mode}", None)
        if handler is None:
            entry.busy = False
            return
        try:
            ok = await handler(message.value, message.payload)
        except ValueError as exc:  # parsing: the text stays for the user to fix
            self.notify(str(exc), title="Not saved", severity="error", timeout=8)
            return
        finally:
            entry.busy = False
        if ok:
            entry.close()
            self._refocus()

    def on_entry_line_cancelled(self, message: EntryLine.Cancelled) -> None:
        self._refocus()

    def _refocus(self) -> None:
        """Back where the entry line was opened from (an answer keeps you in the checklist)."""
        target = self.query_one(EntryLine).return_focus
        (target if target is not None and target.is_attached else self.query_one(Timeline)).focus()

    async def _submit_log(self, value: str, payload: object) -> bool:
        entry = parse_entry(value, "note", self.now())
        event = await self._write(
            self.store.append(
                self.incident_id,
                entry.kind,
                entry.text,
                self.app.author,
                at=entry.at,
                event_id=self.query_one(EntryLine).event_id,
            )
        )
        if isinstance(event, Event):
            timeline = self.query_one(Timeline)
            index = timeline.index_of(event.seq)
            if index is not None:
                timeline.move_to(index)
        return event is not None

    async def _submit_amend(self, value: str, event: Event) -> bool:
        text = clean_text(value)
        if text == event.shown_text:
            return True
        return await self._write(self.store.amend(event, text, self.app.author), "Amended") is not None

    async def _submit_strike(self, value: str, event: Event) -> bool:
        return await self._write(self.store.strike(event, self.app.author, value.strip()), "Struck") is not None

    async def _submit_answer(self, value: str, request: Checklist.TickRequested) -> bool:
        return await self._tick_item(request, value.strip())

    async def _submit_search(self, value: str, payload: object) -> bool:
        if not value.strip():
            raise ValueError("type some words to search for")
        for worker in [w for w in self.app.workers if w.group == "keys" and w.node is self]:
            await worker.wait()  # a long timeline's older keys: matches there must be found
        try:
            found = await self.store.search(self.incident_id, value, limit=SEARCH_LIMIT)
        except WarroomError as exc:  # a busy or damaged file: a message, and the words stay
            raise ValueError(f"search failed: {exc}") from None
        timeline = self.query_one(Timeline)
        self._matches = [e.seq for e in found if timeline.index_of(e.seq) is not None]
        self._match_at = 0
        if not self._matches:
            self.notify(f"No event matches {one_line(value, 40)!r}", severity="warning")
            return False
        more = "+" if len(found) >= SEARCH_LIMIT else ""
        self.notify(f"{len(self._matches)}{more} matches (newest first; n for the next)")
        self._jump_to_match()
        self.refresh_bindings()
        return True

    def _jump_to_match(self) -> None:
        timeline = self.query_one(Timeline)
        index = timeline.index_of(self._matches[self._match_at])
        if index is not None:
            timeline.move_to(index)

    async def on_checklist_tick_requested(self, request: Checklist.TickRequested) -> None:
        if request.ask_answer:
            self.query_one(EntryLine).open(
                "answer", "Answer", value=request.answer, hint=f"{request.label} (optional)", payload=request
            )
            return
        await self._tick_item(request, request.answer if request.done else "")

    async def _tick_item(self, request: Checklist.TickRequested, answer: str) -> bool:
        written = await self._write(
            self.store.tick(
                self.incident_id, request.phase, request.item, request.label, request.done, self.app.author, answer
            )
        )
        return written is not None

    async def on_handoff_editor_save(self, message: HandoffEditor.Save) -> None:
        editor = self.query_one(HandoffEditor)
        try:
            await self.store.save_text(self.incident_id, HANDOFF_DRAFT, message.text)
        except Exception as exc:
            editor.save_failed()
            self.notify(f"Handoff draft not saved: {exc}", severity="error")
            return
        editor.saved(message.text)

    async def save_handoff_now(self) -> None:
        """Before leaving the screen: write a pending handoff edit (the debounce may not have fired)."""
        editor = self.query_one(HandoffEditor)
        if editor.text != editor.saved_text:
            await self.on_handoff_editor_save(HandoffEditor.Save(editor.text))
