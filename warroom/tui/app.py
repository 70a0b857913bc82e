"""The Textual app: wiring only. Screens do the work; the store is opened here and shared."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events
from textual.app import App
from textual.binding import Binding

from warroom.core.author import default_author
from warroom.core.errorlog import report
from warroom.core.errors import WarroomError
from warroom.core.locations import styles_dir
from warroom.core.playbook import Playbook
from warroom.core.timeutil import now as system_now
from warroom.tui.collector import first_frame_shown
from warroom.tui.commands import BindingCommands, IncidentCommands
from warroom.tui.messages import DeclareIncident, OpenIncident, ShowIncidents

if TYPE_CHECKING:
    import sqlite3

    from warroom.core.operations import Operations
    from warroom.core.store import Store


# Every style sheet, in the order of precedence. The war room's first frame needs only the first
# two: the others (dialogs, pickers, the other screens) are parsed right after it, or before any
# other screen is shown, whichever comes first. None of their rules matches a war-room widget.
STYLES = (
    "app.tcss",
    "warroom.tcss",
    "dialogs.tcss",
    "comms.tcss",
    "practice.tcss",
    "event_detail.tcss",
    "after_fire.tcss",
)
FIRST_FRAME_STYLES = 2


class WarroomApp(App[None]):
    TITLE = "warroom"
    CSS_PATH = [styles_dir() / name for name in STYLES]
    COMMANDS = App.COMMANDS | {BindingCommands, IncidentCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("f1", "help", "Help", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        # After the fire: every open action item across incidents, and the weekly charts.
        Binding("O", "follow_ups", "Follow-ups (open action items)", show=False),
        Binding("W", "stats", "Stats: are we getting better?", show=False),
        # The war room's offered start (the earliest alert/symptom logged before declaring).
        Binding("A", "accept_start", "Accept start", show=False),
    ]

    def __init__(
        self,
        db_path: Path,
        playbook: Playbook,
        clock: Callable[[], datetime] = system_now,
        incident_id: str | None = None,
        server: str | None = None,
        prepared: sqlite3.Connection | None = None,
    ) -> None:
        super().__init__(css_path=self.CSS_PATH[:FIRST_FRAME_STYLES])
        self._prepared = prepared  # the file, checked and open (db.prepare): the store adopts it
        self._later_styles = list(self.CSS_PATH[FIRST_FRAME_STYLES:])
        from warroom.tui.controllers.team import TeamController

        self.team = TeamController(self, server)  # syncs when a server is configured (--server, env, config)
        self.db_path = Path(db_path)
        self.playbook = playbook
        self.clock = clock
        self.author = default_author()
        self._store: Store | None = None  # opened when the app mounts
        self._ops: Operations | None = None
        self._wanted = incident_id

    @property
    def store(self) -> Store:
        """The database, open from mount to unmount (reads go here)."""
        if self._store is None:
            raise RuntimeError("the store is opened when the app mounts")
        return self._store

    @property
    def ops(self) -> Operations:
        """Every write: on that store, with this playbook, as this author."""
        if self._ops is None:
            raise RuntimeError("the store is opened when the app mounts")
        return self._ops

    def notify(self, message: str, *, markup: bool = True, **kwargs) -> None:
        """Notifications quote incident text (titles, names, errors): never read as markup.

        Every widget's and screen's notify() ends here, so one override covers them all.
        """
        super().notify(message, markup=False, **kwargs)

    async def on_event(self, event: events.Event) -> None:
        """A paste keeps its escape sequences (tui/paste.py), and Textual's text fields draw what
        they hold raw: for them its control characters become visible symbols as it arrives.
        The entry line takes it whole (it draws them safely and logs the text exact)."""
        if (
            isinstance(event, events.Paste)
            and not event.is_forwarded
            and not getattr(self.focused, "SAFE_PASTE", False)
        ):
            from warroom.core.safetext import pasted

            if (text := pasted(event.text)) != event.text:
                event = events.Paste(text)
        await super().on_event(event)

    async def on_mount(self) -> None:
        from warroom.core.operations import Operations
        from warroom.core.store import Store
        from warroom.tui.unsaved import save_on_signals

        save_on_signals(self)  # SIGTERM, SIGHUP: save what is typed, then exit
        try:
            prepared, self._prepared = self._prepared, None
            self._store = await Store.open(self.db_path, clock=self.clock, prepared=prepared)
            self._ops = Operations(self._store, self.playbook, self.author)
            # Read only what decides the first screen, folding nothing: one open incident opens
            # at once (the war room folds it once, for its header).
            open_ids = await self._store.open_incident_ids(limit=2) if self._wanted is None else []
        except Exception as exc:
            self.exit(return_code=1, message=f"warroom: {report(exc, 'opening the database')}")
            return
        await self.team.start(self.db_path)
        if self._wanted is not None:
            await self._open(self._wanted)
        elif len(open_ids) == 1:
            await self._open(open_ids[0], known=True)
        else:  # several open, or none open: the list of them all (none at all: declare one)
            await self._show_switcher()

    async def on_unmount(self) -> None:
        if self._store is not None:
            await self._store.close()

    # ----- what is on screen: one main screen above the default, modals above it ----------

    @property
    def war_room(self):
        from warroom.tui.screens.warroom import WarRoomScreen

        for screen in self.screen_stack:
            if isinstance(screen, WarRoomScreen):
                return screen
        return None

    def read_every_style(self) -> None:
        """Parse the style sheets the war room's first frame did without (once)."""
        later, self._later_styles = self._later_styles, []
        if later:
            self.stylesheet.read_all(later)
            self.stylesheet.parse()  # only the new files: Textual keeps the others parsed
            self.css_path = [*self.css_path, *later]

    def push_screen(self, screen, *args, **kwargs):
        if not getattr(screen, "FIRST_FRAME_STYLES", False):
            self.read_every_style()
        return super().push_screen(screen, *args, **kwargs)

    def switch_screen(self, screen):
        if not getattr(screen, "FIRST_FRAME_STYLES", False):
            self.read_every_style()
        return super().switch_screen(screen)

    async def _show(self, screen) -> None:
        if self.war_room is not None:
            await self.war_room.handoff.save_now()  # a pending handoff edit
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if len(self.screen_stack) == 2:
            await self.switch_screen(screen)
        else:
            await self.push_screen(screen)
            self.call_after_refresh(first_frame_shown)  # the garbage collector on again (collector.py)

    async def _open(self, incident_id: str, known: bool = False) -> None:
        """The war room on `incident_id` (or a unique end of it); `known`: an id just read from
        the store, not looked up again."""
        from warroom.tui.screens.warroom import WarRoomScreen

        if not known:
            try:
                incident_id = await self.store.find_incident_id(incident_id)
            except WarroomError as exc:
                self.notify(str(exc), severity="error")
                if self.war_room is None:  # nothing on screen yet: offer the list instead
                    await self._show_switcher()
                return
        await self._show(WarRoomScreen(self.playbook, incident_id))
        self.call_after_refresh(self.read_every_style)  # after the war room's first frame

    async def _show_switcher(self) -> None:
        from warroom.tui.screens.switcher import SwitcherScreen

        current = self.war_room.incident_id if self.war_room is not None else None
        incidents = await self.store.incidents(include_resolved=True)
        if not incidents:
            await self._show_declare()
            return
        await self._show(SwitcherScreen(incidents, self.playbook, current))

    async def _show_declare(self, back_to: str | None = None) -> None:
        from warroom.tui.screens.declare import DeclareScreen

        can_go_back = bool(await self.store.incidents(include_resolved=True))
        await self._show(DeclareScreen(self.playbook, can_go_back, back_to))

    async def on_open_incident(self, message: OpenIncident) -> None:
        await self._open(message.incident_id)

    async def on_show_incidents(self, message: ShowIncidents) -> None:
        await self._show_switcher()

    async def on_declare_incident(self, message: DeclareIncident) -> None:
        await self._show_declare(message.back_to)

    # ----- app-wide actions --------------------------------------------------------------------

    def action_help(self) -> None:
        from warroom.tui.screens.help import HelpScreen, help_rows

        if isinstance(self.screen, HelpScreen):
            return
        rows = help_rows(self, self.screen)
        self.push_screen(HelpScreen(rows, getattr(self.screen, "HELP_NAME", "warroom")))

    def action_follow_ups(self) -> None:
        from warroom.tui.screens.followups import FollowUpsScreen

        if not isinstance(self.screen, FollowUpsScreen):
            self.push_screen(FollowUpsScreen())

    def action_stats(self) -> None:
        from warroom.tui.screens.stats import StatsScreen

        if not isinstance(self.screen, StatsScreen):
            self.push_screen(StatsScreen(self.playbook))

    async def action_accept_start(self) -> None:
        room = self.war_room
        if room is not None and room is self.screen:
            await room.incident.accept_start()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "accept_start":
            room = self.war_room
            return room is not None and room is self.screen and room.incident.start_offered() is not None
        if action in ("follow_ups", "stats"):
            return self._store is not None
        return True

    async def action_quit(self) -> None:
        from warroom.tui.unsaved import quit_after_saving

        await quit_after_saving(self)  # saves every editor; asks before losing what would not save


