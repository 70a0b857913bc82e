"""What two laptops did apart, for a person to settle (team sync).

`ApartChooser`: severity, phase, commander or details changed apart (the `changed_apart` red flag): one
line per competing change (what, who, on which laptop, when); Enter confirms that one (the
war room writes it again, after seeing both: that settles it).
`DraftVersions`: a draft (the handoff) edited apart: every standing version, who and where,
with the lines it has that another lacks (the versions share most of a template's 40 lines,
and in full the lines that differ were below the box); Enter keeps the highlighted one, b puts
both in the editor to merge by hand.
"""

from __future__ import annotations

import re

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets.option_list import Option

from warroom.core.hosts import by_whom
from warroom.core.models import Event
from warroom.core.playbook import Playbook
from warroom.core.redflags import APART_NAMES, apart_value
from warroom.core.safetext import one_line, plain
from warroom.core.timeutil import hm
from warroom.tui.screens.modal import ChoiceScreen, modal_box, number_hint
from warroom.tui.widgets.keybar import KeyBar

BOTH = "both"
# A version's own lines shown in its choice; past this many, its first and last halves.
OWN_LINES_SHOWN = 8
# What `merged` puts above each version (the hand-off check looks for them left in).
MERGE_MARK = re.compile(r"^--- .+ at \d\d:\d\d ---$", re.MULTILINE)


def own_lines(version: Event, versions: list[Event]) -> list[str]:
    """The lines of `version` that another version lacks: what keeping it keeps."""
    others = [set(e.text.splitlines()) for e in versions if e is not version]
    return [line for line in version.text.splitlines() if line.strip() and any(line not in o for o in others)]


class ApartChooser(ChoiceScreen[tuple[str, Event] | None, tuple[str, Event]]):
    """Dismisses with (register, the change confirmed), or None. `conflicts`: state.conflicts."""

    HELP_NAME = "changed apart"

    def __init__(self, conflicts: dict[str, list[Event]], playbook: Playbook) -> None:
        super().__init__()
        self.playbook = playbook
        self.choices = [(r, e) for r in APART_NAMES for e in conflicts.get(r, ()) if len(conflicts[r]) > 1]
        self._hosts = {e.host for _, e in self.choices if e.host}

    def compose(self) -> ComposeResult:
        with modal_box("chooser-box", "Changed apart: which one stands?", "1-9 or ↑↓ · enter confirms · escape"):
            yield self.choice_list("apart-list")
        yield KeyBar()

    def option(self, n: int, choice: tuple[str, Event]) -> Option:
        register, event = choice
        label = Text()
        label.append(number_hint(n), "dim")
        label.append(f"{APART_NAMES[register]}: ", "bold")
        label.append(apart_value(register, event, self.playbook), "bold")
        label.append(f"  by {by_whom(one_line(event.author, 30), event.host, self._hosts)} at {hm(event.ts)}")
        return Option(label)


class DraftVersions(ChoiceScreen[Event | str | None, Event | str]):
    """Dismisses with the version to keep, BOTH (merge them in the editor), or None."""

    HELP_NAME = "draft versions"
    BINDINGS = [Binding("b", "both", "Both into the editor")]

    def __init__(self, name: str, versions: list[Event]) -> None:
        super().__init__()
        self.draft = name
        self.choices = list(versions)
        self._hosts = {e.host for e in versions if e.host}

    def compose(self) -> ComposeResult:
        title = f"The {self.draft} was edited apart: {len(self.choices)} versions"
        with modal_box("chooser-box", title, "↑↓ · enter keeps this one · b both into the editor · escape"):
            yield self.choice_list("versions-list")
        yield KeyBar()

    def option(self, n: int, choice: Event | str) -> Option:
        assert isinstance(choice, Event)
        label = Text()
        label.append(number_hint(n), "dim")
        label.append(f"{by_whom(one_line(choice.author, 30), choice.host, self._hosts)} at {hm(choice.ts)}", "bold")
        lines = len(choice.text.splitlines())
        own = own_lines(choice, self.choices)
        label.append(f" · {lines} lines" + (f", {len(own)} only in this one:" if own else ""), "dim")
        half = OWN_LINES_SHOWN // 2  # past that many: the first and the last (an edit is often at the end)
        shown = own if len(own) <= OWN_LINES_SHOWN else [*own[:half], None, *own[-half:]]
        for line in shown:
            if line is None:
                label.append(f"\n  … {len(own) - 2 * half} more …", "dim")
                continue
            label.append("\n+ ", "green")
            label.append(one_line(plain(line), 110))
        if not own:
            label.append(
                "\n  (no line of its own: another version has all of it, and more)" if lines else "\n  (empty)", "dim"
            )
        return Option(label)

    def action_both(self) -> None:
        self.dismiss(BOTH)


def merged(versions: list[Event], hosts: set[str] | None = None) -> str:
    """Every version one after the other, each under who wrote it where: to merge by hand."""
    hosts = hosts if hosts is not None else {e.host for e in versions if e.host}
    parts = [f"--- {by_whom(e.author, e.host, hosts)} at {hm(e.ts)} ---\n{e.text.rstrip()}" for e in versions]
    return "\n\n".join(parts) + "\n"
