"""The checklist pane: the current phase's items from the playbook, ticked by key.

Other phases are folded to one line with their progress (3/5).
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from warroom.core import checklist
from warroom.core.models import IncidentState
from warroom.core.playbook import Playbook
from warroom.core.safetext import one_line
from warroom.core.timeutil import hm
from warroom.tui.widgets.hanging import hanging


class Checklist(OptionList):
    BINDINGS = [
        Binding("space", "toggle", "Tick/untick"),
        Binding("enter", "answer", "Tick with answer"),
    ]

    class TickRequested(Message):
        """The commander wants an item ticked (or unticked); the screen writes it."""

        def __init__(self, phase: str, item: str, label: str, done: bool, ask_answer: bool, answer: str) -> None:
            super().__init__()
            self.phase = phase
            self.item = item
            self.label = label
            self.done = done
            self.ask_answer = ask_answer
            self.answer = answer

    def __init__(self, playbook: Playbook, **kwargs) -> None:
        super().__init__(**kwargs)
        self._playbook = playbook
        self._state: IncidentState | None = None
        self._shown: tuple[tuple[str | None, str], ...] = ()

    def show(self, state: IncidentState) -> None:
        self._state = state
        current = state.incident.phase
        keep = self.highlighted_option.id if self.highlighted_option else None
        options: list[Option] = []
        progress = checklist.phase_progress(state, self._playbook)
        for phase in self._playbook.phases:
            marks = [state.checklist.get(f"{phase.key}:{item.id}") for item in phase.items]
            done = progress[phase.key][0]
            head = Text(no_wrap=True, overflow="ellipsis")
            if phase.key != current:
                head.append(f"▸ {phase.name} ", "dim")
                head.append(f"{done}/{len(phase.items)}", "dim")
                options.append(Option(head, id=f"phase:{phase.key}", disabled=True))
                continue
            head.append(f"▾ {phase.name} ", "bold")
            head.append(f"{done}/{len(phase.items)}  ", "bold")
            head.append(phase.purpose, "italic")
            options.append(Option(head, id=f"phase:{phase.key}", disabled=True))
            for item, mark in zip(phase.items, marks):
                ticked = checklist.item_done(state, phase.key, item.id, item.requires, item.done_when, self._playbook)
                recorded = checklist.item_evidence(state, item.done_when, self._playbook)
                box = Text("[x]" if ticked else "[ ]", f"bold {self.app.theme_variables['success']}" if ticked else "")
                line = Text(item.text)
                if mark and mark.done and not ticked:
                    line.append("  (ticked, but a temporary fix is still in place)", "italic")
                if mark and mark.done:
                    line.append(f"  {one_line(mark.by, 12)} {hm(mark.at)}", "dim")
                elif recorded is not None:
                    line.append(f"  on the timeline {hm(recorded)}", "dim")
                answer = mark.answer if mark and mark.answer else checklist.item_answer(state, item.done_when)
                # ticked with an answer, or answered on the declare screen
                said = [Text(f"→ {one_line(answer, 200)}", "italic")] if answer else []
                options.append(Option(hanging(box, line, *said, width=4), id=f"{phase.key}:{item.id}"))
        # Shown again after every write: rebuilding an unchanged list would redraw the pane.
        shown = tuple((o.id, _plain(o.prompt)) for o in options)
        if shown == self._shown:
            return
        self._shown = shown
        self.set_options(options)
        self.border_title = "Checklist"
        self.border_subtitle = "space tick · enter answer"
        index = self._index_of(keep) if keep else None
        if index is None:
            index = next((i for i, o in enumerate(options) if not o.disabled), None)
        self.highlighted = index

    def _index_of(self, option_id: str) -> int | None:
        try:
            return self.get_option_index(option_id)
        except OptionDoesNotExist:  # the item left the list (another phase, another playbook)
            return None

    def _request(self, ask_answer: bool) -> None:
        option = self.highlighted_option
        if option is None or option.disabled or option.id is None or self._state is None:
            return
        phase_key, item_id = option.id.split(":", 1)
        item = next(i for i in self._playbook.phase(phase_key).items if i.id == item_id)
        mark = self._state.checklist.get(option.id)
        recorded = None if ask_answer else checklist.item_evidence(self._state, item.done_when, self._playbook)
        if recorded is not None:  # a tick (or untick) here would change nothing the box shows
            state, playbook = self._state, self._playbook
            if checklist.item_done(state, phase_key, item_id, item.requires, item.done_when, playbook):
                why = f"is ticked by what the timeline shows ({hm(recorded)})"
            else:  # done on the timeline, held back by what it requires (a temporary fix in place)
                why = f"is done on the timeline ({hm(recorded)}) and ticks once what it waits for is done"
            self.notify(
                f"{item.text!r} {why}: space changes nothing. If that row is wrong, strike it (x).",
                title="Ticked by the timeline",
                timeout=8,
            )
            return
        was_done = bool(mark and mark.done)
        done = True if ask_answer else not was_done
        self.post_message(
            self.TickRequested(phase_key, item_id, item.text, done, ask_answer, mark.answer if mark else "")
        )

    def action_toggle(self) -> None:
        self._request(ask_answer=False)

    def action_answer(self) -> None:
        self._request(ask_answer=True)


def _plain(prompt: object) -> str:
    """What an option says, for telling an unchanged list (a heading's Text, an item's grid)."""
    if isinstance(prompt, Table):
        return "\n".join(cell.plain for column in prompt.columns for cell in column.cells if isinstance(cell, Text))
    return prompt.plain if isinstance(prompt, Text) else str(prompt)
