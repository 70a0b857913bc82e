"""The war room's team sync: `SyncEngine.follow()` as an app worker whenever a server is configured.

The server comes from `warroom --server URL`, else WARROOM_SERVER, else `server` in the config
file (warroom.team.config.server_url). Without one nothing here runs and psycopg is never
imported. The engine works on the file from a thread of its own, never on the key-press path:
a key press commits locally first, exactly as without a server.

- The header of the war room on screen always shows `Status.line()` (`team: live`,
  `team: offline since 14:32, 12 to send`, or one line of error, redacted).
- A pull that brought rows makes the war room's live feed look at once (it also polls
  PRAGMA data_version twice a second, so nothing depends on this).
- The live feed nudges the engine after each write, so an event logged here is pushed at once.
- Incidents that arrive from the team while none is open are offered (the list replaces an
  untouched declare form; otherwise a notification says which key lists them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warroom.core.errorlog import report
from warroom.core.safetext import one_line

if TYPE_CHECKING:
    from textual.app import App

    from warroom.team.engine import Status

# How often the header of the screen in front is brought up to date (a screen that just
# opened gets the line within this; a status change is shown at once).
PAINT_SECONDS = 0.5


class TeamController:
    def __init__(self, app: App, server_flag: str | None = None) -> None:
        self.app = app
        self.server_flag = server_flag
        self.engine: Any = None
        self.line: str | None = None  # what the header says; None: no server configured
        self._pulled = 0
        self._incidents: set[str] | None = None

    # ----- starting and stopping -----------------------------------------------------------

    async def start(self, db_path) -> None:
        """Find the server; if there is one, follow it in a worker until the app ends."""
        from warroom.team.config import ConfigError, redact, server_url

        try:
            url = server_url(self.server_flag)
        except ConfigError as exc:
            self._show(f"team: {one_line(redact(str(exc)), 200)}")
            return
        if url is None:
            return
        try:
            from warroom.team.engine import SyncEngine
        except ImportError as exc:  # psycopg missing: the extra is not installed
            self._show(f"team: cannot sync ({one_line(str(exc), 80)}): pip install 'warroom[team]'")
            return
        try:
            self._incidents = {i.id for i in await self.app.store.incidents(include_resolved=True)}  # type: ignore[attr-defined]
        except Exception as exc:  # the list of incidents is offered again with the next rows pulled
            report(exc, "reading the incidents")
            self._incidents = set()
        self.engine = SyncEngine(db_path, url, on_status=self._status)
        self._show(self.engine.status.line())
        self.app.run_worker(self._follow(), group="team", exit_on_error=False)
        self.app.set_interval(PAINT_SECONDS, self._paint)

    async def _follow(self) -> None:
        try:
            await self.engine.follow()
        except Exception as exc:  # follow() keeps going on its own; this is a bug
            self._show(f"team: sync stopped: {one_line(report(exc, 'syncing'), 160)}")

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.stop()

    def nudge(self) -> None:
        """A local write was committed: push it now rather than at the engine's next look."""
        if self.engine is not None:
            self.engine.nudge()

    # ----- what the engine says --------------------------------------------------------------

    def _status(self, status: Status) -> None:
        self._show(status.line())
        if status.pulled > self._pulled:
            self._pulled = status.pulled
            self.app.run_worker(self._pulled_rows(), group="team-pulled", exclusive=True, exit_on_error=False)

    def _show(self, line: str) -> None:
        self.line = line
        self._paint()

    def _paint(self) -> None:
        """The header of the war room in front says where the team stands (the declare form
        too); its live feed nudges this engine after each write."""
        front = self.app.screen_stack[-1] if self.app.screen_stack else None
        show_team = getattr(front, "show_team", None)
        if show_team is not None and self.line is not None:
            show_team(self.line)
        room = getattr(self.app, "war_room", None)
        if room is None or not room.is_mounted:
            return
        from warroom.tui.widgets.header import IncidentHeader

        for header in room.query(IncidentHeader):
            header.show_team(self.line)
        live = getattr(room, "live", None)
        if live is not None and self.engine is not None:
            live.after_write = self.nudge

    async def _pulled_rows(self) -> None:
        """Rows came in: the live feed looks now; incidents new to this file are offered."""
        room = getattr(self.app, "war_room", None)
        if room is not None and getattr(room, "live", None) is not None:
            await room.live.poll()
        try:
            incidents = await self.app.store.incidents(include_resolved=True)  # type: ignore[attr-defined]
            here = await self.app.store.declared_here()  # type: ignore[attr-defined]
        except Exception as exc:  # offered with the next rows pulled
            report(exc, "reading the incidents")
            return
        known = (self._incidents or set()) | here  # one declared here since the start is not news
        new = [i for i in incidents if i.id not in known]
        self._incidents = {i.id for i in incidents}
        if not new:
            return
        names = ", ".join(f"{i.id} {one_line(i.title, 40)!r}" for i in new[:3])
        more = f" and {len(new) - 3} more" if len(new) > 3 else ""
        if room is None and self._untouched_form():
            from warroom.tui.messages import ShowIncidents

            self.app.notify(f"From the team: {names}{more}", title="Team")
            self.app.post_message(ShowIncidents())
        else:
            from warroom.tui.screens.declare import DeclareScreen

            # Mid-declare: perhaps the same fire, declared by a teammate first.
            where = (
                "the same? Esc goes to the list" if isinstance(self.app.screen, DeclareScreen) else "i lists incidents"
            )
            self.app.notify(f"From the team: {names}{more} ({where})", title="Team", timeout=10)

    def _untouched_form(self) -> bool:
        """The screen in front is a declare form nobody typed into (or the list): safe to replace."""
        from textual.widgets import Input

        from warroom.tui.screens.declare import DeclareScreen
        from warroom.tui.screens.switcher import SwitcherScreen

        screen = self.app.screen
        if not isinstance(screen, DeclareScreen | SwitcherScreen):
            return False
        return not any(box.value for box in screen.query(Input))
