"""The postmortem: generated parts read-only, the human parts written in place and saved as typed.

Action items are checked against the practice's rules for good items (specific,
actionable, owned, time-bound) and every written section against blaming language.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from time import monotonic
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, DataTable, Input, Label, Static, TextArea

from warroom.core import documents, review
from warroom.core.errors import WarroomError
from warroom.core.export import write_private
from warroom.core.ids import uuid7
from warroom.core.models import ActionItem, IncidentState
from warroom.core.playbook import Playbook
from warroom.core.safetext import one_line
from warroom.core.store import POSTMORTEM_PREFIX, Store
from warroom.core.timeutil import local
from warroom.tui.screens.modal import FormModal
from warroom.tui.unsaved import next_save_in
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.keys import OrderedInput
from warroom.tui.widgets.text_area import OrderedTextArea

# The action-items table: fixed widths so the due date is never cut ("2026-1"), and the
# action takes what the pane has left (a 60-wide action pushed the due date out of view).
OWNER_WIDTH = 12
DUE_WIDTH = len("YYYY-MM-DD")
STATUS_WIDTH = len("In progress")
ACTION_MIN_WIDTH = 16
CHECK_ROOM = len("Check")  # its heading and "ok"; findings are listed under the table as well


class ActionItemEditor(FormModal[ActionItem | None]):
    """Add or edit one action item: action, owner, due date, status.

    Enter moves to the next field and saves only from the last one, like the other dialogs:
    a commander types the action, Enter, the owner, Enter... and nothing lands behind the box.
    Ctrl+S saves (a priority key: the postmortem's own Ctrl+S exports).
    """

    KEYS = "enter next field / save · ctrl+s save · escape cancels"
    FIELDS = ("ai-action", "ai-owner", "ai-due", "ai-status")  # enter, tab, ctrl+s, escape: FormModal

    def __init__(self, item: ActionItem, today: date) -> None:
        super().__init__()
        self.item = item
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical(id="action-item-box", classes="dialog") as box:
            box.border_subtitle = self.KEYS
            yield Label("Action item", classes="dialog-title")
            yield OrderedInput(
                self.item.action, placeholder="Action (specific: 'Add alert for error rate > 5%')", id="ai-action"
            )
            yield OrderedInput(self.item.owner, placeholder="Owner", id="ai-owner")
            yield OrderedInput(self.item.due, placeholder="Due date (YYYY-MM-DD)", id="ai-due")
            yield OrderedInput(self.item.status, placeholder="Status (Open / In progress / Done)", id="ai-status")
            yield Static("", id="ai-checks")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="ai-save")
                yield Button("Cancel", id="ai-cancel")

    def on_mount(self) -> None:
        self.query_one("#ai-action", Input).focus()
        self._check()

    @on(Input.Changed)
    def _check(self) -> None:
        # The item as typed so far, checked against the rules for good action items.
        draft = self.item.model_copy(update={name: self._value(name) for name in ("action", "owner", "due", "status")})
        out = Text()
        for issue in review.check_action_item(draft, self.today):
            out.append("⚑ ", style="bold")
            out.append(issue + "\n")
        self.query_one("#ai-checks", Static).update(out or Text("✓ specific, owned and dated"))

    def _value(self, name: str) -> str:
        return self.query_one(f"#ai-{name}", Input).value.strip()

    def save(self) -> None:
        action = self._value("action")
        if not action:
            self.notify("An action item needs an action.", severity="warning")
            self.query_one("#ai-action", Input).focus()
            return
        self.dismiss(
            self.item.model_copy(
                update={
                    "action": action,
                    "owner": self._value("owner"),
                    "due": self._value("due"),
                    "status": self._value("status") or "Open",
                }
            )
        )

    @on(Button.Pressed, "#ai-save")
    def _save_pressed(self) -> None:
        self.save()

    @on(Button.Pressed, "#ai-cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)


class ActionItemsTable(DataTable):
    """The action items; `fit` is called when the width changes (the action column follows it)."""

    def __init__(self, fit: Callable[[], None], **kwargs) -> None:
        super().__init__(**kwargs)
        self._fit = fit

    def on_resize(self, event: events.Resize) -> None:
        self._fit()

    def action_width(self) -> int:
        """The action column's width: the table's width less the other columns (and padding)."""
        width = self.scrollable_content_region.width or self.size.width
        others = OWNER_WIDTH + DUE_WIDTH + STATUS_WIDTH + CHECK_ROOM + 2 * self.cell_padding * 5
        return max(ACTION_MIN_WIDTH, width - others)


class PostmortemScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back to the war room"),
        # Priority keys, as the war room's dialog keys: what is typed right behind them reaches the
        # editor they open, not the section being written. Not ctrl+e / ctrl+x: a focused TextArea
        # takes those (end of line, cut).
        Binding("ctrl+n", "add_item", "Add action item", priority=True),
        Binding("ctrl+o", "edit_item", "Edit action item", priority=True),
        Binding("ctrl+s", "export", "Export postmortem-<id>.md"),
        # Moving between sections as the key arrives (priority), as the forms do: what is typed
        # right behind Tab goes to the next section, not behind the last one's words.
        Binding("tab", "move(1)", "Next section", show=False, priority=True),
        Binding("shift+tab", "move(-1)", "Previous section", show=False, priority=True),
    ]
    # Each section is saved at most SAVE_AFTER_SECONDS after its last key and at least every
    # SAVE_AT_LEAST_EVERY_SECONDS while typing goes on (class attributes: tests set them).
    SAVE_AFTER_SECONDS: ClassVar[float] = 0.4
    SAVE_AT_LEAST_EVERY_SECONDS: ClassVar[float] = 1.0

    def __init__(
        self,
        store: Store,
        incident_id: str,
        playbook: Playbook,
        clock: Callable[[], datetime],
        export_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.incident_id = incident_id
        self.playbook = playbook
        self.clock = clock
        self.export_dir = export_dir or Path.cwd()
        self.state: IncidentState | None = None
        self._save_timers: dict[str, Timer] = {}
        self._closing = False
        self._pending: dict[str, str] = {}  # typed, not yet saved (kept here: unmount has no widgets)
        self._unsaved_since: dict[str, float] = {}  # when each section first differed from the saved text
        self._action_width = 0  # the action column's width when the table was last filled

    def compose(self) -> ComposeResult:
        yield Label("", id="pm-title", markup=False)
        with Horizontal(id="pm-body"):
            with VerticalScroll(id="pm-written"):
                for section in self.playbook.postmortem_sections:
                    yield Label(section.heading, classes="pm-heading", markup=False)
                    yield OrderedTextArea(
                        "", id=f"pm-{section.key}", placeholder=section.hint, soft_wrap=True, classes="pm-section"
                    )
                    yield Static("", id=f"pm-check-{section.key}", classes="pm-check")
                yield Label("Action Items", classes="pm-heading")
                yield ActionItemsTable(self._fit_action_items, id="pm-actions", cursor_type="row", zebra_stripes=True)
                yield Static("", id="pm-action-checks", classes="pm-check")
            with Vertical(id="pm-generated-pane"):
                yield Label("Generated from the timeline (read-only)", classes="pm-heading")
                yield TextArea("", id="pm-generated", read_only=True, soft_wrap=True)
        yield KeyBar()

    def action_move(self, step: int) -> None:
        self.focus_next() if step > 0 else self.focus_previous()

    async def on_mount(self) -> None:
        await self._reload(fill_editors=True)
        self.query_one(f"#pm-{self.playbook.postmortem_sections[0].key}", TextArea).focus()

    async def _reload(self, fill_editors: bool = False) -> None:
        self.state = await self.store.load_state(self.incident_id)
        state = self.state
        self.query_one("#pm-title", Label).update(
            f"Postmortem · {state.incident.id} · {one_line(state.incident.title, 100)}"
        )
        if fill_editors:
            for section in self.playbook.postmortem_sections:
                editor = self.query_one(f"#pm-{section.key}", TextArea)
                editor.load_text(state.postmortem.get(section.key, ""))
        for section in self.playbook.postmortem_sections:
            self._check_section(section.key, self.query_one(f"#pm-{section.key}", TextArea).text)
        self._fill_action_items()
        self._render_generated()

    def _people(self) -> set[str]:
        assert self.state is not None
        names = {e.author for e in self.state.events} | set(self.state.incident.roles.values())
        return {n for n in names if n}

    def _check_section(self, key: str, text: str) -> None:
        findings = review.blame_findings(text, self._people())
        out = Text()
        for finding in findings:
            out.append("⚑ blaming: ", style="bold yellow")
            out.append(one_line(finding.sentence, 120))
            out.append("\n  try: ", style="dim")
            out.append(one_line(finding.suggestion, 160) + "\n")
        self.query_one(f"#pm-check-{key}", Static).update(out)

    def _fit_action_items(self) -> None:
        table = self.query_one("#pm-actions", ActionItemsTable)
        if self.state is not None and table.action_width() != self._action_width:
            self._fill_action_items()

    def _fill_action_items(self) -> None:
        assert self.state is not None
        table = self.query_one("#pm-actions", ActionItemsTable)
        self._action_width = action_width = table.action_width()
        table.clear(columns=True)
        for label, width in (
            ("Action", action_width),
            ("Owner", OWNER_WIDTH),
            ("Due Date", DUE_WIDTH),
            ("Status", STATUS_WIDTH),
        ):
            table.add_column(label, width=width)
        table.add_column("Check")
        today = local(self.clock()).date()
        problems = Text()
        for item in self.state.action_items:
            issues = review.check_action_item(item, today)
            cells = (
                one_line(item.action, action_width),
                one_line(item.owner, OWNER_WIDTH),
                one_line(item.due, DUE_WIDTH),
                one_line(item.status, STATUS_WIDTH),
                "⚑ " + "; ".join(issues) if issues else "ok",
            )
            table.add_row(*(Text(cell) for cell in cells), key=item.id)  # Text: cells are never markup
            for issue in issues:
                problems.append(f"⚑ {one_line(item.action, 40)}: ", style="bold yellow")
                problems.append(issue + "\n")
        if not self.state.action_items:
            problems.append("No action items yet: ctrl+n adds one (specific, owned, with a due date).", style="dim")
        self.query_one("#pm-action-checks", Static).update(problems)

    def _render_generated(self) -> None:
        assert self.state is not None
        text = documents.render("postmortem", self.state, self.playbook, self.clock())
        self.query_one("#pm-generated", TextArea).load_text(text)

    @on(TextArea.Changed, ".pm-section")
    def _section_changed(self, event: TextArea.Changed) -> None:
        key = (event.text_area.id or "").removeprefix("pm-")
        self._check_section(key, event.text_area.text)
        if self.state is None or event.text_area.text == self.state.postmortem.get(key, ""):
            # Loaded from the database (or typed back to it): nothing to save, and an older
            # pending text must not be saved over it.
            if key in self._save_timers:
                self._save_timers.pop(key).stop()
            self._pending.pop(key, None)
            self._unsaved_since.pop(key, None)
            return
        if key in self._save_timers:
            self._save_timers[key].stop()
        self._pending[key] = event.text_area.text
        now = monotonic()
        since = self._unsaved_since.setdefault(key, now)
        delay = next_save_in(since, now, self.SAVE_AFTER_SECONDS, self.SAVE_AT_LEAST_EVERY_SECONDS)
        self._save_timers[key] = self.set_timer(delay, lambda: self._save_section(key))

    async def _save_section(self, key: str) -> None:
        self._save_timers.pop(key, None)
        text = self._pending.pop(key, None)
        if text is None:
            return
        self._unsaved_since[key] = monotonic()  # typing on: the next save is due a full interval from now
        try:
            await self._save_text(POSTMORTEM_PREFIX + key, text)
        except Exception as exc:
            self._pending.setdefault(key, text)  # still unsaved: the next flush tries again
            self.notify(f"Not saved: {exc}", severity="error", timeout=10, markup=False)
            return
        if key not in self._pending:
            self._unsaved_since.pop(key, None)
        assert self.state is not None
        self.state.postmortem[key] = text
        if not self._closing:
            self._render_generated()

    async def _save_text(self, name: str, text: str) -> None:
        ops = getattr(self.app, "ops", None)  # the commander's operations, where the app has them
        if ops is not None:
            await ops.save_draft(self.incident_id, name, text)
        else:
            await self.store.save_text(self.incident_id, name, text)

    def unsaved_sections(self) -> list[str]:
        """The headings of sections whose text on screen is not in the database."""
        return [s.heading for s in self.playbook.postmortem_sections if s.key in self._pending]

    async def flush(self) -> None:
        """Save every section with a pending save (leaving the screen must lose nothing)."""
        for timer in self._save_timers.values():
            timer.stop()
        for key in list(self._pending):  # typed, or a save that failed earlier
            await self._save_section(key)

    async def on_unmount(self) -> None:
        # Quitting from this screen (ctrl+q) skips action_back: save what is pending anyway.
        self._closing = True
        await self.flush()

    def _selected_item(self) -> ActionItem | None:
        assert self.state is not None
        table = self.query_one("#pm-actions", DataTable)
        if not self.state.action_items or table.cursor_row < 0:
            return None
        row_key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        return next((i for i in self.state.action_items if i.id == row_key), None)

    def _edit(self, item: ActionItem) -> None:
        async def saved(result: ActionItem | None) -> None:
            if result is None:
                return
            try:
                await self.store.save_action_item(result)
            except WarroomError as exc:
                self.notify(f"Not saved: {exc}", severity="error", timeout=10, markup=False)
                return
            await self._reload()

        self.app.push_screen(ActionItemEditor(item, local(self.clock()).date()), saved)

    def action_add_item(self) -> None:
        self._edit(ActionItem(id=uuid7(), incident_id=self.incident_id, action="", created_at=self.clock()))

    def action_edit_item(self) -> None:
        item = self._selected_item()
        if item is None:
            self.notify("No action item selected.", severity="warning")
            return
        self._edit(item)

    @on(DataTable.RowSelected, "#pm-actions")
    def _row_selected(self) -> None:
        self.action_edit_item()

    async def action_export(self) -> None:
        await self.flush()
        assert self.state is not None
        text = documents.render("postmortem", self.state, self.playbook, self.clock())
        target = self.export_dir / f"postmortem-{self.incident_id}.md"
        try:
            await asyncio.to_thread(write_private, target, text)
        except OSError as exc:
            self.notify(f"Cannot write {target}: {exc.strerror}", severity="error", timeout=10, markup=False)
            return
        flagged = self._flagged()
        if flagged:  # written anyway: the commander decides, but not without knowing
            self.notify(
                f"Postmortem written to {target}, with {flagged} still flagged (blaming sentences, weak "
                "action items): review them before publishing.",
                severity="warning",
                timeout=12,
                markup=False,
            )
            return
        self.notify(f"Postmortem written to {target}", markup=False)

    def _flagged(self) -> str:
        """What the blameless and action-item checks still flag, in words ("" when nothing)."""
        assert self.state is not None
        people = self._people()
        blaming = sum(len(review.blame_findings(text, people)) for text in self.state.postmortem.values())
        today = local(self.clock()).date()
        weak = sum(1 for item in self.state.action_items if review.check_action_item(item, today))
        parts = [f"{blaming} blaming sentence(s)" if blaming else "", f"{weak} action item(s)" if weak else ""]
        return " and ".join(p for p in parts if p)

    async def action_back(self) -> None:
        await self.flush()
        self.dismiss(None)
