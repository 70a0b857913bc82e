"""The handoff pane in the war room's first frame: the empty editor's look, without the editor.

A TextArea costs ~30-50 ms to mount, style and draw, and the first frame never shows a draft
(it comes with the incident's state, read after that frame). The screen puts this in the
pane's place for the first frame and swaps the editor in right after it (or at once, when a
key asks for the pane before then: nothing typed goes anywhere else).
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

# The editor's placeholder (warroom/tui/widgets/handoff.py passes the same text).
PLACEHOLDER = "What the next commander needs: state, open threads, next steps (h to type; autosaved)"


class HandoffFirst(Static):
    def __init__(self, **kwargs) -> None:
        super().__init__(Text(PLACEHOLDER), **kwargs)
        self.border_title = "Handoff"
        self.border_subtitle = "autosaved"

    async def on_click(self) -> None:
        await self.screen.run_action("pane('handoff')")
