"""TextArea with its keys in the order typed (tui/widgets/keys.py): the handoff editor, the
postmortem's sections, the handoff dialog's notes. Imported after the war room's first frame,
as TextArea itself is."""

from __future__ import annotations

from textual.widgets import TextArea

from warroom.tui.widgets.keys import KeysInOrder


class OrderedTextArea(KeysInOrder, TextArea):
    """TextArea, its keys in the order typed."""
