"""The temporary-fixes list: what, where, ticket, added and removed times.

In-place fixes come first (they block the Fix phase's checklist); removed and
made-permanent ones stay listed below with their times, so the record is whole. The list
only asks; the screen writes (`store.close_temp_fix`).
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from warroom.core.models import IncidentState, TempFix
from warroom.core.safetext import one_line
from warroom.core.timeutil import hm
from warroom.tui.widgets.quiet import set_borders


class TempFixes(OptionList):
    BINDINGS = [
        Binding("r", "close(False)", "Remove fix"),
        Binding("k", "close(True)", "Keep (make permanent)"),
    ]

    class CloseRequested(Message):
        """Remove the fix, or keep it on purpose (made permanent)."""

        def __init__(self, fix: TempFix, permanent: bool) -> None:
            super().__init__()
            self.fix = fix
            self.permanent = permanent

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._fixes: list[TempFix] = []
        self._shown: list[TempFix] | None = None

    def on_mount(self) -> None:
        self.border_title = "Temporary fixes"

    @property
    def fixes(self) -> list[TempFix]:
        return self._fixes

    @property
    def selected_fix(self) -> TempFix | None:
        option = self.highlighted_option
        if option is None:
            return None
        return next((f for f in self._fixes if f.id == option.id), None)

    def show(self, state: IncidentState) -> None:
        fixes = sorted(state.temp_fixes, key=lambda f: (not f.in_place, f.added_at))
        self._fixes = fixes
        in_place = sum(f.in_place for f in fixes)
        # Nothing recorded yet: the strip takes no room (T adds the first one).
        self.set_class(not fixes, "-empty")
        self.set_class(in_place > 0, "-in-place")
        set_borders(
            self,
            f"Temporary fixes ({in_place} in place)" if fixes else "Temporary fixes",
            "r remove · k keep (permanent) · T add" if in_place else "T add",
        )
        if fixes == self._shown:
            return
        option = self.highlighted_option  # the highlighted fix as last shown
        was = next((f for f in self._shown or [] if option is not None and f.id == option.id), None)
        self._shown = [f.model_copy() for f in fixes]
        self.set_options([Option(render_fix(f), id=f.id) for f in fixes])
        ids = [f.id for f in fixes]
        if ids:
            # The highlight stays on its fix, unless that fix was just closed: it moves below the
            # ones in place, and the highlight stays up with them (the first one in place).
            now = next((f for f in fixes if was is not None and f.id == was.id), None)
            stays = now is not None and was is not None and now.in_place == was.in_place
            self.highlighted = ids.index(now.id) if stays and now is not None else 0

    def action_close(self, permanent: bool) -> None:
        fix = self.selected_fix
        if fix is None or not fix.in_place:
            self.app.bell()
            return
        self.post_message(self.CloseRequested(fix, permanent))


def render_fix(fix: TempFix) -> Text:
    line = Text(no_wrap=True, overflow="ellipsis")
    if fix.in_place:
        line.append("● in place  ", "bold yellow")
    elif fix.permanent:
        line.append("◆ permanent ", "bold")
    else:
        line.append("✓ removed   ", "green")
    line.append(one_line(fix.what, 80), "bold" if fix.in_place else "")
    if fix.where:
        line.append(f"  @ {one_line(fix.where, 40)}")
    if fix.ticket:
        line.append(f"  [{one_line(fix.ticket, 24)}]")
    line.append(f"  added {hm(fix.added_at)} by {one_line(fix.added_by, 16)}", "dim")
    if fix.removed_at is not None:
        verb = "kept" if fix.permanent else "removed"
        line.append(f" · {verb} {hm(fix.removed_at)}", "dim")
    return line
