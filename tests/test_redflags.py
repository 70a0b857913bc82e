"""The red flags' words against the methodology's Red Flags table: every thought quoted as a
red flag is the methodology's, with its reality and action; warroom's own prompts do not pose
as quotes from it. And the methodology's "We need the permanent fix" row has its rule."""

from __future__ import annotations

import pytest
from builders import Story, at

from warroom.core import rules

# The methodology's Red Flags table (incident-response.md, "Red Flags During Incidents"), as
# written there: thought, reality, action.
METHODOLOGY_TABLE = [
    ("Let me understand the code first", "Users are suffering NOW", "Rollback first"),
    ("This fix might work", "Untested fix might make it worse", "Rollback to known good"),
    ("It's just a small issue", "Small issues cascade", "Take it seriously"),
    ("We need the permanent fix", "Temporary mitigation is fine", "Restore service first"),
    ("I can debug this quickly", "Debugging takes time", "Mitigate, then debug"),
    ("One more minute...", "Scope creep delays recovery", "Time-box, escalate"),
]
THOUGHTS = {row[0] for row in METHODOLOGY_TABLE}


def fired(state, playbook, now, flag_id):
    return [p for p in rules.check_all(state, playbook, now) if p.flag_id == flag_id]


@pytest.mark.parametrize(("thought", "reality", "action"), METHODOLOGY_TABLE)
def test_every_row_of_the_table_is_one_flag_in_its_own_words(playbook, thought, reality, action):
    (flag,) = [f for f in playbook.red_flags if f.thought == thought]
    assert flag.source == "methodology"
    assert flag.reality == reality
    # The action as written, which may go on after a colon with what it means here.
    assert flag.action == action or flag.action.startswith(action + ": ")


def test_only_the_tables_thoughts_are_quoted_from_it(playbook):
    quoted = [f for f in playbook.red_flags if f.source]
    assert {f.source for f in quoted} == {"methodology"}
    assert {f.thought for f in quoted} == THOUGHTS and len(quoted) == len(THOUGHTS)
    # warroom's own prompts borrow no row's thought, reality or action.
    borrowed = {text for row in METHODOLOGY_TABLE for text in row}
    for flag in playbook.red_flags:
        if not flag.source:
            assert not {flag.thought, flag.reality, flag.action} & borrowed, flag.id


def test_a_quote_is_shown_in_quotation_marks_and_warrooms_own_prompt_is_not(playbook):
    story = Story(phase="fix")  # not restored, in Fix; the update is overdue by then
    prompts = {p.flag_id: p for p in rules.check_all(story.state(), playbook, at(12 + 180))}
    assert prompts["permanent_fix"].heading == "“We need the permanent fix”"
    assert prompts["permanent_fix"].source == "methodology"
    assert prompts["update_due"].heading == "Status update overdue"
    assert prompts["update_due"].source == ""


def test_we_need_the_permanent_fix_in_fix_before_service_is_restored(playbook):
    story = Story()
    story.phase("diagnose", 15)
    assert not fired(story.state(), playbook, at(20), "permanent_fix")
    story.mitigate("degraded", 18, restored=False)
    story.phase("fix", 25)
    (prompt,) = fired(story.state(), playbook, at(30), "permanent_fix")
    assert (prompt.thought, prompt.reality, prompt.action) == METHODOLOGY_TABLE[3]
    assert prompt.level == "error"
    assert prompt.detail == "in Fix since 14:55, service not restored (mitigation: Degraded mode)"
    # One flag for one condition: "I can debug this quickly" is Diagnose's.
    assert not fired(story.state(), playbook, at(30), "mitigate_first")
    story.mitigate("full", 35)
    assert not fired(story.state(), playbook, at(40), "permanent_fix")


def test_permanent_fix_names_no_mitigation_and_finds_fix_by_its_role(playbook):
    story = Story()
    story.phase("fix", 25)
    (prompt,) = fired(story.state(), playbook, at(30), "permanent_fix")
    assert prompt.detail.endswith("service not restored (no mitigation recorded)")
    raw = playbook.model_dump()
    for phase in raw["phases"]:
        if phase["key"] == "fix":
            phase.update(key="beheben", name="Beheben", role="fix")
    for flag in raw["red_flags"]:
        flag["phases"] = ["beheben" if p == "fix" else p for p in flag["phases"]]
    renamed = type(playbook).model_validate(raw)
    story = Story()
    story.phase("beheben", 25)
    (prompt,) = fired(story.state(), renamed, at(30), "permanent_fix")
    assert prompt.detail.startswith("in Beheben since 14:55")
    story.resolve(40)
    assert not fired(story.state(), renamed, at(45), "permanent_fix")
