"""The two questions a quit can ask (warroom/tui/unsaved.py decides when): a line typed and not
sent, and text that would not save."""

from __future__ import annotations

from rich.text import Text
from textual.widgets.option_list import Option

from warroom.core.safetext import one_line
from warroom.tui.screens.modal import ChoiceScreen, modal_box


class LoseUnsavedScreen(ChoiceScreen[bool | None, bool]):
    """Quit with text that could not be saved? Staying is first: Enter keeps the text."""

    BINDINGS = [("q", "quit_anyway", "Quit, lose it")]

    def __init__(self, missing: list[str]) -> None:
        super().__init__()
        self.missing = missing
        self.choices = [False, True]

    def compose(self):
        keys = "enter choose · q quit, lose it · escape stay"
        with modal_box("lose-unsaved-box", "Not saved: quit anyway?", keys, classes="question-box -error"):
            yield self.choice_list("lose-unsaved-list")

    def option(self, n: int, choice: bool) -> Option:
        text = Text()
        if choice:
            text.append("Quit and lose it: ", "bold")
            text.append(", ".join(self.missing))
        else:
            text.append("Stay (the text stays on screen; free some space, then quit again)", "bold")
        return Option(text)

    def picked(self, choice: bool | None) -> None:
        self.dismiss(bool(choice))

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_quit_anyway(self) -> None:
        self.dismiss(True)


class UnsentEntryScreen(ChoiceScreen[str | None, str]):
    """Quit with a line typed but not sent? Staying is first: Enter keeps the line."""

    BINDINGS = [("q", "quit_anyway", "Quit without it")]

    def __init__(self, mode: str, text: str) -> None:
        super().__init__()
        self.mode = mode
        self.text = text
        self.choices = ["stay", "send", "discard"]

    def compose(self):
        title = f"Not sent yet: {self.mode} “{one_line(self.text, 60)}”"
        with modal_box("unsent-box", title, "enter choose · q quit without it · escape stay", classes="question-box"):
            yield self.choice_list("unsent-list")

    def option(self, n: int, choice: str) -> Option:
        words = {
            "stay": "Stay (the line stays as typed)",
            "send": f"Send it ({self.mode}), then quit",
            "discard": "Quit without it",
        }
        return Option(Text(f"{n}  {words[choice]}", "bold" if choice == "stay" else ""))

    def action_cancel(self) -> None:
        self.dismiss("stay")

    def action_quit_anyway(self) -> None:
        self.dismiss("discard")
