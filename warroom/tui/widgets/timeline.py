"""The timeline pane: a virtual list over the incident's event keys.

Only the visible rows (plus a margin) are ever fetched, in pages, and cached, so an
incident with 100,000 events opens as fast as one with ten (Line API `ScrollView`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from warroom.core.hosts import host_name
from warroom.core.models import USER_KINDS, Event
from warroom.core.safetext import one_line
from warroom.core.state import timeline_order
from warroom.core.timeutil import hms, local

Fetch = Callable[[list[int]], Awaitable[list[Event]]]

# Rows fetched around the visible window, so scrolling a page needs no round trip.
MARGIN = 100
# Past this many cached rows, rows far from view are dropped.
CACHE_LIMIT = 4_000
# Rows kept drawn (a few screens' worth); past this they are drawn again when shown.
STRIP_LIMIT = 1_000
# A backdated event is placed among the newest rows already read, looking back this far;
# further back (or past a row not read yet) the screen reads every key again.
INSERT_LOOKBACK = 500
KIND_WIDTH = 11  # "containment", the longest kind
AUTHOR_WIDTH = 12
HOST_WIDTH = 14  # shown only when the incident holds events from more than one file (team sync)
PINNED, BACKDATED, AMENDED = "★", "↶", "✎"


class Timeline(ScrollView, can_focus=True):
    """Rows: local time, markers, kind, author, text. A cursor selects one event."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "open", "Event in full", show=False),
    ]
    COMPONENT_CLASSES = {
        "timeline--cursor",
        "timeline--time",
        "timeline--marker",
        "timeline--kind",
        "timeline--alert",
        "timeline--system",
        "timeline--author",
        "timeline--struck",
        "timeline--loading",
    }
    # The component styles a row is drawn with (the cursor's first).
    ROW_STYLES = ("timeline--cursor", *sorted(COMPONENT_CLASSES - {"timeline--cursor"}))
    DEFAULT_CSS = """
    Timeline { background: $surface; overflow-x: hidden; }
    Timeline > .timeline--cursor { background: $accent 40%; }
    Timeline:focus > .timeline--cursor { background: $accent; color: $text; }
    Timeline > .timeline--time { color: $text-muted; }
    Timeline > .timeline--marker { color: $warning; }
    Timeline > .timeline--kind { color: $text-success; text-style: bold; }
    Timeline > .timeline--alert { color: $text-warning; text-style: bold; }
    Timeline > .timeline--system { color: $text-muted; }
    Timeline > .timeline--author { color: $text-muted; }
    Timeline > .timeline--struck { color: $text-muted; text-style: strike; }
    Timeline > .timeline--loading { color: $text-disabled; }
    """

    # The component styles a focus change can change (`Timeline:focus > ...` above).
    FOCUS_STYLES = frozenset({"timeline--cursor"})
    _focus_restyle = False  # a focus change is being restyled (see watch_has_focus)

    cursor: reactive[int] = reactive(-1, always_update=True)

    class Highlighted(Message):
        """The cursor moved (the screen refreshes which actions apply)."""

    class Opened(Message):
        """Enter on a row: the screen shows the event in full."""

        def __init__(self, event: Event) -> None:
            super().__init__()
            self.event = event

    def __init__(self, fetch: Fetch, questions: dict[str, str] | None = None, **kwargs) -> None:
        """`questions`: the triage questions by key, shown before their answers' rows."""
        super().__init__(**kwargs)
        self._fetch = fetch
        self._questions = questions or {}
        self.border_title = "Timeline"
        self.keys: list[int | None] = []  # None: a row whose key is not read yet
        self._cache: dict[int, Event] = {}
        # Rows as last drawn, by (seq, under the cursor), with the event they were drawn from,
        # for the pane's look (width, style, focus) `_look` and the one before it: the entry
        # line takes focus and gives it back on every entry, and both looks stay drawn.
        self._strips: dict[tuple[int, bool], tuple[Event, Strip]] = {}
        self._looks: dict[tuple[int, Style, tuple[Style, ...], bool], dict[tuple[int, bool], tuple[Event, Strip]]] = {}
        self._look: tuple[int, Style, tuple[Style, ...], bool] | None = None
        self._rich_styles: dict[str, tuple[object, Style, Style]] = {}  # see _row_style
        self._pending: set[int] = set()
        self._last_ts: datetime | None = None
        # At the tail: the cursor is on the last row and stays on the last row, whatever
        # arrives and wherever it lands (a backdated event, a writer that lost a race).
        # Only moving the cursor changes it: up leaves the tail, End comes back.
        self._at_tail = True
        # Bumped when cached rows go stale; a page fetched before that is not cached.
        self._generation = 0
        # An incident that runs past midnight (or is read another day) shows each row's date.
        self.with_dates = False
        # Events from more than one file (laptops syncing): each row says where it was logged.
        self.hosts: frozenset[str] = frozenset()

    # ----- focus ----------------------------------------------------------------------

    @classmethod
    def _get_component_classes(cls) -> frozenset[str]:
        return cls.FOCUS_STYLES if cls._focus_restyle else super()._get_component_classes()

    def watch_has_focus(self, has_focus: bool) -> None:
        """Focus comes and goes on every entry (the entry line takes it, Enter gives it back),
        and Textual restyles the pane each time: every component class a virtual node matched
        against the whole stylesheet, 3 ms for the ten here, before the frame that shows the
        new row. Only the cursor's depends on focus: the others are kept as they are.
        Uses Textual's private `_get_component_classes` / `_component_styles` (textual pinned
        `<8.3`; tests/test_timeline_rows.py checks the styles equal a full restyle's)."""
        kept = dict(self._component_styles)
        Timeline._focus_restyle = kept.keys() >= self._get_component_classes()  # styled whole once
        try:
            super().watch_has_focus(has_focus)
        finally:
            Timeline._focus_restyle = False
        for name, styles in kept.items():
            self._component_styles.setdefault(name, styles)

    # ----- data in ------------------------------------------------------------------

    def load_tail(self, count: int, tail: list[Event]) -> None:
        """Only the newest of `count` rows, already read: the rows before them show as
        loading (…) until `load` brings every key."""
        seqs = [e.seq for e in tail]
        self.load([*([None] * (count - len(seqs))), *seqs], tail[-1].ts if tail else None)  # type: ignore[list-item]
        self._cache.update((e.seq, e) for e in tail)

    def load(self, keys: list[int], last_ts: datetime | None, keep_seq: int | None = None) -> None:
        """Replace the key list. At the tail, the cursor stays at the tail; else it stays on
        `keep_seq` if given, on its row if that row's key was not known yet, else goes to the end."""
        if keep_seq is None and 0 <= self.cursor < len(self.keys) and self.keys[self.cursor] is None:
            keep_index: int | None = self.cursor
        else:
            keep_index = None
        self.keys = keys
        self._last_ts = last_ts
        # The cache stays: rows do not change under a new key list (markers invalidate their
        # own), and clearing it made the rows already drawn flash "…" until fetched again.
        self._pending.clear()
        self._generation += 1
        self._resize()
        if self._at_tail:
            index: int | None = len(keys) - 1
        else:
            index = self.index_of(keep_seq) if keep_seq is not None else keep_index
        self.move_to(index if index is not None else len(keys) - 1)
        self.call_after_refresh(self._show_cursor)
        self.refresh()

    def add(self, event: Event) -> bool:
        """Take a new event: at the end, or in its place among the newest rows already read
        (backdated, or written by a writer that lost the race for the lock). False: its
        place is not among them, the keys need a reload."""
        if event.seq in self._cache or event.seq in self.keys[-100:]:
            return True  # already listed: written between reading the keys and the last seq
        at = self._place(event)
        if at is None:
            return False
        self.keys.insert(at, event.seq)
        self._cache[event.seq] = event
        if at == len(self.keys) - 1:
            self._last_ts = event.ts
        self._resize()
        if self._at_tail:
            self.move_to(len(self.keys) - 1)
            self.call_after_refresh(self._show_cursor)
        elif at <= self.cursor:
            self.move_to(self.cursor + 1)  # the same row stays selected, one further down
        self.refresh()
        return True

    def _place(self, event: Event) -> int | None:
        """Where an event goes in the timeline's order (the store's), found among the rows
        already read from the end back; None when it passes a row not read yet."""
        key = timeline_order(event)
        at = len(self.keys)
        while at > 0 and len(self.keys) - at < INSERT_LOOKBACK:
            seq = self.keys[at - 1]
            before = self._cache.get(seq) if seq is not None else None
            if before is None:
                return None
            if timeline_order(before) <= key:
                return at
            at -= 1
        return 0 if at == 0 else None

    @property
    def at_tail(self) -> bool:
        """The cursor follows the newest row (until it is moved off it)."""
        return self._at_tail

    def show_dates(self, on: bool) -> None:
        if on != self.with_dates:
            self.with_dates = on
            self._forget_strips()
            self.refresh()

    def show_hosts(self, hosts: set[str] | frozenset[str]) -> None:
        """The files this incident's events came from: with two or more, rows show theirs."""
        hosts = frozenset(h for h in hosts if h)
        if hosts != self.hosts:
            self.hosts = hosts
            self._forget_strips()
            self.refresh()

    def invalidate(self, event_id: str | None) -> None:
        """A marker (amend/strike/pin) changed this event: fetch it again when shown."""
        self._generation += 1  # a page in flight may hold the old version
        for seq, event in list(self._cache.items()):
            if event.id == event_id:
                del self._cache[seq]
                self.refresh()

    def index_of(self, seq: int | None) -> int | None:
        """The row of this seq among the keys read; the newest rows are looked at first (a new
        entry, a search's newest matches), not after a scan of 100,000 older ones."""
        if seq is None:
            return None
        keys = self.keys
        recent = max(0, len(keys) - INSERT_LOOKBACK)
        for start, end in ((recent, len(keys)), (0, recent)):
            try:
                return keys.index(seq, start, end)
            except ValueError:
                pass
        return None

    def place(self, index: int, seq: int) -> bool:
        """Put the cursor on row `index`, known from the store to hold `seq` (its key may not be
        read yet: it is noted, so the row is fetched). False: the keys say otherwise."""
        if not 0 <= index < len(self.keys) or self.keys[index] not in (None, seq):
            return False
        self.keys[index] = seq
        self.move_to(index)
        return True

    @property
    def selected_seq(self) -> int | None:
        return self.keys[self.cursor] if 0 <= self.cursor < len(self.keys) else None

    @property
    def selected_event(self) -> Event | None:
        seq = self.selected_seq
        return self._cache.get(seq) if seq is not None else None

    def _resize(self) -> None:
        # Width 0: rows are cut to the pane, never scrolled sideways.
        size = Size(0, len(self.keys))
        if not self.container_size or size == self.virtual_size:
            self.virtual_size = size
            return
        # Laid out already: a row more or less changes this pane's scrolling, not the
        # screen's layout. As Textual's own _size_updated(layout=False): the size, then the
        # scrollbar (it lays out by itself if it has to appear or go), then the rows.
        # A layout of the screen here cost the entry's frame a reflow of every widget.
        self.set_reactive(Timeline.virtual_size, size)
        self._scroll_update(size)
        self.refresh()

    def on_resize(self) -> None:
        self._resize()
        self.call_after_refresh(self._show_cursor)

    # ----- cursor ---------------------------------------------------------------------

    def move_to(self, index: int) -> None:
        if not self.keys:
            self._at_tail = True
            self.cursor = -1
            return
        self.cursor = max(0, min(len(self.keys) - 1, index))
        self._at_tail = self.cursor == len(self.keys) - 1
        self._show_cursor()

    def _show_cursor(self) -> None:
        if self.cursor < 0:
            return
        height = max(1, self.scrollable_content_region.height)
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def watch_cursor(self) -> None:
        self.refresh()
        self.post_message(self.Highlighted())

    def action_cursor(self, step: int) -> None:
        self.move_to(self.cursor + step)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * max(1, self.scrollable_content_region.height - 1))

    def action_open(self) -> None:
        event = self.selected_event
        if event is not None:
            self.post_message(self.Opened(event))

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self.keys) - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            self.move_to(int(self.scroll_y) + offset.y)

    # ----- paging ---------------------------------------------------------------------

    def _want(self, index: int) -> None:
        """Fetch the uncached rows around `index` in one query."""
        top = int(self.scroll_y)
        height = self.scrollable_content_region.height
        start = max(0, min(index, top) - MARGIN)
        end = min(len(self.keys), max(index, top + height) + MARGIN)
        wanted = [s for s in self.keys[start:end] if s is not None and s not in self._cache and s not in self._pending]
        if not wanted:
            return
        self._pending.update(wanted)
        if len(self._cache) > CACHE_LIMIT:
            keep = set(self.keys[start:end])
            self._cache = {s: e for s, e in self._cache.items() if s in keep}
        self.run_worker(self._load_page(wanted, self._generation), group="timeline-page")

    async def _load_page(self, seqs: list[int], generation: int) -> None:
        try:
            events = await self._fetch(seqs)
        except Exception as exc:
            self.notify(f"Could not read the timeline: {exc}", severity="error")
            return
        finally:
            self._pending.difference_update(seqs)
        if generation == self._generation:
            for event in events:
                self._cache[event.seq] = event
            if self.selected_seq in seqs:
                self.post_message(self.Highlighted())  # the selected row is known now
        self.refresh()  # if stale, the rows are asked for again when drawn

    # ----- rendering ------------------------------------------------------------------

    def _forget_strips(self) -> None:
        self._strips, self._looks, self._look = {}, {}, None

    def render_lines(self, crop: Region) -> list[Strip]:
        """What every row of this frame shares is worked out once, not once per row: the
        pane's style and width (rich_style walks every ancestor's styles)."""
        region = self.scrollable_content_region
        # Every style a row is drawn with: a new theme or stylesheet is a new look, focus too
        # (the cursor's colour). Not notify_style_update: a focus change calls it every time.
        base = self.rich_style
        styles = tuple(self._row_style(name, base) for name in self.ROW_STYLES)
        look = (region.width, base, styles, self.has_focus)
        if look != self._look:
            self._look = look
            self._strips = self._looks.setdefault(look, {})
            while len(self._looks) > 2:  # the oldest look goes
                del self._looks[next(iter(self._looks))]
        return super().render_lines(crop)

    def _row_style(self, name: str, base: Style | None = None) -> Style:
        """A component's rich style. Textual forgets them all on each restyle of the pane (a
        focus change: twice an entry) and works each out again through every ancestor (1.1 ms
        for the nine); one whose component styles were kept over the focus change
        (watch_has_focus), under the same pane style, is the one worked out before."""
        if base is None:
            base = self._look[1] if self._look is not None else self.rich_style
        component = self._component_styles.get(name)
        kept = self._rich_styles.get(name)
        if kept is not None and kept[0] is component and kept[1] == base:
            return kept[2]
        style = self.get_component_rich_style(name)
        self._rich_styles[name] = (component, base, style)
        return style

    def render_line(self, y: int) -> Strip:
        width, base, styles, _ = self._look or (self.scrollable_content_region.width, self.rich_style, (), False)
        cursor_style = styles[0] if styles else None
        index = int(self.scroll_y) + y
        if index >= len(self.keys):
            return Strip.blank(width, base)
        seq = self.keys[index]
        if seq is None or (event := self._cache.get(seq)) is None:
            self._want(index)
            text = Text("  …", style=self._row_style("timeline--loading"))
            return self._strip(text, index, width, base, cursor_style)
        # A row drawn before is drawn the same while its event and its cursor are: a new entry
        # or a page up scrolls the pane, and the rows it only moved are not rendered again.
        key = (seq, index == self.cursor)
        drawn = self._strips.get(key)
        if drawn is not None and drawn[0] is event:
            return drawn[1]
        if len(self._strips) > STRIP_LIMIT:
            self._strips.clear()
        strip = self._strip(self.row_text(event), index, width, base, cursor_style)
        self._strips[key] = (event, strip)
        return strip

    def _strip(self, text: Text, index: int, width: int, base: Style, cursor_style: Style | None) -> Strip:
        text.truncate(width, overflow="ellipsis")  # a cut row says so
        if index == self.cursor:
            text.stylize(cursor_style or self._row_style("timeline--cursor"))
        segments = list(text.render(self.app.console))
        return Strip(segments).crop_extend(0, width, base).apply_style(base).simplify()

    def row_text(self, event: Event) -> Text:
        style = self._row_style
        markers = (
            (PINNED if event.pinned else " ")
            + (BACKDATED if event.backdated else " ")
            + (AMENDED if event.amended_text is not None else " ")
        )
        if event.kind == "alert":
            kind_style = "timeline--alert"
        else:
            kind_style = "timeline--kind" if event.kind in USER_KINDS else "timeline--system"
        text = Text(no_wrap=True, end="")
        stamp = f"{local(event.ts):%m-%d} {hms(event.ts)}" if self.with_dates else hms(event.ts)
        text.append(stamp, style("timeline--time"))
        text.append(f" {markers} ", style("timeline--marker"))
        text.append(f"{event.kind[:KIND_WIDTH]:<{KIND_WIDTH}} ", style(kind_style))
        text.append(f"{one_line(event.author, AUTHOR_WIDTH):<{AUTHOR_WIDTH}} ", style("timeline--author"))
        if len(self.hosts) > 1:
            where = host_name(event.host, self.hosts) if event.host else ""
            text.append(f"{one_line(where, HOST_WIDTH):<{HOST_WIDTH}} ", style("timeline--author"))
        body = one_line(event.shown_text, 400)
        if event.data.get("after_resolution"):  # logged into a resolved incident (issue 11)
            text.append("after resolution · ", style("timeline--alert"))
        question = self._questions.get(str(event.data.get("question"))) if event.kind == "triage" else None
        if question:  # an answer alone ("-12m", "all EU customers") does not say what it answers
            text.append(f"{question} ", style("timeline--author"))
        if event.kind == "handoff" and event.data.get("to"):  # the row says who took over, then the notes
            text.append(f"to {one_line(str(event.data['to']), AUTHOR_WIDTH)}: ", style("timeline--author"))
        if event.struck:  # said in words too: a terminal without strikethrough shows it as live
            text.append("struck · ", style("timeline--system"))
        text.append(body, style("timeline--struck") if event.struck else None)
        return text
