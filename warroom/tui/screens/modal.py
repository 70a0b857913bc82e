"""What the war room's small modals share: Escape cancels, a titled box, numbered choices.

`CancelModal`: Escape dismisses with None. Its binding is merged before the screen's own,
so the key bar, help and command palette list Escape first on every modal.
`FormModal`: a modal of text fields filled one after another (Enter: next field, then save);
Escape over what was typed asks once.
`modal_box`: the bordered box a modal draws in, its title on the top border and its keys on
the bottom one.
`ChoiceScreen`: a modal around one OptionList of `choices`: ↑↓ move, a choice's key (1-9:
the Nth, unless the screen says otherwise) highlights it or picks it at once, Enter or a
click picks; what picking does is the screen's (by default it dismisses with the choice).

Textual runs a message handler of every class in the MRO, so the screens built on
`ChoiceScreen` do not define on_mount, on_key or on_option_list_option_selected: they give
hooks (`first_choice`, `choice_index`, `picked`) instead.

Keys typed at once keep their order. A modal's Enter is a priority key (it confirms wherever
the focus is), and Textual runs a priority key as the app takes it, ahead of the keys already
handed to the focused widget: `3` then Enter, typed fast, confirmed what was highlighted
before the 3 (the wrong mitigation level, the wrong containment decision logged). So a
priority Enter acts once the keys typed ahead of it have been taken, by the list or,
bubbling up, by the screen (`CancelModal.after_keys_ahead`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, OptionList
from textual.widgets.option_list import Option

from warroom.tui.controllers.base import PressAgain

ResultType = TypeVar("ResultType")
ChoiceType = TypeVar("ChoiceType")


class CancelModal(ModalScreen[ResultType]):
    """A modal that Escape cancels: it dismisses with None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    _acting = False  # a priority key's action is on its way (after_keys_ahead)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def after_keys_ahead(self, action: Callable[[], object]) -> None:
        """Run `action` (a priority key's) after the keys typed before it (`after_keys_typed`).
        One at a time: a second Enter typed before the first one's action ran (which dismisses
        the modal) does nothing."""
        if self._acting:
            return
        self._acting = True

        def once() -> None:
            try:
                action()
            finally:
                self._acting = False  # still in front (a choice refused): Enter works again

        after_keys_typed(self, once, ended=lambda: setattr(self, "_acting", False))


