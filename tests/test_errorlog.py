"""No silent failure: an unexpected error is logged with its traceback in the data folder's
warroom.log (0600 in a 0700 folder, rotated), and the user reads one line naming it."""

from __future__ import annotations

import os
import stat

import pytest

from warroom.core import errorlog
from warroom.core.errors import DatabaseError
from warroom.core.locations import data_dir


def _raise(exc: Exception) -> Exception:
    try:
        raise exc
    except Exception as caught:
        return caught


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_an_unexpected_error_is_logged_with_its_traceback_and_named_in_one_line():
    exc = _raise(ZeroDivisionError("division by zero"))
    line = errorlog.report(exc, "red-flag rule rollback_first")
    log = data_dir() / "warroom.log"
    assert line == f"red-flag rule rollback_first failed (ZeroDivisionError: division by zero): see {log}"
    assert "\n" not in line
    text = log.read_text()
    assert "red-flag rule rollback_first failed" in text
    assert "Traceback (most recent call last)" in text and "_raise" in text and "ZeroDivisionError" in text


def test_the_log_is_private_in_a_private_folder():
    errorlog.report(_raise(RuntimeError("boom")), "reading the incident")
    log = data_dir() / "warroom.log"
    assert mode(log) == 0o600
    assert mode(data_dir()) == 0o700


def test_the_home_folder_is_shown_as_a_tilde(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("WARROOM_DATA_DIR", str(tmp_path / ".local" / "share" / "warroom"))
    line = errorlog.report(_raise(RuntimeError("boom")), "saving")
    assert line.endswith("see ~/.local/share/warroom/warroom.log")


def test_an_expected_error_is_its_own_line_and_not_logged():
    line = errorlog.report(_raise(DatabaseError("database is locked")), "saving")
    assert line == "database is locked"
    assert not (data_dir() / "warroom.log").exists()


def test_the_log_rotates_and_every_file_stays_private(monkeypatch):
    monkeypatch.setattr(errorlog, "MAX_BYTES", 2_000)
    errorlog.close()  # opened again with the small size
    for n in range(20):
        errorlog.report(_raise(RuntimeError(f"failure {n} " + "x" * 200)), "the test")
    logs = sorted(p.name for p in data_dir().iterdir())
    assert logs == ["warroom.log", "warroom.log.1", "warroom.log.2", "warroom.log.3"]  # three kept
    assert all(mode(data_dir() / name) == 0o600 for name in logs)
    assert "failure 19" in (data_dir() / "warroom.log").read_text()


def test_a_log_that_cannot_be_written_still_gives_one_line(monkeypatch, tmp_path):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    monkeypatch.setenv("WARROOM_DATA_DIR", str(blocked))
    line = errorlog.report(_raise(RuntimeError("boom")), "saving")
    assert line.startswith("saving failed (RuntimeError: boom); the log") and "could not be written" in line


def test_a_long_message_is_cut_in_the_line_but_whole_in_the_log():
    exc = _raise(ValueError("a" * 500))
    line = errorlog.report(exc, "rendering")
    assert len(line) < 300 and "…" in line
    assert "a" * 500 in (data_dir() / "warroom.log").read_text()


def test_the_cli_names_the_log_for_an_unexpected_error(cli, monkeypatch):
    from warroom.core.store import Store

    async def broken(self, *args, **kwargs):
        raise RuntimeError("the store tripped")

    cli("declare", "Checkout down", "--sev", "2")
    monkeypatch.setattr(Store, "incidents", broken)
    result = cli("list")
    assert result.code == 1
    assert "failed (RuntimeError: the store tripped): see" in result.err and "warroom.log" in result.err
    assert "Traceback" in (data_dir() / "warroom.log").read_text()


@pytest.fixture(autouse=True)
def _log_closed_after():
    yield
    errorlog.close()


@pytest.mark.tui
async def test_a_rule_that_raises_is_named_in_the_pane_and_the_others_still_show(demo_db, playbook, monkeypatch):
    from pilot import app_for, open_war_room, settle

    from warroom.core import redflags, rules
    from warroom.tui.widgets.red_flags import RedFlags

    def broken(state, playbook, now):
        raise ZeroDivisionError("division by zero")

    def firing(state, playbook, now):
        return redflags.Hit(detail="fires in the test", fingerprint="test")

    monkeypatch.setitem(rules.RULES, "status_update_overdue", broken)
    monkeypatch.setitem(rules.RULES, "commander_needs_handoff", firing)
    app = app_for(demo_db, playbook)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_war_room(pilot)
        pane = screen.query_one(RedFlags)
        for _ in range(20):  # the state's first read evaluates the rules
            if pane.prompts:
                break
            await settle(pilot)
        assert [p.flag_id for p in pane.prompts] == ["hand_off"]
        shown = [pane.get_option_at_index(i).prompt for i in range(pane.option_count)]
        lines = [line.plain for line in shown if hasattr(line, "plain")]
        log = data_dir() / "warroom.log"
        assert f"⚠ red-flag rule update_due failed (ZeroDivisionError: division by zero): see {log}" in lines
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and "in broken" in text
