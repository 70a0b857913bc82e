"""Action-item and blameless-language checks: phrases that must be flagged and must not."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from warroom.core import review
from warroom.core.errors import PlaybookError
from warroom.core.models import ActionItem
from warroom.core.review import blame_findings, check_action_item, parse_due

TODAY = date(2026, 3, 10)
NAMES = ["dana", "sam", "alex"]


def item(action="Add alert for checkout-api error rate > 5%", owner="Sam", due="2026-03-20", status="Open"):
    return ActionItem(
        id="a1",
        incident_id="INC-1",
        action=action,
        owner=owner,
        due=due,
        status=status,
        created_at=datetime(2026, 3, 10, tzinfo=UTC),
    )


# ----- action items -------------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    [
        "Add integration test for checkout flow",
        "Add alert for error rate > 5%",
        "Document rollback procedure",
        "Block deploys when the payment client's integration tests fail",
    ],
)
def test_good_items_pass(action):
    assert check_action_item(item(action), TODAY) == []


@pytest.mark.parametrize(
    ("action", "word"),
    [
        ("Improve monitoring", "not specific"),
        ("Improve monitoring of the checkout service", "not specific"),
        ("Be more careful when deploying", "not actionable"),
        ("Everyone should double-check config changes", "not actionable"),
        ("Investigate the gateway timeouts", "investigation"),
        ("Look into flaky payment tests", "investigation"),
    ],
)
def test_vague_items_flagged(action, word):
    problems = check_action_item(item(action), TODAY)
    assert any(word in p for p in problems), problems


def test_too_short_flagged():
    assert any("too short" in p for p in check_action_item(item("Fix it"), TODAY))


def test_missing_owner_and_due():
    problems = check_action_item(item(owner=" ", due=""), TODAY)
    assert any(p.startswith("no owner") for p in problems)
    assert any(p.startswith("no due date") for p in problems)


@pytest.mark.parametrize("owner", ["team", "The  Team", "TBD", "everyone"])
def test_an_owner_that_names_no_one_person_is_flagged(owner):
    problems = check_action_item(item(owner=owner), TODAY)
    assert problems == [f"owner “{' '.join(owner.split())}” is not one person: name one person responsible"]
    assert check_action_item(item(owner="Team Lead Dana"), TODAY) == []  # a person whose title says team


def test_unparseable_due():
    problems = check_action_item(item(due="soon"), TODAY)
    assert problems == ["due date “soon” is not a date: use YYYY-MM-DD"]


def test_past_due_only_while_open():
    assert check_action_item(item(due="2026-03-01"), TODAY) == ["past due since 2026-03-01 and still Open"]
    assert check_action_item(item(due="2026-03-01", status="Done"), TODAY) == []
    assert check_action_item(item(due="2026-03-10"), TODAY) == []  # due today is not late


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-15", date(2026, 3, 15)),
        ("2026/3/15", date(2026, 3, 15)),
        ("3/15", date(2026, 3, 15)),
        ("3/15/2027", date(2027, 3, 15)),
        ("Mar 15", date(2026, 3, 15)),
        ("15 March 2026", date(2026, 3, 15)),
        ("March 15, 2026", date(2026, 3, 15)),
        ("1/5", date(2026, 1, 5)),  # two months ago: still this year
        ("2/30", None),
        ("13/1", None),
        ("next week", None),
    ],
)
def test_parse_due(text, expected):
    assert parse_due(text, TODAY) == expected


def test_yearless_date_long_past_means_next_year():
    assert parse_due("1/5", date(2026, 12, 20)) == date(2027, 1, 5)


# ----- blameless language ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("John deployed buggy code.", "John"),
        ("Sarah didn't check before deploying", "Sarah"),
        ("Sarah didn’t check before deploying.", "Sarah"),
        ("It was Alex's fault.", "Alex"),
        ("The outage was caused by dana.", "dana"),
        ("sam forgot to update the status page.", "sam"),
        ("He should have rolled back first.", "He"),
        ("The engineer simply forgot.", "The engineer"),
        ("Priya failed to page the database team.", "Priya"),
        ("Alex made a mistake in the config.", "Alex"),
        ("Then Marcus broke the payment flow.", "Marcus"),
        ("Bob carelessly deployed without testing.", "Bob"),  # a walker's, missed before
        ("Kim merged without review.", "Kim"),
    ],
)
def test_blame_flagged(text, person):
    (finding,) = blame_findings(text, NAMES)
    assert finding.person == person
    assert finding.suggestion
    assert text[finding.start : finding.end] == finding.sentence


@pytest.mark.parametrize(
    "text",
    [
        "The deploy pipeline didn't run tests.",
        "Code review didn't catch the bug; deploy pipeline lacked tests.",
        "Pre-deploy checklist wasn't enforced automatically.",
        "Monitoring didn't catch it for six minutes.",
        "Kubernetes failed to schedule the new pods.",
        "Sam noticed the pipeline didn't run tests.",
        "We should have rolled back sooner.",
        "Alerting failed to fire because of the missing threshold.",
        "The alert paged dana within a minute.",
        "",
    ],
)
def test_not_blame(text):
    assert blame_findings(text, NAMES) == []


def test_tools_among_the_authors_are_not_people():
    authors = [*NAMES, "alertmanager", "deploy-bot", "grafana"]
    assert blame_findings("Alertmanager didn't fire for six minutes.", authors) == []
    assert blame_findings("deploy-bot failed to roll back.", authors) == []
    assert [f.person for f in blame_findings("alex forgot to roll back.", authors)] == ["alex"]


def test_methodology_examples_get_its_rewording():
    (deploy,) = blame_findings("John deployed buggy code", [])
    assert deploy.suggestion == "Code review didn't catch the bug; deploy pipeline lacked tests"
    (check,) = blame_findings("Sarah didn't check before deploying", [])
    assert check.suggestion == "Pre-deploy checklist wasn't enforced automatically"
    assert "Sarah" in check.message() and check.suggestion in check.message()


def test_one_finding_per_sentence_with_offsets():
    text = "Checkout failed at 14:32. John deployed buggy code and forgot the flag. Rollback fixed it."
    (finding,) = blame_findings(text, [])
    assert finding.sentence == "John deployed buggy code and forgot the flag."
    assert text[finding.start : finding.end] == finding.sentence


def test_several_sentences_flagged():
    text = "Sarah didn't check before deploying.\nIt was Alex's fault."
    assert [f.person for f in blame_findings(text, [])] == ["Sarah", "Alex"]


def test_lists_are_data(tmp_path):
    custom = tmp_path / "review.toml"
    custom.write_text(
        """
