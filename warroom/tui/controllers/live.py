"""Loading the incident and following the database: the war room's live feed.

The timeline shows its newest rows first; every key and the state for the other panes are
read after the first frame (slow on a 100,000-event incident). Then PRAGMA data_version is
asked twice a second: whatever anyone wrote since is added to the timeline and the state is
read again, whole, and handed to `show` (never changed in place).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from time import monotonic
from typing import Any

from textual.worker import Worker

from warroom.core.errorlog import report
from warroom.core.models import BULK_KINDS, HIDDEN_KINDS, MARKER_KINDS, Event, IncidentState
from warroom.core.reads import Elsewhere
from warroom.core.safetext import one_line
from warroom.core.store import Store
from warroom.core.timeutil import duration, local
from warroom.tui.collector import freeze_long_lived, release_stale
from warroom.tui.controllers.base import Notify
from warroom.tui.widgets.timeline import Timeline

# A long timeline opens on its newest rows (more than a screen), the rest read after the first frame.
TAIL_ROWS = 200
# Past this many timeline rows the state is read on a thread with its own connection:
# parsing tens of thousands of rows on the UI loop would freeze the keyboard for a second.
BIG_INCIDENT = 5_000
# A state reload slower than this (100,000-event incidents) is not repeated back to back.
SLOW_STATE_SECONDS = 0.2
# Alerts and declarations in other incidents said at once: at most this many notices (a burst
# into one incident is one), read from at most NEWS_READ new rows a poll.
NEWS_SHOWN = 3
NEWS_READ = 200


def spans_days(state: IncidentState, now: datetime) -> bool:
    """Times alone are ambiguous once the incident began on another (local) day than today."""
    began = state.incident.started_at or state.incident.declared_at
    first = min([began, *(e.ts for e in state.events[:1])])
    return local(first).date() != local(now).date()


class LiveFeed:
    """The incident on screen (`state`), read whole after every change, and the timeline's rows."""

    def __init__(
        self,
        store: Store,
        incident_id: str,
        timeline: Timeline,
        *,
        show: Callable[[IncidentState], Awaitable[None]],
        show_first: Callable[[IncidentState], None],
        show_draft: Callable[[str], None],
        notify: Notify,
        run_worker: Callable[..., Worker[Any]],
        after_refresh: Callable[..., Any],
    ) -> None:
        self.store = store
        self.incident_id = incident_id
        self.timeline = timeline
        self.show = show  # the new state to the panes
        self.show_first = show_first  # the header, from the incident row, with the first rows
        self.show_draft = show_draft  # the handoff draft another process saved
        self.notify = notify
        self.run_worker = run_worker
        self.after_refresh = after_refresh
        self.state: IncidentState | None = None
        self.state_loading = False
        self._state_dirty = False
        self._last_seq = 0
        self._seen_elsewhere: int | None = None  # the newest seq looked at for other incidents' news
        self._version: int | None = None
        self._lock = asyncio.Lock()
        self._keys: Worker[Any] | None = None
        self._poll_failed = False
        # Called after each catch-up (every write here is followed by one): the team sync's
        # nudge (warroom/tui/controllers/team.py sets it), so a write is pushed at once.
        self.after_write: Callable[[], None] | None = None
        self._clock_said = False

    async def load(self) -> None:
        """The timeline's newest rows and the header first; every key and the state follow."""
        try:
            # One trip to the store's thread (five cost 2-4 ms of hops). The rows are read with
            # the keys, so the first frame needs no page fetch (one queued behind the read of
            # every key, below, waited for it). Rows and incident are built without pydantic
            # where they have the types it gives: its import waits until after the first frame.
            first = await self.store.first_screen(self.incident_id, TAIL_ROWS)
            self._version, self._last_seq = first.data_version, first.last_seq
            self._seen_elsewhere = first.last_seq
            count, tail, newest, incident = first.rows, first.tail, first.newest, first.incident
            # Header and rows in the same frame: the slow reads below start after it.
            self.timeline.load_tail(count, newest)
            if incident is not None:
                self.show_first(IncidentState.model_construct(incident=incident))
        except Exception as exc:
            self.notify(report(exc, "loading the incident"), severity="error", timeout=10)
            return
        if count > len(tail) or len(tail) == TAIL_ROWS:  # full: an event may have come in between
            self.after_refresh(self._start_keys)
        self.request_state()

    def _start_keys(self) -> None:
        self._keys = self.run_worker(self._load_every_key, group="keys")

    async def every_key(self) -> None:
        """Wait until a long timeline's older keys are read (a search match the store could not
        place among the keys still loading is looked for again then)."""
        if self._keys is not None and not self._keys.is_finished:
            await self._keys.wait()

    async def _load_every_key(self) -> None:
        try:
            async with self._lock:
                await self._reload_keys()
        except Exception as exc:
            self.notify(report(exc, "reading the timeline"), severity="error", timeout=10)

    async def _reload_keys(self) -> None:
        """Every key, read again; the cursor stays where it is now (not where it was when the
        read began: a long read may outlast a keypress)."""
        keys = await self.store.timeline_keys(self.incident_id)
        last = await self.store.events_by_seq(keys[-1:])
        self.timeline.load(keys, last[0].ts if last else None, self.timeline.selected_seq)

    def request_state(self) -> None:
        """Read the state for the panes in the background; bursts of changes coalesce.

        The timeline is already up to date by then, so a long incident (whose state takes
        a while to read) never holds up showing a new row."""
        self._state_dirty = True
        if not self.state_loading:
            self.state_loading = True
            # After the next frame: the row just added to the timeline is drawn first, and
            # only then does the reload compete with the UI for the interpreter.
            self.after_refresh(self._start_state_worker)

    def _start_state_worker(self) -> None:
        self.run_worker(self._state_loop(), group="state")

    async def _state_loop(self) -> None:
        try:
            while self._state_dirty:
                self._state_dirty = False
                started = monotonic()
                self.state = await self._read_state()
                self.timeline.show_hosts(
                    {e.host for e in self.state.events} | {self.state.declared_host} | self.timeline.hosts
                )
                await self.show(self.state)
                freeze_long_lived()
                took = monotonic() - started
                if took > SLOW_STATE_SECONDS and self._state_dirty:
                    # A huge incident: leave the UI room to breathe between reloads.
                    await asyncio.sleep(min(2.0, 2 * took))
        except Exception as exc:
            self.notify(report(exc, "reading the incident"), severity="error", timeout=10)
        finally:
            self.state_loading = False

    async def _read_state(self) -> IncidentState:
        if len(self.timeline.keys) <= BIG_INCIDENT:
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

    async def catch_up(self, reload_state: bool = False) -> None:
        """Load what was written since we last looked (by us or anyone else)."""
        if self.after_write is not None:
            self.after_write()
        self._say_clock()
        async with self._lock:
            events = self._own_write() if not reload_state else None
            if events is None:
                events = await self.store.events_after(self.incident_id, self._last_seq)
            if events:
                self._last_seq = max(self._last_seq, events[-1].seq or 0)
            needs_keys = False
            if events:
                self.timeline.show_hosts(self.timeline.hosts | {e.host for e in events})
            for event in events:
                if event.kind in MARKER_KINDS:
                    self.timeline.invalidate(event.ref)
                elif event.kind in HIDDEN_KINDS:  # drafts, action items: not timeline rows
                    continue
                elif not needs_keys and not self.timeline.add(event):
                    needs_keys = True  # backdated: it belongs somewhere in the middle
            if needs_keys:
                await self._reload_keys()
            if events and self._counted_only(events):
                if reload_state and self.state is not None:  # another process: maybe a draft too
                    fresh = await self.store.refresh_unlogged(self.state)
                    self.state = fresh
                    self.show_draft(fresh.handoff_draft)
            elif events or reload_state:
                self.request_state()

    def _own_write(self) -> list[Event] | None:
        """The event this window just appended, when it is the very next row after what the
        feed has seen (nothing anyone wrote came between): no need to read it back, a thread
        hop less between Enter and the frame. Anything written after it is read as ever: by
        the next write's catch-up here, by the poll for other processes."""
        own = getattr(self.store, "written", None)
        if own is None or own.incident_id != self.incident_id or own.seq != self._last_seq + 1:
            return None
        return [own]

    def _say_clock(self) -> None:
        """Once: this machine's clock is behind the incident's order (the store notes it after
        each write; the hlc keeps new events after what was seen)."""
        behind = getattr(self.store, "clock_behind", None)
        if behind is None or self._clock_said:
            return
        self._clock_said = True
        self.notify(
            f"This machine's clock is {duration(behind)} behind the incident: new events keep their order"
            " (they are placed after everything already seen).",
            title="Clock",
            severity="warning",
            timeout=15,
        )

    async def reload(self) -> None:
        """Read what anyone wrote, and the whole state again."""
        await self.catch_up(reload_state=True)

    async def _news_elsewhere(self) -> None:
        """Another process wrote: an alert or a declaration in another incident of this file is
        said (a hook logging into the resolved incident it thinks of, a second fire declared
        from a shell), or the commander would never see it from here. A burst of alerts into
        one incident is one notice (the latest, and how many)."""
        if self._seen_elsewhere is None:
            return
        newest, news = await self.store.news_elsewhere(self.incident_id, self._seen_elsewhere, NEWS_READ)
        self._seen_elsewhere = max(self._seen_elsewhere, newest)
        bursts: dict[str, list[Elsewhere]] = {}  # alerts by incident, in order
        notices: list[Elsewhere | list[Elsewhere]] = []  # a declaration, or an incident's alerts
        for item in news:
            if item.kind == "declared":
                notices.append(item)
            elif item.incident_id in bursts:
                bursts[item.incident_id].append(item)
            else:
                bursts[item.incident_id] = [item]
                notices.append(bursts[item.incident_id])
        for notice in notices[:NEWS_SHOWN]:
            if isinstance(notice, list):
                latest = notice[-1]
                where = f"{latest.incident_id} {one_line(latest.title, 50)}" + ("" if latest.open else " (resolved)")
                more = f" (and {len(notice) - 1} more)" if len(notice) > 1 else ""
                said, heading = f"{where}: {one_line(latest.text, 120)}{more}", "Alert in another incident"
            else:  # "Incident declared: Search slow (SEV-3)"
                said, heading = f"{notice.incident_id}: {one_line(notice.text, 120)}", "Another incident"
            self.notify(f"{said} · i switches", title=heading, severity="warning", timeout=15)
        if len(notices) > NEWS_SHOWN:
            self.notify("More news in other incidents · i lists them", title="Elsewhere", severity="warning")

    def _counted_only(self, events: list[Event]) -> bool:
        """New notes and alerts on a long incident: the state leaves those out (the timeline
        pages them), so reloading it would give the same state with a higher count. Counting
        them instead spares a 100,000-event incident a reload after every note, and after
        every alert a hook logs (what else changed without an event is re-read alone)."""
        state = self.state
        if state is None or self.state_loading or not state.events_truncated:
            return False
        if any(e.kind not in BULK_KINDS for e in events):
            return False
        self.state = state.model_copy(update={"event_count": state.event_count + len(events)})
        return True

    async def poll(self) -> None:
        """Has anyone written since we last looked? (PRAGMA data_version, twice a second)"""
        release_stale()
        try:
            version = await self.store.data_version()
            if version != self._version:
                self._version = version
                await self.catch_up(reload_state=True)
                await self._news_elsewhere()
            self._poll_failed = False
        except Exception as exc:
            if not self._poll_failed:
                self.notify(f"Live feed paused: {report(exc, 'reading the database')}", severity="warning")
            self._poll_failed = True
