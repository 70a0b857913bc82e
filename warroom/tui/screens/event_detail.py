"""One timeline event in full: its whole text (the timeline cuts it to a line), who wrote it
and when, and what was done to it since (pinned, amended with the original kept, struck
with the reason given).

Read-only. The text is shown literally: `Text` objects, control characters made visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from warroom.core.errors import WarroomError
from warroom.core.hosts import by_whom
from warroom.core.models import Event
from warroom.core.safetext import one_line, plain
from warroom.core.store import Store
from warroom.core.timeutil import duration, local
from warroom.tui.screens.modal import CancelModal
from warroom.tui.widgets.keybar import KeyBar

KEYS = "↑↓ scroll · enter / escape close"
# What Store.strike writes as the marker's text when no reason was given.
NO_REASON = "struck"


def _when(dt: datetime) -> str:
    """Local time with the date and zone: a detail view is where the day is not assumed."""
    return local(dt).strftime("%a %Y-%m-%d %H:%M:%S %Z").rstrip()


async def event_marks(store: Store, event: Event) -> list[Event]:
    """The amend/strike/pin/unpin markers that point at `event`, oldest first."""
    return await store.markers(event.id)


async def open_event_detail(app: App, store: Store, event: Event) -> None:
    """Show `event` in full over the current screen (the timeline's Enter)."""
    try:
        fresh = await store.events_by_seq([event.seq]) if event.seq is not None else []
        shown = fresh[0] if fresh else event  # folded again: a strike made since is shown
        marks = await event_marks(store, shown)
        here = await store.host()
    except WarroomError as exc:
        app.notify(f"Cannot read the event: {exc}", severity="error", timeout=10)
        return
    await app.push_screen(EventDetail(shown, marks, here))


class EventDetail(CancelModal[None]):
    """One event in full. `marks`: the markers pointing at it (see `event_marks`), oldest first;
    the event's own folded flags (struck, pinned, amended_text) say its state."""

    HELP_NAME = "event detail"
    BINDINGS = [
        Binding("escape", "cancel", "Close"),  # CancelModal's, named for what it does here
        Binding("enter", "cancel", "Close", show=False),
    ]

    def __init__(self, event: Event, marks: Sequence[Event] = (), here: str | None = None) -> None:
        super().__init__()
        self.event = event
        self.marks = list(marks)
        self.here = here  # this file's host id: the author line says where the event was logged

    def compose(self) -> ComposeResult:
        event = self.event
        box = VerticalScroll(id="event-detail-box")
        box.border_title = Text(f"{event.kind} · {one_line(event.author, 30)} · {local(event.ts):%H:%M:%S}")
        box.border_subtitle = KEYS
        with box:
            yield Static(self.facts(), id="event-detail-facts")
            yield Static(Text(plain(event.shown_text)), id="event-detail-text")
            if event.amended_text is not None:
                yield Static(Text("Original text", style="bold"), classes="event-detail-heading")
                yield Static(Text(plain(event.text)), id="event-detail-original")
            history = self.history()
            if history:
                yield Static(Text("History", style="bold"), classes="event-detail-heading")
                yield Static(history, id="event-detail-marks")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#event-detail-box").focus()  # ↑↓ scroll a long text

    def facts(self) -> Text:
        event = self.event
        out = Text()

        def line(label: str, value: str | Text, style: str = "") -> None:
            out.append(f"{label:<10}", style="dim")
            out.append(value if isinstance(value, Text) else Text(value, style=style))
            out.append("\n")

        line("Kind", event.kind)
        if self.here is not None and event.host:  # from the war room: who, and on which file
            author = Text(by_whom(one_line(event.author), event.host))
            author.append(" (this file)" if event.host == self.here else f" ({one_line(event.host, 60)})", "dim")
            line("Author", author)
        else:
            line("Author", one_line(event.author))
        line("Time", _when(event.ts))
        if event.backdated:
            line("Recorded", f"{_when(event.recorded_at)} (backdated {duration(event.recorded_at - event.ts)})")
        states = [
            s
            for s, on in (
                ("pinned", event.pinned),
                ("amended", event.amended_text is not None),
                ("struck", event.struck),
            )
            if on
        ]
        line("State", " · ".join(states) if states else "as written", style="bold" if states else "")
        if event.struck:
            line("Reason", Text(self.strike_reason(), style="bold"))
            strikes = [m for m in self.marks if m.kind == "strike"]
            if strikes:
                line("Struck", f"by {one_line(strikes[-1].author)}, {_when(strikes[-1].ts)}")
        out.rstrip()
        return out

    def strike_reason(self) -> str:
        """The reason given with the latest strike (what the timeline never shows)."""
        strikes = [m for m in self.marks if m.kind == "strike"]
        if not strikes:
            return "(not loaded)"
        return "no reason given" if strikes[-1].text == NO_REASON else one_line(strikes[-1].text)

    def history(self) -> Text:
        """Every marker, oldest first: who pinned, amended or struck it, when, and with what."""
        out = Text()
        for mark in self.marks:
            out.append(f"{_when(mark.ts)}  ", style="dim")
            out.append(f"{mark.kind:<7}", style="bold")
            out.append(f" {one_line(mark.author, 30)}")
            if mark.kind == "amend":
                out.append(": ")
                out.append(one_line(mark.text, 200))
            elif mark.kind == "strike":
                out.append(": ")
                out.append("no reason given" if mark.text == NO_REASON else one_line(mark.text, 200))
            out.append("\n")
        out.rstrip()
        return out
