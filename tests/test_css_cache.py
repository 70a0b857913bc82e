"""Textual's parsed style sheets kept between runs (warroom/tui/css_cache.py): a second run
parses none of them and draws the same screen; another theme's variables, a torn file, or
CSS with errors are never taken from it."""

from __future__ import annotations

import os

import pytest
from pilot import app_for, open_war_room, settle
from textual.css.stylesheet import Stylesheet

from warroom.tui import css_cache

pytestmark = pytest.mark.tui
SIZE = (140, 45)


@pytest.fixture
def parses(monkeypatch):
    """Every source Textual's own parser is asked for, by where it came from."""
    asked: list[object] = []
    real = css_cache._parse_rules

    def counted(self, css, read_from, *args, **kwargs):
        asked.append(read_from)
        return real(self, css, read_from, *args, **kwargs)

    monkeypatch.setattr(css_cache, "_parse_rules", counted)
    yield asked
    css_cache.save()  # a failed test leaves Textual's own parser in place


async def war_room_screenshot(demo_db, playbook) -> str:
    app = app_for(demo_db, playbook)
    async with app.run_test(size=SIZE) as pilot:
        await open_war_room(pilot)
        await settle(pilot)
        return app.export_screenshot()


async def test_a_second_run_parses_no_style_sheet_and_draws_the_same_screen(demo_db, playbook, tmp_path, parses):
    path = tmp_path / "cache" / "textual-css.pickle"
    css_cache.install(path)
    first = await war_room_screenshot(demo_db, playbook)
    assert css_cache.save() and path.stat().st_mode & 0o777 == 0o600
    parsed_first = list(parses)
    assert any(str(where[0]).endswith("warroom.tcss") for where in parsed_first)  # type: ignore[index]

    parses.clear()
    css_cache.install(path)
    second = await war_room_screenshot(demo_db, playbook)
    assert parses == []  # every rule from the file
    assert not css_cache.save()  # nothing new: the file is left as it is
    assert second == first


async def test_a_torn_cache_file_is_parsed_again_and_written_whole(demo_db, playbook, tmp_path, parses):
    path = tmp_path / "textual-css.pickle"
    path.write_bytes(css_cache.HEADER + b"\n" + b"\x80\x05torn")
    path.chmod(0o600)
    css_cache.install(path)
    await war_room_screenshot(demo_db, playbook)
    assert parses and css_cache.save()
    assert len(css_cache.ParsedCss(path).rules) >= 20


def test_rules_parsed_under_another_theme_are_not_taken():
    parsed = css_cache.ParsedCss.__new__(css_cache.ParsedCss)
    parsed.variables, parsed.rules, parsed.used, parsed._same = {"accent": "red"}, {("a",): []}, {}, None
    assert parsed.matches({"accent": "blue"})  # this run's theme from the start: the file's rules go
    assert parsed.variables == {"accent": "blue"} and parsed.rules == {}
    parsed.used[("b",)] = []
    assert not parsed.matches({"accent": "green"})  # changed while running: Textual parses, nothing kept
    assert parsed.matches({"accent": "blue"})


def test_css_with_errors_is_never_kept(tmp_path):
    css_cache.install(tmp_path / "textual-css.pickle")
    try:
        sheet = Stylesheet(variables={})
        rules = sheet._parse_rules("Foo { colour: red; }", ("", "bad"))
        assert any(rule.errors for rule in rules)
        assert css_cache._parsed is not None and css_cache._parsed.used == {}
    finally:
        assert not css_cache.save()
    assert Stylesheet._parse_rules is css_cache._parse_rules  # Textual's own again


def test_saving_keeps_other_screens_rules_and_only_the_newest_text_of_a_source(tmp_path):
    from warroom.core import cachefile

    path = tmp_path / "textual-css.pickle"
    war, dialog = tmp_path / "war.tcss", tmp_path / "dialog.tcss"
    war.write_text("")
    dialog.write_text("")
    variables = {"accent": "red"}
    old = {
        ("A {}", (str(war), ""), False, 0, ""): ["old war"],
        ("B {}", (str(dialog), ""), False, 0, ""): ["dialog"],
    }
    assert cachefile.write(path, css_cache.HEADER, (variables, old))
    parsed = css_cache.ParsedCss(path)
    assert parsed.matches(variables)
    parsed.used[("A2 {}", (str(war), ""), False, 0, "")] = ["new war"]  # the war room's sheet, edited
    assert parsed.save()
    kept = css_cache.ParsedCss(path).rules
    assert sorted(kept.values()) == [["dialog"], ["new war"]]


def test_saving_drops_rules_of_sources_that_are_gone(tmp_path):
    """Keys name their source's path: a removed checkout's or virtualenv's rules are not kept."""
    from warroom.core import cachefile

    path, there = tmp_path / "textual-css.pickle", tmp_path / "there.py"
    there.write_text("")
    variables = {"accent": "red"}
    held = {
        ("A {}", (str(there), "A.DEFAULT_CSS"), True, 0, ""): ["kept"],
        ("B {}", (str(tmp_path / "gone.py"), "B.DEFAULT_CSS"), True, 0, ""): ["gone"],
    }
    assert cachefile.write(path, css_cache.HEADER, (variables, held))
    parsed = css_cache.ParsedCss(path)
    assert parsed.matches(variables)
    parsed.used[("C {}", ("app.tcss", ""), False, 0, "")] = ["new"]
    assert parsed.save()
    assert sorted(css_cache.ParsedCss(path).rules.values()) == [["kept"], ["new"]]


def test_a_cache_file_is_never_written_through_a_link_planted_at_its_scratch_name(tmp_path):
    import os

    from warroom.core import cachefile

    target, victim = tmp_path / "textual-css.pickle", tmp_path / "victim"
    victim.write_text("precious")
    (tmp_path / f".{target.name}.{os.getpid()}").symlink_to(victim)
    assert not cachefile.write(target, b"header", {"a": 1})
    assert victim.read_text() == "precious" and not target.exists()


def test_textuals_version_is_read_from_its_folder_as_importlib_metadata_says():
    from importlib.metadata import version

    assert css_cache.textual_version() == version("textual")


def test_textuals_version_asks_importlib_metadata_when_its_folder_is_not_plain(monkeypatch):
    from importlib.metadata import version

    real = os.listdir
    stale = lambda path: [*real(path), "textual-0.1.0.dist-info"]  # noqa: E731 (a leftover install)
    monkeypatch.setattr(css_cache.os, "listdir", stale)
    assert css_cache.textual_version() == version("textual")
