"""The red-flags pane: what the rules (warroom.core.rules) say needs the commander's attention now.

One option per prompt (thought, reality, action and why it fires now). On the highlighted
prompt the commander acknowledges, dismisses with a reason or snoozes it; the pane only
asks, the screen writes the decision (a `flag` event) and the prompt goes on the next
evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from warroom.core.safetext import one_line
from warroom.core.timeutil import hm
from warroom.tui.widgets.hanging import hanging
from warroom.tui.widgets.quiet import set_borders

if TYPE_CHECKING:
    from warroom.core.rules import Prompt

Decision = Literal["ack", "dismiss", "snooze", "reopen"]
# The rule whose flag offers reopening the incident (something logged after its resolution).
RECURRENCE_RULE = "logged_after_resolution"
EMPTY = "No red flags right now."


class RedFlags(OptionList):
    BINDINGS = [
        Binding("a", "decide('ack')", "Acknowledge flag"),
        Binding("d", "decide('dismiss')", "Dismiss flag…"),
        Binding("z", "decide('snooze')", "Snooze flag…"),
        Binding("o", "decide('reopen')", "Reopen incident (recurrence)"),
    ]

    class DecisionRequested(Message):
        """The commander wants to acknowledge, dismiss or snooze a prompt."""

        def __init__(self, prompt: Prompt, action: Decision) -> None:
            super().__init__()
            self.prompt = prompt
            self.action = action

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._prompts: tuple[Prompt, ...] = ()
        self._shown: tuple[tuple[Prompt, ...], tuple[str, ...], tuple[tuple[str, datetime], ...]] | None = None
        self._rounds = 0  # how many times show() was called
        self._since: dict[str, int] = {}  # each flag firing now: the round it began firing in

    def on_mount(self) -> None:
        self.border_title = "Red flags"

    @property
    def prompts(self) -> tuple[Prompt, ...]:
        return self._prompts

    @property
    def selected_prompt(self) -> Prompt | None:
        option = self.highlighted_option
        if option is None or option.disabled:
            return None
        return next((p for p in self._prompts if p.flag_id == option.id), None)

    def show(
        self, prompts: Sequence[Prompt], failures: Sequence[str] = (), snoozed: Sequence[tuple[Prompt, datetime]] = ()
    ) -> None:
        """The prompts firing now; `failures` names each rule that could not be checked;
        `snoozed`, those firing but snoozed (with when each snooze ends), are counted."""
        prompts = tuple(prompts)
        self._rounds += 1
        self._since = {p.flag_id: self._since.get(p.flag_id, self._rounds) for p in prompts}
        asleep = f"{len(snoozed)} snoozed" if snoozed else ""
        recurrence = any(p.rule == RECURRENCE_RULE for p in prompts)
        set_borders(
            self,
            " · ".join(part for part in (f"Red flags ({len(prompts)})" if prompts else "Red flags", asleep) if part),
            ("o reopen · " if recurrence else "") + "a ack · d dismiss · z snooze" if prompts else "",
        )
        self.set_class(bool(prompts), "-raised")
        self._prompts = prompts
        asleep_now = tuple(sorted((p.flag_id, until) for p, until in snoozed))
        if (prompts, tuple(failures), asleep_now) == self._shown:
            return  # evaluated every few seconds: leave the highlight and scroll alone
        self._shown = (prompts, tuple(failures), asleep_now)
        keep = self.highlighted_option.id if self.highlighted_option else None
        place = self.highlighted or 0
        broken = [Option(Text(f"⚠ {one_line(line, 300)}", "italic"), disabled=True) for line in failures]
        if not prompts:
            empty = EMPTY
            if snoozed:
                first, until = min(snoozed, key=lambda pair: pair[1])
                others = f" (and {len(snoozed) - 1} more)" if len(snoozed) > 1 else ""
                empty += f" Snoozed until {hm(until)}: {one_line(first.heading, 60)}{others}."
            self.set_options([*broken] or [Option(Text(empty, "dim"), disabled=True)])
            return
        options: list[Option | None] = []
        for prompt in prompts:
            if options:
                options.append(None)  # a separator line between prompts
            options.append(Option(render_prompt(prompt), id=prompt.flag_id))
        self.set_options([*options, *broken])
        ids = [p.flag_id for p in prompts]
        # The highlighted flag stays highlighted; when it went (acknowledged, dismissed), the one
        # that took its place is (the pane does not jump back to the first).
        self.highlighted = ids.index(keep) if keep in ids else min(place, len(ids) - 1)

    def to_the_newest(self) -> None:
        """Coming to the pane (f): the flag that began firing last highlighted (of several that
        began together, the first listed), not one highlighted before it came."""
        if self._prompts:
            newest = max(self._since.values())
            self.highlighted = next(i for i, p in enumerate(self._prompts) if self._since[p.flag_id] == newest)

    def unavailable(self, why: str) -> None:
        self.border_title = "Red flags"
        self.border_subtitle = ""
        self._prompts = ()
        self._shown = None
        self.set_options([Option(Text(one_line(why, 300), "italic"), disabled=True)])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "decide" and parameters and parameters[0] == "reopen":
            prompt = self.selected_prompt
            return prompt is not None and prompt.rule == RECURRENCE_RULE
        return True

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.refresh_bindings()  # "o reopen" follows the highlighted prompt

    def action_decide(self, action: Decision) -> None:
        prompt = self.selected_prompt
        if prompt is None or (action == "reopen" and prompt.rule != RECURRENCE_RULE):
            self.app.bell()
            return
        self.post_message(self.DecisionRequested(prompt, action))


def render_prompt(prompt: Prompt) -> Table:
    """Thought, reality, action and the detail (which quotes incident text: shown literally),
    each wrapped under its own first letter (a hanging indent), not back at the pane's edge."""
    error = prompt.level == "error"
    action = hanging(Text("→", "italic"), Text(one_line(prompt.action), "italic"))
    detail = [Text(one_line(prompt.detail, 300), "dim")] if prompt.detail else []
    flag = Text("⚑", "bold red" if error else "bold yellow")
    return hanging(flag, Text(one_line(prompt.heading), "bold"), Text(one_line(prompt.reality)), action, *detail)
