"""The key bar: the keys that apply right now, drawn as one line at the bottom.

It replaces Textual's Footer, which mounts one widget per key and restyles all of them
whenever focus moves: profiled in the war room, that was about a third of every frame's
cost and a fifth of start-up. This is one widget that repaints only when the keys change.
Keys that do not fit are left out whole (never cut mid-word); `?` lists every key.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.keys import key_to_character
from textual.screen import Screen
from textual.widget import Widget

# Between two keys on the bar.
GAP = "  "


class ShownKey(NamedTuple):
    key: str  # what a click simulates
    display: str  # how the key is written ("^p", "]")
    description: str
    enabled: bool


def _typed_by(widget: Widget, key: str, display: str) -> bool:
    """Would this key be typed into the focused field rather than run? (Textual asks the
    field too, but knows no character for keys such as "slash", so "/ Search" stayed.)"""
    character = key_to_character(key) or (display if len(display) == 1 else None)
    return widget.check_consume_key(key, character)


class KeyBar(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"keybar--key", "keybar--description"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        & > .keybar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .keybar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(
        self, *, first: tuple[str, ...] = (), show_command_palette: bool = True, id: str | None = None
    ) -> None:
        """`first`: actions shown before the others, in this order (what a narrow terminal keeps)."""
        super().__init__(id=id)
        self.first = first
        self.show_command_palette = show_command_palette
        self.keys: tuple[ShownKey, ...] = ()
        self.tail: tuple[ShownKey, ...] = ()  # help and the palette, kept at the right
        # Where each drawn key sits on the line, for clicks: (start, end, key).
        self._spans: list[tuple[int, int, ShownKey]] = []
        self._collect_asked = False

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._recollect()  # the first frame shows the keys

    def _bindings_changed(self, screen: Screen) -> None:
        """Collected once for the changes of one turn: an entry's Enter moves the focus (the
        screen signals), highlights the new row and ends the submit (each signals too), and each
        collect asks check_action of every binding. The new keys are drawn in the frame that follows."""
        if not self.is_attached or screen is not self.screen or self._collect_asked:
            return
        self._collect_asked = self.call_later(self._recollect)  # False: the bar is closing

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _recollect(self) -> None:
        self._collect_asked = False
        if not self.is_attached:
            return
        keys, tail = self._collect(self.screen)
        if (keys, tail) != (self.keys, self.tail):
            self.keys, self.tail = keys, tail
            self.refresh()

    def _collect(self, screen: Screen) -> tuple[tuple[ShownKey, ...], tuple[ShownKey, ...]]:
        """The shown bindings, one per action (the first key bound to it): the focused
        widget's, then `first` in its order, then the rest in binding order; the app's help
        and the command palette go to the right end, where they always fit."""
        active = screen.active_bindings
        palette_key = self.app.COMMAND_PALETTE_BINDING
        focused = screen.focused
        seen: set[str] = set()
        shown: list[tuple[str, object, ShownKey]] = []
        tail: list[ShownKey] = []
        for key, (node, binding, enabled, _tooltip) in active.items():
            item = ShownKey(binding.key, self.app.get_key_display(binding), binding.description, enabled)
            if key == palette_key:  # shown whether or not its binding asks to be
                if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
                    tail.append(item)
                continue
            if not binding.show or binding.action in seen:
                continue
            if focused is not None and not binding.priority and _typed_by(focused, binding.key, item.display):
                continue  # a priority binding runs before the field sees the key
            seen.add(binding.action)
            if node is self.app and binding.action == "help":
                tail.insert(0, item)
            else:
                shown.append((binding.action, node, item))
        rank = {action: i for i, action in enumerate(self.first)}
        focused = [item for _action, node, item in shown if node is not screen and node is not self.app]
        # sorted() is stable: keys not in `first` keep their binding order.
        on_screen = sorted((e for e in shown if e[1] is screen), key=lambda e: rank.get(e[0], len(rank)))
        on_app = [item for _action, node, item in shown if node is self.app]
        return (*focused, *(item for _a, _n, item in on_screen), *on_app), tuple(tail)

    def _item(self, shown: ShownKey, key_style: Style, description_style: Style) -> Text:
        dim = Style(dim=True) if not shown.enabled else Style()
        item = Text(no_wrap=True)
        item.append(shown.display, key_style + dim)
        if shown.description:
            item.append(" " + shown.description, description_style + dim)
        return item

    def render(self) -> Text:
        width = self.size.width
        key_style = self.get_component_rich_style("keybar--key", partial=True)
        description_style = self.get_component_rich_style("keybar--description", partial=True)
        tail = Text(no_wrap=True, end="")
        tail_spans: list[tuple[int, int, ShownKey]] = []
        for shown in self.tail:
            if tail:
                tail.append(GAP)
            item = self._item(shown, key_style, description_style)
            tail_spans.append((len(tail), len(tail) + len(item), shown))
            tail.append_text(item)
        room = width - (len(tail) + len(GAP) if tail else 0)
        line = Text(no_wrap=True, end="")
        self._spans = []
        for shown in self.keys:
            item = self._item(shown, key_style, description_style)
            start = len(line) + (len(GAP) if line else 0)
            if start + len(item) > room:
                break  # the rest is in help (?), never half a word
            if line:
                line.append(GAP)
            line.append_text(item)
            self._spans.append((start, start + len(item), shown))
        if tail and len(tail) <= width:
            start = width - len(tail)
            line.append(" " * (start - len(line)))
            line.append_text(tail)
            self._spans += [(start + a, start + b, shown) for a, b, shown in tail_spans]
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, shown in self._spans:
            if start <= event.x < end:
                if shown.enabled:
                    self.app.simulate_key(shown.key)
                else:
                    self.app.bell()
                return