class FormModal(CancelModal[ResultType]):
    """A modal of text fields (`FIELDS`: the Inputs' ids, in order) filled one after another:
    Enter moves to the next field and saves from the last, Tab and Shift+Tab move, Ctrl+S saves
    (the subclass's `save`). Keys typed at once land where they were meant: moving is done as the
    key arrives (a priority binding), so what is typed after Enter or Tab goes to the next field,
    not behind the first one's text (`what`, Enter, `where` typed fast all landed in What); a save
    waits for the keys typed before it (`after_keys_ahead`), so the last field is saved whole.
    On a button, Enter is the button's."""

    FIELDS: ClassVar[tuple[str, ...]] = ()
    BINDINGS = [
        Binding("tab", "move(1)", "Next field", show=False, priority=True),
        Binding("shift+tab", "move(-1)", "Previous field", show=False, priority=True),
        Binding("enter", "submit_field", "Next field / save", show=False, priority=True),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    _typed_first: dict[str, str] | None = None  # the fields as the form opened

    def on_mount(self) -> None:
        self._typed_first = self._field_values()
        self._drop_again = PressAgain()

    def _field_values(self) -> dict[str, str]:
        return {name: self.query_one(f"#{name}", Input).value for name in self.FIELDS}

    def action_cancel(self) -> None:
        """Escape: what was typed is asked about once (a stray Esc dropped a half-filled form);
        asked over the fields as they are, so typing after it asks again."""
        values = self._field_values()
        if self._typed_first is not None and values != self._typed_first:
            if not self._drop_again(("drop", tuple(values.values()))):
                self.notify("Press Esc again to drop what you typed; ctrl+s saves.", title="Not saved")
                return
        self.dismiss(None)

    def save(self) -> None:
        """Check the fields and dismiss with the result (or say what is wrong)."""
        raise NotImplementedError(f"{type(self).__name__} must save its fields")

    def action_save(self) -> None:
        self.after_keys_ahead(self.save)

    def action_move(self, step: int) -> None:
        self.focus_next() if step > 0 else self.focus_previous()

    def action_submit_field(self) -> None:
        at = self.FIELDS.index(self.focused.id) if self.focused is not None and self.focused.id in self.FIELDS else -1
        if 0 <= at < len(self.FIELDS) - 1:
            self.set_focus(self.query_one(f"#{self.FIELDS[at + 1]}"))
        else:
            self.after_keys_ahead(self.save)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "submit_field":  # a focused button takes its own Enter
            return not isinstance(self.focused, Button)
        return True


def after_keys_typed(screen: Screen, action: Callable[[], object], ended: Callable[[], object] | None = None) -> None:
    """Run `action` (sync or async) after the keys typed before it. Those are queued on the
    focused widget, then bubble up node by node to the app (where a widget's own bindings run):
    `action` follows them up the same way, queued behind them at each node. Nothing runs once
    `screen` is no longer the one in front (`ended` is told instead)."""
    path = list((screen.focused or screen).ancestors_with_self)

    async def hop(at: int) -> None:
        if at < len(path):
            if not path[at].call_later(hop, at + 1) and ended is not None:
                ended()  # that node is gone: the screen went with it
        elif screen.is_attached and screen.app.screen is screen:
            result = action()
            if inspect.isawaitable(result):
                await result
        elif ended is not None:
            ended()

    if not path[0].call_later(hop, 1) and ended is not None:
        ended()


def modal_box(box_id: str, title: str | Text, keys: str, classes: str | None = None) -> Vertical:
    """The box a modal's content goes in (`with modal_box(...):` in compose)."""
    box = Vertical(id=box_id, classes=classes)
    box.border_title = title
    box.border_subtitle = keys
    return box


def number_hint(n: int) -> str:
    """The dim key hint before the Nth choice: only 1-9 have a key."""
    return f"{n}  " if n < 10 else "   "


class ChoiceScreen(CancelModal[ResultType], Generic[ResultType, ChoiceType]):
    """A modal that picks one of `self.choices` (set them in __init__) from an OptionList."""

    # False: a choice's key highlights it and Enter picks; True: the key picks at once.
    PICK_ON_KEY: ClassVar[bool] = False

    choices: list[ChoiceType]

    def option(self, n: int, choice: ChoiceType) -> Option:
        """The line shown for the Nth (from 1) choice: each screen draws its own."""
        raise NotImplementedError(f"{type(self).__name__} must draw its choices")

    def choice_list(self, list_id: str) -> OptionList:
        return OptionList(*(self.option(n, choice) for n, choice in enumerate(self.choices, 1)), id=list_id)

    def first_choice(self) -> int:
        """The index highlighted when the screen opens."""
        return 0

    def choice_index(self, character: str) -> int | None:
        """The index a typed character stands for: 1-9 the Nth (range checked by the caller)."""
        # isdecimal, not isdigit: int() refuses "²", which isdigit accepts.
        return int(character) - 1 if character.isdecimal() else None

    def picked(self, choice: ChoiceType | None) -> None:
        """A choice was picked (None: Enter on an empty list)."""
        self.dismiss(choice)  # type: ignore[arg-type]

    @property
    def chosen(self) -> ChoiceType | None:
        """The highlighted choice."""
        index = self.query_one(OptionList).highlighted
        return self.choices[index] if index is not None else None

    def action_choose(self) -> None:
        self.after_keys_ahead(lambda: self.picked(self.chosen))

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        listing.highlighted = self.first_choice()
        listing.focus()

    def on_key(self, event: events.Key) -> None:
        # While the list has the focus, or nothing has yet (a key typed with the one that opened
        # the modal); an Input on the screen keeps its typing.
        if not event.character or not isinstance(self.focused, OptionList | None):
            return
        index = self.choice_index(event.character)
        if index is None or not 0 <= index < len(self.choices):
            return
        event.stop()
        event.prevent_default()
        if self.PICK_ON_KEY:
            self.picked(self.choices[index])
        else:
            self.query_one(OptionList).highlighted = index

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.picked(self.choices[event.option_index])
