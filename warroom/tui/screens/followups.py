"""Follow-ups across incidents: every open postmortem action item, whichever incident it came from.

Owner, due date and status, overdue first and marked. `d` marks the highlighted item done,
`space` moves its status on (Open → In progress → Done); each change is a new revision of the
item, logged on its own incident's timeline (`Operations.save_action_item`). Enter opens the
item's incident; Esc goes back.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from warroom.core.errorlog import report
from warroom.core.followups import FollowUp, follow_ups, is_open, load_states
from warroom.core.safetext import one_line
from warroom.core.timeutil import local
from warroom.tui.messages import OpenIncident
from warroom.tui.widgets.keybar import KeyBar

# What `space` moves a status on to; any other status moves to the first.
STATUS_CYCLE = ("Open", "In progress", "Done")


def next_status(status: str) -> str:
    words = [s.casefold() for s in STATUS_CYCLE]
    here = status.strip().casefold()
    return STATUS_CYCLE[(words.index(here) + 1) % len(STATUS_CYCLE)] if here in words else STATUS_CYCLE[1]


class FollowUpsScreen(Screen[None]):
    HELP_NAME = "follow-ups"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("space", "cycle", "Next status"),
        Binding("d", "done", "Mark done"),
        Binding("enter", "open", "Open incident"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[FollowUp] = []
        self._closed_here: dict[str, FollowUp] = {}  # closed from this list, by incident/item

    def compose(self) -> ComposeResult:
        yield Static("Follow-ups: open action items across incidents", id="followups-heading")
        table: DataTable[object] = DataTable(id="followups-table", cursor_type="row", zebra_stripes=True)
        table.border_title = "Open action items (overdue first)"
        table.border_subtitle = "space next status · d done · enter open incident · esc back"
        yield table
        yield Static("", id="followups-help")
        yield KeyBar()

    async def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("", "Incident", "Action", "Owner", "Due", "Status")
        await self.reload()
        table.focus()

    async def reload(self, keep: str | None = None) -> None:
        app = self.app
        today = local(app.clock()).date()  # type: ignore[attr-defined]
        try:
            items = follow_ups(await load_states(app.store), today)  # type: ignore[attr-defined]
        except Exception as exc:
            self.notify(report(exc, "reading the action items"), severity="error")
            return
        # Closed while this list is open: still listed (space opens it again), until it is left.
        listed = {f"{f.incident_id}/{f.item.id}" for f in items}
        closed = [f for key, f in self._closed_here.items() if key not in listed]
        self.items = items + closed
        table = self.query_one(DataTable)
        table.clear()
        for f in self.items:
            late = f.overdue
            mark = Text("OVERDUE", "bold red") if late else Text("")
            incident = Text(f.incident_id, "bold")
            if f.incident_status == "resolved":
                incident.append(" (resolved)", "dim")
            due = Text(f.item.due or "—", "bold red" if late else "")
            table.add_row(
                mark,
                incident,
                one_line(f.item.action, 70),
                one_line(f.item.owner, 20) or Text("nobody", "italic dim"),
                due,
                one_line(f.item.status, 20),
                key=f"{f.incident_id}/{f.item.id}",
            )
        overdue = sum(f.overdue for f in items)
        said = f"{len(items)} open, {overdue} overdue" if items else "No open action items."
        if closed:
            said += f" · {len(closed)} closed just now (listed until you leave; space opens one again)"
        self.query_one("#followups-help", Static).update(said)
        if keep is not None:
            keys = [f"{f.incident_id}/{f.item.id}" for f in self.items]
            if keep in keys:
                table.move_cursor(row=keys.index(keep))

    @property
    def selected(self) -> FollowUp | None:
        table = self.query_one(DataTable)
        if not self.items or table.cursor_row is None or not 0 <= table.cursor_row < len(self.items):
            return None
        return self.items[table.cursor_row]

    async def _set_status(self, status: str) -> None:
        chosen = self.selected
        if chosen is None:
            return
        item = chosen.item.model_copy(update={"status": status})
        try:
            await self.app.ops.save_action_item(item)  # type: ignore[attr-defined]
        except Exception as exc:
            self.notify(report(exc, "saving the action item"), title="Not saved", severity="error")
            return
        self.notify(f"{chosen.incident_id}: {one_line(item.action, 50)} → {status} (logged on the incident)")
        key = f"{chosen.incident_id}/{item.id}"
        if is_open(item):
            self._closed_here.pop(key, None)
        else:  # a second space (or d) by mistake: the item stays in view to be opened again
            self._closed_here[key] = replace(chosen, item=item, overdue=False)
        await self.reload(keep=key)

    async def action_cycle(self) -> None:
        if self.selected is not None:
            await self._set_status(next_status(self.selected.item.status))

    async def action_done(self) -> None:
        await self._set_status("Done")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()  # Enter on a row: the table's own binding, the same as ours

    def action_open(self) -> None:
        chosen = self.selected
        if chosen is not None:
            self.app.post_message(OpenIncident(chosen.incident_id))

    def action_back(self) -> None:
        self.dismiss()
