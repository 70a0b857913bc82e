"""What the entry line submits: one typed request per mode, handled by its type.

`EntryPrompt` opens the entry line with a request (`LogRequest(id)`, `AmendRequest(event)`,
`StrikeRequest(event)`, `AnswerRequest(tick)`, `SearchRequest()`); the line hands it back
with the text typed, and `EntryController.submit` does what that request means. True: done,
the line closes; False: the text stays for the commander to fix or retry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from warroom.core.entry import KIND_KEYS, clean_text, parse_entry
from warroom.core.errors import WarroomError
from warroom.core.ids import uuid7
from warroom.core.models import SYSTEM_KINDS, Event
from warroom.core.operations import Operations
from warroom.core.safetext import one_line
from warroom.core.store import Store
from warroom.core.timeutil import local
from warroom.tui.collector import hold_collector
from warroom.tui.controllers.base import Notify, Writer
from warroom.tui.widgets.checklist import Checklist
from warroom.tui.widgets.entry import EntryLine
from warroom.tui.widgets.timeline import Timeline

# Search jumps between the newest matches; past this many it says "200+".
SEARCH_LIMIT = 200
# The keys that act on the selected timeline row.
ROW_ACTIONS = ("amend", "strike", "pin")
# System events can be pinned but not rewritten: striking a phase change would rewrite history.
CORRECTABLE_SYSTEM = frozenset({"triage"})
ENTRY_HINT = "  ".join(f"{k}: {v}" for k, v in KIND_KEYS.items()) + "  ·  14:30 / -12m backdates"


# What the entry line was opened for, handed back with its text (never changed: not frozen, nor
# compared, as dataclass() would compile three more methods for each at every start-up).
# The requests are plain classes: dataclass() compiles the methods it writes for each class,
# ~0.5 ms apiece of every start-up. The submit matches them by attribute.


class LogRequest:
    """A new timeline line (`a: rolled back`, `14:30 c: deploy`); `event_id` makes a retry idempotent."""

    __slots__ = ("event_id",)

    def __init__(self, event_id: str) -> None:
        self.event_id = event_id


class AmendRequest:
    __slots__ = ("event",)

    def __init__(self, event: Event) -> None:
        self.event = event


class StrikeRequest:
    __slots__ = ("event",)

    def __init__(self, event: Event) -> None:
        self.event = event


class AnswerRequest:
    """The answer a checklist item asks for (optional)."""

    __slots__ = ("tick",)

    def __init__(self, tick: Checklist.TickRequested) -> None:
        self.tick = tick


class SearchRequest:
    __slots__ = ()


EntryRequest = LogRequest | AmendRequest | StrikeRequest | AnswerRequest | SearchRequest


class Search:
    """The matches of the last search, newest first; `next` jumps along them."""

    def __init__(
        self,
        ops: Operations,
        incident_id: str,
        timeline: Timeline,
        every_key: Callable[[], Awaitable[None]],
        notify: Notify,
    ) -> None:
        self.ops = ops
        self.incident_id = incident_id
        self.timeline = timeline
        self.every_key = every_key  # waits until a long timeline's older keys are read
        self.notify = notify
        self.matches: list[int] = []
        self.at = 0

    async def run(self, words: str) -> bool:
        if not words.strip():
            raise ValueError("type some words to search for")
        try:
            found = await self.ops.store.search(self.incident_id, words, limit=SEARCH_LIMIT)
        except WarroomError as exc:  # a busy or damaged file: a message, and the words stay
            raise ValueError(f"search failed: {exc}") from None
        # The store searched timeline rows only; where each one is comes when it is jumped to,
        # so a long timeline whose older keys are still being read is not waited for.
        self.matches = [e.seq for e in found if e.seq is not None]
        self.at = 0
        if not self.matches:
            self.notify(f"No event matches {one_line(words, 40)!r}", severity="warning")
            return False
        more = "+" if len(found) >= SEARCH_LIMIT else ""
        found_words = "match" if len(self.matches) == 1 else "matches"
        self.notify(f"{len(self.matches)}{more} {found_words} (newest first; n for the next)")
        await self._jump()
        return True

    def next(self) -> None:
        if self.matches:
            self.at = (self.at + 1) % len(self.matches)
            seq = self.matches[self.at]
            index = self.timeline.index_of(seq)
            if index is not None:
                self.timeline.move_to(index)
            else:  # among the keys not read yet: the store says where
                self.timeline.run_worker(self._jump(), group="search-jump", exclusive=True)

    async def _jump(self) -> None:
        """To the current match: among the keys read, else at the row the store counts it on
        (rows after it, from the end); else, once every key is read."""
        seq = self.matches[self.at]
        index = self.timeline.index_of(seq)
        if index is None:
            after = await self.ops.store.rows_after(self.incident_id, seq)
            if after is not None and self.timeline.place(len(self.timeline.keys) - 1 - after, seq):
                return
            await self.every_key()  # the keys and the file disagree (a row coming in): read them
            index = self.timeline.index_of(seq)
        if index is not None:
            self.timeline.move_to(index)


class EntryController:
    """Does what a submitted request means; every write through `Operations`."""

    def __init__(
        self,
        ops: Operations,
        incident_id: str,
        write: Writer,
        timeline: Timeline,
        search: Search,
        tick: Callable[[Checklist.TickRequested, str], Awaitable[bool]],
    ) -> None:
        self.ops = ops
        self.incident_id = incident_id
        self.write = write
        self.timeline = timeline
        self.search = search
        self.tick = tick

    async def submit(self, request: EntryRequest, value: str) -> bool:
        """Raises ValueError for text that cannot be taken as it is (the words stay)."""
        if isinstance(request, LogRequest | SearchRequest) and not value.strip():
            return True  # Enter on an empty line closes it, as Escape does
        match request:
            case LogRequest(event_id=event_id):
                return await self._log(value, event_id)
            case AmendRequest(event=event):
                text = clean_text(value)
                if text == event.shown_text:
                    return True
                return await self.write(self.ops.amend(event, text), "Amended") is not None
            case StrikeRequest(event=event):
                return await self.write(self.ops.strike(event, value.strip()), "Struck") is not None
            case AnswerRequest(tick=tick):
                return await self.tick(tick, value.strip())
            case SearchRequest():
                return await self.search.run(value)

    async def _log(self, value: str, event_id: str) -> bool:
        now = self.ops.now()
        entry = parse_entry(value, "note", now)
        event = await self.write(self.ops.log(self.incident_id, entry.kind, entry.text, at=entry.at, event_id=event_id))
        if event is None:
            return False
        if entry.clock and entry.at is not None and local(entry.at).date() < local(now).date():
            # "14:30" typed at 10:19 is yesterday's 14:30 (a clock time more than an hour ahead of
            # now; closer ahead is refused as a slip): said, as it may still be one.
            self.write.notify(
                f"Logged at {local(entry.at):%H:%M} yesterday ({local(entry.at):%m-%d}): a clock time more than an"
                " hour ahead of now is yesterday's. Not meant? Strike it (x) and log it again.",
                title="Backdated to yesterday",
                severity="warning",
                timeout=10,
            )
        index = self.timeline.index_of(event.seq)
        if index is not None:
            self.timeline.move_to(index)
        return True


class EntryPrompt:
    """The entry line's side: opens it with a typed request, hands back what is submitted."""

    def __init__(
        self,
        line: EntryLine,
        controller: EntryController,
        selected: Callable[[], Awaitable[Event | None]],
        notify: Notify,
        home: Timeline,
    ) -> None:
        self.line = line
        self.controller = controller
        self.selected = selected  # the timeline's selected event, as stored now
        self.notify = notify
        self.home = home  # where focus goes back when where it came from is gone

    def log(self) -> None:
        self.line.open("log", "Log", hint=ENTRY_HINT, payload=LogRequest(uuid7()))

    async def amend(self) -> None:
        if (event := await self.selected()) is not None:
            self.line.open("amend", "Amend", value=event.shown_text, payload=AmendRequest(event))

    async def strike(self) -> None:
        if (event := await self.selected()) is not None:
            hint = f"reason (optional) — {one_line(event.shown_text, 40)}"
            self.line.open("strike", "Strike", hint=hint, payload=StrikeRequest(event))

    def search(self) -> None:
        self.line.open("search", "Search", hint="words; n jumps to the next match", payload=SearchRequest())

    def answer(self, tick: Checklist.TickRequested) -> None:
        hint = f"{tick.label} (optional)"
        self.line.open("answer", "Answer", value=tick.answer, hint=hint, payload=AnswerRequest(tick))

    async def submitted(self, request: EntryRequest, value: str) -> None:
        # From Enter to the frame that shows the row (or the match), no cyclic collection.
        release = hold_collector(self.line.call_after_refresh)
        ok = False
        try:
            ok = await self.controller.submit(request, value)
        except ValueError as exc:  # parsing: the text stays for the user to fix
            self.notify(str(exc), title="Not saved", severity="error", timeout=8)
        finally:
            if not ok:
                self.line.busy = False
            else:
                # A search ends on its match in the timeline: the focus goes there, not back.
                to_matches = isinstance(request, SearchRequest) and bool(value.strip())
                if not self.line.call_after_refresh(self._close, to_matches):
                    self._close(to_matches)
            release()

    def _close(self, to_timeline: bool = False) -> None:
        """After the frame that shows what was written: that frame then draws the timeline
        alone (its row), not the whole screen (the line's look, the key bar, the focus moving
        to the pane: a frame's box is all that changed). The keys typed behind the Enter wait
        until the line is closed, as they wait for the write (busy)."""
        try:
            if self.line.is_attached:
                self.line.close()
                self.refocus(to_timeline)
        finally:
            self.line.busy = False

    def refocus(self, to_timeline: bool = False) -> None:
        """Back where the entry line was opened from (an answer keeps you in the checklist),
        or to the timeline."""
        target = self.line.return_focus
        (target if not to_timeline and target is not None and target.is_attached else self.home).focus()


async def selected_event(store: Store, timeline: Timeline) -> Event | None:
    """The timeline's selected row as stored now (not as the timeline last read it)."""
    seq = timeline.selected_seq
    events = await store.events_by_seq([seq]) if seq is not None else []
    return events[0] if events else None


def applies_to_row(action: str, event: Event | None) -> bool | None:
    """Whether amend, strike or pin applies to the selected row (None: not shown as a key)."""
    if event is None:
        return None
    if action != "pin" and event.kind in SYSTEM_KINDS and event.kind not in CORRECTABLE_SYSTEM:
        return None
    if action == "strike" and event.struck:
        return None
    return True
