"""The handoff editor and the comms controller that drives it, built after the war room's
first frame: importing and building the TextArea was a tenth of start-up. `HandoffFirst`
holds the pane until then; one frame shows the swap.

`mount()` runs right after the first frame, or at once when a key, the state or a red-flag
decision needs the editor sooner; whoever comes second waits for the first mount, so a key
pressed early lands in the editor, never in a gap.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from warroom.tui.widgets.handoff_first import HandoffFirst

if TYPE_CHECKING:
    from warroom.tui.controllers.comms import CommsController
    from warroom.tui.widgets.handoff import HandoffEditor


class LateHandoff:
    def __init__(
        self,
        first: HandoffFirst,
        make_comms: Callable[[HandoffEditor], CommsController],
        batch_update: Callable[[], AbstractContextManager[None]],
    ) -> None:
        self._first = first
        self._make_comms = make_comms
        self._batch_update = batch_update
        self.editor: HandoffEditor | None = None
        self.comms: CommsController | None = None
        self._mounted = asyncio.Event()
        self._draft: str | None = None  # a draft the live feed showed before the mount

    async def mount(self) -> None:
        if self.editor is not None:
            await self._mounted.wait()
            return
        from warroom.tui.widgets.handoff import HandoffEditor

        self.editor = editor = HandoffEditor(id="handoff", classes="side")
        self.comms = self._make_comms(editor)
        if self._draft is not None:
            editor.show(self._draft)
        try:
            first, grid = self._first, self._first.parent
            if first.is_attached and grid is not None:  # else the screen is leaving: nothing to mount
                editor.set_class(first.has_class("-shown"), "-shown")
                with self._batch_update():
                    await grid.mount(editor, after=first)
                    await first.remove()
        finally:
            self._mounted.set()

    async def ready(self) -> CommsController:
        """The comms controller, its editor mounted."""
        await self.mount()
        assert self.comms is not None
        return self.comms

    def show_draft(self, draft: str) -> None:
        if self.editor is None:
            self._draft = draft
        else:
            self.editor.show(draft)

    async def save_now(self) -> None:
        """Before leaving the screen: a pending edit written (nothing was typed before the mount)."""
        if self.comms is not None:
            await self.comms.save_now()