def build_app(
    db_path: Path | str,
    playbook: Playbook,
    clock: Callable[[], datetime] | None = None,
    incident_id: str | None = None,
    server: str | None = None,
    prepared: sqlite3.Connection | None = None,
) -> WarroomApp:
    """The one factory: the CLI, the tests and the benchmarks all build the app here."""
    return WarroomApp(Path(db_path), playbook, clock or system_now, incident_id, server, prepared)


def run(
    db_path: Path, playbook: Playbook, server: str | None = None, prepared: sqlite3.Connection | None = None
) -> int:
    """The war room on `db_path`; `prepared`: the file opened by db.prepare, for the store."""
    app = build_app(db_path, playbook, server=server, prepared=prepared)
    from warroom.tui import paste  # Textual 8.2.8's parser breaks up a paste holding an ESC: see paste.py

    paste.install()
    from warroom.tui import output  # Textual 8.2.8's writer thread when the terminal is gone: see output.py

    output.install()
    from warroom.tui import css_cache  # Textual's parsed style sheets, kept between runs

    css_cache.install(css_cache.cache_path())
    try:
        app.run()
    finally:
        if app._prepared is not None:  # never adopted (the app stopped before it mounted)
            app._prepared.close()
        try:
            css_cache.save()
        except Exception as exc:  # a cache: never the reason a run fails, but never silent either
            report(exc, "keeping the parsed style sheets")
    return app.return_code or 0
