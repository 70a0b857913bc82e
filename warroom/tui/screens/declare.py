"""Declare an incident: only the title is required, because in a SEV-1 nobody fills forms.

The five triage questions come from the playbook; "how bad" is answered by picking the
impact, which suggests the severity; ctrl+s declares with the severity shown.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, RadioButton, RadioSet, Static

from warroom.core.errors import WarroomError
from warroom.core.playbook import Playbook
from warroom.core.safetext import one_line
from warroom.core.timeutil import duration, local, parse_at
from warroom.tui.controllers.base import PressAgain
from warroom.tui.messages import OpenIncident, ShowIncidents
from warroom.tui.screens.modal import after_keys_typed
from warroom.tui.widgets.keybar import KeyBar
from warroom.tui.widgets.keys import OrderedInput
from warroom.tui.widgets.severity_guide import SeverityGuide

# The triage questions are found by their role in the playbook: "how_bad" is answered by
# the impact picker rather than free text; the answer to "started", when it starts with a
# time (14:32, -10m), sets started_at.
HOW_BAD, STARTED = "how_bad", "started"
DEFAULT_SEVERITY = 2
# A start further back than this (or on another day) is shown as read before it is committed:
# "14:32" typed at 12:50 means yesterday's 14:32, and the clocks would say "since start 22h".
SURPRISING_START = timedelta(hours=6)
# An answer starting like a time (14:32, -10m, 2026-03-10T14:32) that the parser refuses is
# reported; any other answer ("after lunch") simply has no time in it.
_TIME_LIKE = re.compile(r"^-?\d")


class DeclareScreen(Screen[None]):
    HELP_NAME = "declare"
    AUTO_FOCUS = "#title"
    # Moving between fields is done before the keys typed after it are delivered (priority
    # bindings run as the key arrives): a key goes to the widget focused when it arrives, so
    # `T1`, Tab, `broken1` typed faster than the screen draws put "broken1" in the field Tab
    # moved to, not after "T1" in the title.
    BINDINGS = [
        Binding("ctrl+s", "declare", "Declare", priority=True),
        Binding("escape", "back", "Back"),
        Binding("tab", "move(1)", "Next field", show=False, priority=True),
        Binding("shift+tab", "move(-1)", "Previous field", show=False, priority=True),
        Binding("enter", "submit_field", "Next field", show=False, priority=True),
    ]

    def __init__(self, playbook: Playbook, can_go_back: bool = False, back_to: str | None = None) -> None:
        super().__init__()
        self._playbook = playbook
        self._can_go_back = can_go_back  # Escape: to the incident list
        self._back_to = back_to  # Escape: to this incident's war room (D was pressed there)
        self._overridden = False  # the commander picked a severity: impact no longer moves it
        self._busy = False
        self._press_again = PressAgain()  # Esc over typed text asks once
        self._how_bad = playbook.question_key(HOW_BAD)
        self._started = playbook.question_key(STARTED)

    def compose(self) -> ComposeResult:
        pb = self._playbook
        with VerticalScroll(id="declare-form") as form:
            form.border_title = "Declare an incident"
            form.border_subtitle = "only the title is required · ctrl+s declares"
            team = Static("", id="declare-team")  # where the team's sync stands, when there is one
            team.display = False
            yield team
            yield Label("Title (required)", classes="field-label")
            yield OrderedInput(placeholder="What is on fire, in a few words", id="title")
            for question in pb.triage:
                if question.key == self._how_bad:
                    yield Label(f"{question.question} — {question.why}", classes="field-label")
                    with Horizontal(id="impact-row"):
                        with RadioSet(id="impact"):
                            for impact in pb.impacts:
                                yield RadioButton(f"{impact.label} → SEV-{impact.severity}", name=impact.key)
                        yield OrderedInput(placeholder="% affected (optional)", type="number", id="impact-pct")
                    continue
                # The time's forms in the field itself: after the label's "why it matters" (the
                # methodology's "What changed recently?") they read as that question's format.
                when = "14:35, -10m or ISO" if question.key == self._started else ""
                yield Label(f"{question.question} — {question.why}", classes="field-label")
                yield OrderedInput(placeholder=when, id=f"triage-{question.key}")
                if question.key == self._started:
                    reading = Static("", id="started-reading")
                    reading.display = False  # shown only when the time may be misread
                    yield reading
            yield Label(
                "Detected (optional) — when someone noticed: 14:35, -10m or ISO; else the first alert",
                classes="field-label",
            )
            yield OrderedInput(placeholder="when it was detected", id="detected")
            reading = Static("", id="detected-reading")
            reading.display = False
            yield reading
            yield Label("Service (optional) — what the status page and external notice name", classes="field-label")
            yield OrderedInput(placeholder="e.g. checkout", id="service")
            yield Label("Severity — 1-4 on the guide overrides the suggestion", classes="field-label")
            yield SeverityGuide(pb, selected=DEFAULT_SEVERITY, id="declare-severity")
            yield Static("", id="declare-summary")
        yield KeyBar()

    def show_team(self, line: str) -> None:
        """The team's status (tui/controllers/team.py): not live, a teammate's incident may
        already be declared and not here yet (a laptop started during an outage said nothing)."""
        text = Text(line, style="bold" if line == "team: live" else "bold yellow")
        if line != "team: live":
            text.append(" — an incident a teammate declared meanwhile is not here yet", style="yellow")
        found = self.query("#declare-team")
        if found:
            found.first(Static).update(text)
            found.first(Static).display = True

    def on_mount(self) -> None:
        for field in self.query(Input):
            # Tab or Shift+Tab into a filled answer puts the cursor at its end; a select-all
            # there let the next key typed wipe the whole answer.
            field.select_on_focus = False
        self.query_one("#title", Input).focus()
        # On a short terminal focusing the title scrolled its label (and the form's top) away.
        self.call_after_refresh(self.query_one("#declare-form").scroll_home, animate=False)
        self._summarise()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == f"triage-{self._started}":
            reading = start_reading(event.value, self.app.clock())  # type: ignore[attr-defined]
            self.query_one("#started-reading", Static).update(reading)
            self.query_one("#started-reading", Static).display = bool(reading)
        elif event.input.id == "detected":
            reading = start_reading(event.value, self.app.clock())  # type: ignore[attr-defined]
            self.query_one("#detected-reading", Static).update(reading)
            self.query_one("#detected-reading", Static).display = bool(reading)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def action_move(self, step: int) -> None:
        self.focus_next() if step > 0 else self.focus_previous()

    def action_submit_field(self) -> None:
        self.focus_next()  # Enter in a text field: on to the next (the radio set and guide take their own)

    def on_key(self, event: events.Key) -> None:
        """A key that arrived before any field had focus (the screen still drawing) goes to the title."""
        if self.focused is None and event.is_printable and event.character:
            event.stop()
            title = self.query_one("#title", Input)
            self.set_focus(title)
            title.insert_text_at_cursor(event.character)

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        impact = self._impact()
        if impact is not None:
            guide = self.query_one(SeverityGuide)
            guide.suggested = impact.severity
            if not self._overridden:
                guide.selected = impact.severity
        self._summarise()

    def on_severity_guide_changed(self, event: SeverityGuide.Changed) -> None:
        guide = self.query_one(SeverityGuide)
        if guide.has_focus:
            self._overridden = True
        self._summarise()

    def on_severity_guide_chosen(self, event: SeverityGuide.Chosen) -> None:
        self.run_worker(self._declare())

    def _impact(self):
        pressed = self.query_one("#impact", RadioSet).pressed_button if self.query("#impact") else None
        if pressed is None:
            return None
        return next((i for i in self._playbook.impacts if i.key == pressed.name), None)

    def _summarise(self) -> None:
        guide = self.query_one(SeverityGuide)
        text = f"Will declare SEV-{guide.selected}"
        if guide.suggested is not None:
            text += " (suggested by impact)" if guide.selected == guide.suggested else " (overriding the suggestion)"
        self.query_one("#declare-summary", Static).update(text)

    def action_declare(self) -> None:
        # ctrl+s runs as the app takes it: the title typed right before it goes in first.
        after_keys_typed(self, self._declare)

    async def _declare(self) -> None:
        if self._busy:
            return
        title = self.query_one("#title", Input).value.strip()
        if not title:
            self.notify("An incident needs a title.", severity="error")
            self.query_one("#title", Input).focus()
            return
        pb = self._playbook
        how_bad = self._how_bad
        triage = {q.key: self.query_one(f"#triage-{q.key}", Input).value.strip() for q in pb.triage if q.key != how_bad}
        impact = self._impact()
        pct_text = self.query_one("#impact-pct", Input).value.strip() if self.query("#impact-pct") else ""
        try:
            pct = float(pct_text) if pct_text else None
        except ValueError:
            self.notify(f"{pct_text!r} is not a percentage.", severity="error")
            return
        if pct is not None and not 0 <= pct <= 100:
            self.notify("The percentage must be between 0 and 100.", severity="error")
            return
        if impact is not None:
            triage[how_bad] = impact.label + (f" ({pct:g}%)" if pct is not None else "")
        severity = self.query_one(SeverityGuide).selected
        ops = self.app.ops  # type: ignore[attr-defined]
        started_at = started_from(triage.get(self._started, ""), ops.now())
        if self._started in triage:
            triage[self._started] = stated_start(triage[self._started], started_at, ops.now())
        detected_text = self.query_one("#detected", Input).value.strip()
        detected_at = None
        if detected_text:
            try:
                detected_at = parse_at(_start_token(detected_text), ops.now())
            except ValueError as exc:
                self.notify(f"Detected: {exc}", title="Not declared", severity="error")
                self.query_one("#detected", Input).focus()
                return
        service = " ".join(self.query_one("#service", Input).value.split()) or None
        self._busy = True
        try:  # the first update's deadline comes from the playbook's cadence, in Operations
            incident = await ops.declare(
                title,
                severity,
                triage=triage,
                impact=impact.key if impact else None,
                impact_pct=pct,
                started_at=started_at,
                detected_at=detected_at,
                service=service,
            )
        except WarroomError as exc:
            self.notify(str(exc), title="Not declared", severity="error")
            return
        finally:
            self._busy = False
        self.notify(f"Declared {incident.id} (SEV-{severity})")
        self.app.post_message(OpenIncident(incident.id))

    def action_back(self) -> None:
        # What was typed is asked about once: a stray Esc under pressure dropped a half-filled
        # declaration without a word.
        # Asked over the form as it is: typing after it asks again.
        typed = (*(field.value for field in self.query(Input)), self._impact())
        if self._typed() and not self._press_again(("drop", typed)):
            self.notify("Press Esc again to drop what you typed; ctrl+s declares.", title="Not declared")
            return
        self.app.post_message(OpenIncident(self._back_to) if self._back_to else ShowIncidents())

    def _typed(self) -> bool:
        return any(field.value.strip() for field in self.query(Input)) or self._impact() is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return self._can_go_back or self._back_to is not None
        if action == "submit_field":  # only in a text field: Enter picks a radio or declares on the guide
            return isinstance(self.focused, Input)
        return True


def _start_token(answer: str) -> str:
    first = answer.replace(",", " ").split(maxsplit=1)
    return first[0] if first else ""


def started_from(answer: str, declared: datetime) -> datetime | None:
    """`14:32, right after the deploy` -> 14:32 today; an answer without a time -> None."""
    token = _start_token(answer)
    if not token:
        return None
    try:
        return parse_at(token, declared)
    except ValueError:
        return None


def stated_start(answer: str, start: datetime | None, declared: datetime) -> str:
    """The answer as the timeline keeps it: a start given back from now ("-20m, after the
    deploy") also says the time it means ("14:35 (-20m), after the deploy"), as the row is
    read long after the declaration; one on another day says that day too. Others as typed."""
    token = _start_token(answer)
    if start is None or not token.startswith("-"):
        return answer
    at = local(start)
    when = f"{at:%H:%M}" if at.date() == local(declared).date() else f"{at:%Y-%m-%d %H:%M}"
    return answer.replace(token, f"{when} ({token})", 1)


def start_reading(answer: str, declared: datetime) -> Text:
    """How the answer's time is read, when that may surprise: another day, or long ago
    ("read as yesterday 14:32 (22h18m ago)"); the parser's refusal for a time it will not
    take (a daylight-saving gap); empty otherwise."""
    token = _start_token(answer)
    if not _TIME_LIKE.match(token):
        return Text()
    try:
        start = parse_at(token, declared)
    except ValueError as exc:
        return Text.assemble(("⚑ not read as the start: ", "bold"), one_line(str(exc)))
    start_day, today = local(start).date(), local(declared).date()
    if start_day == today and declared - start <= SURPRISING_START:
        return Text()
    if start_day == today:
        day = "today"
    elif start_day == today - timedelta(days=1):
        day = "yesterday"
    else:
        day = f"{start_day:%a %Y-%m-%d}"
    return Text.assemble(
        ("⚑ read as ", "bold"), (f"{day} {local(start):%H:%M}", "bold"), f" ({duration(declared - start)} ago)"
    )