[action_items]
min_words = 1
closed_statuses = ["done"]
[[action_items.vague]]
why = "banned"
advice = "no"
phrases = ["synergy"]
[blame]
person_words = []
adverbs = []
not_names = []
[[blame.rules]]
after = ["goofed"]
suggestion = "Describe the system"
""",
        encoding="utf-8",
    )
    rules = review.load_rules(custom)
    assert check_action_item(item("More synergy"), TODAY, rules)[0].startswith("banned")
    assert check_action_item(item("Improve monitoring"), TODAY, rules) == []
    assert blame_findings("Bob goofed.", [], rules)[0].suggestion == "Describe the system"
    assert blame_findings("Bob deployed buggy code.", [], rules) == []


# ----- the file: a team's override, validated ------------------------------------------


def test_the_shipped_word_lists_are_used_without_a_team_file():
    assert review.review_file() == review.SHIPPED
    assert review.load_rules().min_words == 3


def test_a_team_review_file_in_the_config_folder_is_used(tmp_path):
    # conftest points WARROOM_CONFIG_DIR at tmp_path / "config".
    (tmp_path / "config").mkdir()
    team = tmp_path / "config" / "review.toml"
    team.write_text(
        review.SHIPPED.read_text(encoding="utf-8").replace('"improve monitoring", ', '"synergy", '),
        encoding="utf-8",
    )
    assert review.review_file() == team
    assert check_action_item(item("Add synergy to the checkout flow"), TODAY)[0].startswith("not specific")
    assert check_action_item(item("Improve monitoring of checkout"), TODAY) == []
    # An edit to the team's file is seen on the next check.
    team.write_text(review.SHIPPED.read_text(encoding="utf-8").replace("min_words = 3", "min_words = 9"))
    assert any("at least 9 words" in p for p in check_action_item(item("Add alert on error rate"), TODAY))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("min_words = 3", 'min_words = "three"', r"field action_items\.min_words: Input should be a valid integer"),
        ("min_words = 3", "min_words = -1", r"field action_items\.min_words: Input should be greater than"),
        (
            'suggestion = "Pre-deploy checklist wasn\'t enforced automatically"',
            "",
            r"field blame\.rules\.1\.suggestion",
        ),
        (
            'phrases = ["investigate"',
            'phrases = ["  ", "investigate"',
            r"field action_items\.vague\.2\.phrases: .*no letters",
        ),
        ("[blame]", "[blame]\nperson_wrds = []", r"field blame\.person_wrds: Extra inputs"),
        ("[blame]", "[blaim]", r"field (blame: Field required|blaim: Extra inputs)"),
        ("min_words = 3", "min_words = 3 3", r"are not valid TOML"),
    ],
)
def test_a_malformed_review_file_is_refused_naming_the_file_and_the_field(tmp_path, old, new, expected):
    (tmp_path / "config").mkdir()
    team = tmp_path / "config" / "review.toml"
    source = review.SHIPPED.read_text(encoding="utf-8")
    assert source.count(old) == 1, old
    team.write_text(source.replace(old, new), encoding="utf-8")
    with pytest.raises(PlaybookError, match=expected) as caught:
        check_action_item(item(), TODAY)
    message = str(caught.value)
    assert str(team) in message and "\n" not in message
