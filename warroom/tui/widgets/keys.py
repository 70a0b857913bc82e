"""Text fields that take their keys in the order typed.

Textual runs a focused field's own key bindings (Backspace, Delete, the arrows, Home, End,
Ctrl+Z...) only once the key has bubbled back up to the app, and the letters queued behind
it are typed in meanwhile: Backspace held and a word typed right after, all at once, deleted
the word's letters and kept the old ones ('abcdefghij', ten Backspaces, 'Rollback' became
'abcdefghij'). The fields here run their own bindings as they take each key; the keys bound
above them (the screen's, the app's) still bubble up as before.
"""

from __future__ import annotations

from functools import cache

from textual import events
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input


@cache
def key_actions(widget: type[Widget]) -> dict[str, tuple[str, ...]]:
    """A widget class's non-priority bindings, key -> actions, merged along its bases as
    Textual merges their BINDINGS (warroom sets no keymap)."""
    actions: dict[str, list[str]] = {}
    for base in reversed(widget.__mro__):
        own: list[BindingType] = base.__dict__.get("BINDINGS", [])
        for binding in Binding.make_bindings(own):
            if not binding.priority:
                actions.setdefault(binding.key, []).append(binding.action)
    return {key: tuple(found) for key, found in actions.items()}


async def run_bindings_now(event: events.Key, nodes: tuple[Widget, ...], key: str | None = None) -> bool:
    """Run the first binding of `nodes` (in that order) for the key that does something, now;
    the key is then done with. False: none of them binds it (it goes on as Textual sends it)."""
    for node in nodes:
        for action in key_actions(type(node)).get(key or event.key, ()):
            if await node.app.run_action(action, node):
                event.stop()
                event.prevent_default()
                return True
    return False


class KeysInOrder:
    """Put first among a field's bases: its own bindings run as it takes each key (a printable
    key it types itself). Not a Widget: Textual follows a widget's first Widget base for its
    styles and component classes, and this one would hide the field's."""

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable and isinstance(self, Widget) and await run_bindings_now(event, (self,)):
            # What the field's own key handler (now skipped) does first for every key: the
            # cursor shows while it moves (Input and TextArea of Textual 8.2).
            restart_blink = getattr(self, "_restart_blink", None)
            if restart_blink is not None:
                restart_blink()


class OrderedInput(KeysInOrder, Input):
    """Input, its keys in the order typed."""
