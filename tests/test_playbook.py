"""The playbook: the shipped file loads, a team's file replaces it, a malformed one is refused
with a message naming the file and the field."""

from __future__ import annotations

import pytest

from warroom.cli import main
from warroom.core import playbook as playbook_module
from warroom.core import rules
from warroom.core.errors import PlaybookError
from warroom.core.locations import user_playbook

SHIPPED_TEXT = playbook_module.SHIPPED.read_text(encoding="utf-8")


def write(tmp_path, text: str, name: str = "team.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edited(old: str, new: str) -> str:
    assert SHIPPED_TEXT.count(old) == 1, old
    return SHIPPED_TEXT.replace(old, new)


def test_the_shipped_playbook_loads():
    book = playbook_module.load()
    assert book.source == str(playbook_module.SHIPPED)
    assert book.phase_keys == ["assess", "contain", "mitigate", "diagnose", "fix", "postmortem"]
    assert [p.mode for p in book.phases] == ["speed"] * 3 + ["thoroughness"] * 3
    assert [p.timebox_minutes for p in book.phases[:3]] == [5, 15, 30]
    assert [s.level for s in book.severities] == [1, 2, 3, 4]
    # The Assess items are the methodology's first five minutes (listed once, as items).
    assert [i.text for i in book.phase("assess").items] == [
        "What's broken?",
        "What changed recently?",
        "Can we roll back?",
        "Who needs to know?",
        "What's our mitigation?",
    ]
    assert book.containment_for("bad_deploy").action == "Rollback to previous version"
    assert {f.rule for f in book.red_flags} <= set(rules.RULES)
    assert book.red_flag("rollback_first").phases == ["assess", "contain"]
    assert book.thresholds.snooze_minutes == [15, 30, 60]
    assert book.phase("fix").items[-1].requires == "no_temp_fixes"


def test_a_custom_file_replaces_the_shipped_one(tmp_path):
    text = edited("recent_change_minutes = 60", "recent_change_minutes = 20").replace(
        'name = "Incident Response"', 'name = "Payments on-call"'
    )
    book = playbook_module.load(write(tmp_path, text))
    assert book.name == "Payments on-call"
    assert book.thresholds.recent_change_minutes == 20
    assert book.source == str(tmp_path / "team.toml")


def test_a_playbook_in_the_config_folder_is_found(tmp_path):
    # conftest points WARROOM_CONFIG_DIR at tmp_path / "config".
    assert user_playbook() is None
    (tmp_path / "config").mkdir()
    path = write(tmp_path / "config", edited("commander_shift_hours = 8", "commander_shift_hours = 4"), "playbook.toml")
    assert user_playbook() == path
    assert playbook_module.load(user_playbook()).thresholds.commander_shift_hours == 4


def test_red_flag_phases_are_optional(tmp_path):
    text = edited('phases = ["fix", "postmortem"]\n', "")
    assert playbook_module.load(write(tmp_path, text)).red_flag("temp_fixes_left").phases == []


@pytest.mark.parametrize(
    "old, new, expected",
    [
        # bad TOML
        ('name = "Incident Response"', 'name = "Incident Response', r"is not valid TOML"),
        # a missing field
        (
            'rollback_rule = "Recent deploy + New symptoms = ROLLBACK FIRST, ASK QUESTIONS LATER"\n',
            "",
            r"field rollback_rule: Field required",
        ),
        # a wrong type
        ("recent_change_minutes = 60", 'recent_change_minutes = "soon"', r"field thresholds\.recent_change_minutes:"),
        # a missing field deep inside
        ('reality = "Small issues cascade"\n', "", r"field red_flags\.4\.reality: Field required"),
        # a speed phase without a time box
        ("timebox_minutes = 15\n", "", r"field phases\.1: .*speed phase 'contain' needs timebox_minutes"),
        # an unknown field (a typo stays visible instead of being ignored)
        ("snooze_minutes = [15, 30, 60]", "snooze_minutes = [15, 30, 60]\nsnoze = 5", r"field thresholds\.snoze:"),
        # a rule rules.py does not have
        (
            'rule = "speed_phase_overrun"',
            'rule = "one_more_minute"',
            r"field red_flags\.3\.rule: unknown rule 'one_more_minute'",
        ),
        # a phase the playbook does not have
        (
            'phases = ["assess", "contain"]',
            'phases = ["assess", "triage"]',
            r"field red_flags\.0\.phases\.1: unknown phase 'triage'",
        ),
    ],
)
def test_a_malformed_file_is_refused_naming_the_file_and_the_field(tmp_path, old, new, expected):
    path = write(tmp_path, edited(old, new))
    with pytest.raises(PlaybookError, match=expected) as caught:
        playbook_module.load(path)
    assert str(caught.value).startswith(f"playbook {path}")


def test_an_unreadable_file_is_refused(tmp_path):
    with pytest.raises(PlaybookError, match=r"cannot read playbook .*missing\.toml"):
        playbook_module.load(tmp_path / "missing.toml")
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "Caf\xe9"'.encode("latin-1"))
    with pytest.raises(PlaybookError, match=r"latin1\.toml is not UTF-8"):
        playbook_module.load(path)


def test_the_cli_refuses_a_bad_playbook_in_one_line(tmp_path, capsys):
    path = write(tmp_path, edited('rule = "speed_phase_overrun"', 'rule = "one_more_minute"'))
    code = main(["--db", str(tmp_path / "war.db"), "--playbook", str(path), "declare", "Checkout down"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("warroom: playbook ") and "red_flags.3.rule" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "war.db").exists()  # refused before anything was written


# ----- the cache of validated playbooks (start-up skips pydantic's validation) ---------------


def cached_files() -> list:
    from warroom.core.locations import data_dir

    return sorted((data_dir() / "cache").glob("playbook-*.pickle"))


def _validations(monkeypatch) -> list[str]:
    """Every real validation from now on, by the file it validated."""
    seen: list[str] = []
    real = playbook_module._validated

    def counted(path, data):
        seen.append(str(path))
        return real(path, data)

    monkeypatch.setattr(playbook_module, "_validated", counted)
    return seen


def test_a_validated_playbook_is_cached_privately_and_loads_again_without_validating(monkeypatch):
    seen = _validations(monkeypatch)
    first = playbook_module.load()
    [cache] = cached_files()
    assert seen == [str(playbook_module.SHIPPED)]
    assert cache.stat().st_mode & 0o777 == 0o600
    second = playbook_module.load()
    assert seen == [str(playbook_module.SHIPPED)]  # the second came from the cache
    assert second.model_dump() == first.model_dump()
    assert second.source == str(playbook_module.SHIPPED)
    # What validation sets beside the fields travels too: an answered item's non-answers.
    answered = [
        i.done_when for p in second.phases for i in p.items if isinstance(i.done_when, playbook_module.Answered)
    ]
    assert answered and all(a.non_answers == tuple(second.non_answers) for a in answered)
    assert all(a.asked is not None and a.asked.key == a.triage for a in answered)
    assert second.phase_key("contain") == "contain"


def test_a_team_file_edited_after_it_was_cached_is_validated_again(tmp_path, monkeypatch):
    path = write(tmp_path, edited("recent_change_minutes = 60", "recent_change_minutes = 20"))
    assert playbook_module.load(path).thresholds.recent_change_minutes == 20
    seen = _validations(monkeypatch)
    assert playbook_module.load(path).thresholds.recent_change_minutes == 20
    assert seen == []
    write(tmp_path, edited("recent_change_minutes = 60", "recent_change_minutes = 0"))
    with pytest.raises(PlaybookError) as caught:
        playbook_module.load(path)
    assert str(caught.value).startswith(f"playbook {path}: field thresholds.recent_change_minutes:")
    assert "\n" not in str(caught.value)
    write(tmp_path, edited("recent_change_minutes = 60", "recent_change_minutes = 30"))
    assert playbook_module.load(path).thresholds.recent_change_minutes == 30
    assert seen == [str(path), str(path)]


def test_the_same_bytes_at_another_path_are_their_own_entry(tmp_path, monkeypatch):
    one, two = write(tmp_path, SHIPPED_TEXT, "one.toml"), write(tmp_path, SHIPPED_TEXT, "two.toml")
    playbook_module.load(one)
    seen = _validations(monkeypatch)
    assert playbook_module.load(two).source == str(two)  # the source names the file in messages
    assert seen == [str(two)]


@pytest.mark.parametrize("spoil", ["torn", "group-writable", "another key"])
def test_a_cache_file_that_is_torn_or_not_ours_alone_is_not_read(spoil, monkeypatch):
    playbook_module.load()
    [cache] = cached_files()
    if spoil == "torn":
        cache.write_bytes(cache.read_bytes()[:200])
    elif spoil == "group-writable":
        cache.chmod(0o660)
    else:
        cache.write_bytes(b"0" * 64 + cache.read_bytes()[64:])
    seen = _validations(monkeypatch)
    assert playbook_module.load().phase_keys[0] == "assess"
    assert seen == [str(playbook_module.SHIPPED)]
    assert playbook_module.load().phase_keys[0] == "assess"  # written again, read again
    assert seen == [str(playbook_module.SHIPPED)]


def test_a_data_folder_that_cannot_be_written_only_costs_the_cache(tmp_path, monkeypatch):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    monkeypatch.setenv("WARROOM_DATA_DIR", str(blocked))
    seen = _validations(monkeypatch)
    assert playbook_module.load().phase_keys[0] == "assess"
    assert playbook_module.load().phase_keys[0] == "assess"
    assert seen == [str(playbook_module.SHIPPED)] * 2


def test_playbooks_used_side_by_side_are_cached_side_by_side_and_the_oldest_go(tmp_path, monkeypatch):
    monkeypatch.setattr(playbook_module, "CACHE_KEPT", 3)
    paths = [write(tmp_path, SHIPPED_TEXT, f"team-{n}.toml") for n in range(2)]
    for path in paths:
        playbook_module.load(path)
    seen = _validations(monkeypatch)
    for path in paths * 2:  # alternating: each stays cached
        assert playbook_module.load(path).source == str(path)
    assert seen == [] and len(cached_files()) == 2
    more = [write(tmp_path, SHIPPED_TEXT, f"more-{n}.toml") for n in range(3)]
    for path in more:
        playbook_module.load(path)
    assert len(cached_files()) == 3  # the two first written went
    playbook_module.load(more[-1])
    assert seen == [str(path) for path in more]


def test_an_unknown_key_is_refused_in_the_words_a_toml_writer_knows(tmp_path):
    path = write(tmp_path, edited("snooze_minutes = [15, 30, 60]", "snooze_minutes = [15, 30, 60]\nsnoze = 5"))
    with pytest.raises(PlaybookError) as caught:
        playbook_module.load(path)
    assert str(caught.value) == f"playbook {path}: field thresholds.snoze: Extra inputs are not permitted"


def test_a_misspelt_key_is_named_before_the_field_it_leaves_missing(tmp_path):
    path = write(tmp_path, edited('name = "Assess"', 'nmae = "Assess"'))
    with pytest.raises(PlaybookError) as caught:
        playbook_module.load(path)
    assert str(caught.value) == (
        f"playbook {path}: field phases.0.nmae: Extra inputs are not permitted (and 1 more problems)"
    )
