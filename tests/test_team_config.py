"""Where the team server URL comes from, and that no message ever shows its password."""

from __future__ import annotations

import os
import stat

import pytest

from warroom.team import config
from warroom.team.engine import Status


def test_flag_beats_environment_beats_config_file(monkeypatch):
    path = config.config_file()
    path.parent.mkdir(parents=True)
    path.write_text('theme = "dark"\nserver = "postgresql://from-file/db"\n')
    assert config.server_url() == "postgresql://from-file/db"
    monkeypatch.setenv("WARROOM_SERVER", "postgresql://from-env/db")
    assert config.server_url() == "postgresql://from-env/db"
    assert config.server_url("postgresql://from-flag/db") == "postgresql://from-flag/db"


def test_no_server_anywhere_is_none_and_a_bad_config_file_is_one_line(monkeypatch):
    monkeypatch.delenv("WARROOM_SERVER", raising=False)
    assert config.server_url() is None
    path = config.config_file()
    path.parent.mkdir(parents=True)
    path.write_text('server = "postgresql://u:hunter2@h/db\n')  # unterminated string
    with pytest.raises(config.ConfigError) as caught:
        config.server_url()
    assert "not valid TOML" in str(caught.value) and "hunter2" not in str(caught.value)
    path.write_text("server = 5\n")
    with pytest.raises(config.ConfigError, match="must be a string"):
        config.server_url()


def test_remember_server_writes_a_private_file_keeping_other_settings_and_refuses_a_password():
    path = config.config_file()
    path.parent.mkdir(parents=True)
    path.write_text('theme = "dark"\nserver = "postgresql://old/db"\n')
    os.chmod(path, 0o644)
    config.remember_server('postgresql://ops@db.example/warroom?sslmode=verify-full&application_name="x"')
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.server_url() == 'postgresql://ops@db.example/warroom?sslmode=verify-full&application_name="x"'
    assert 'theme = "dark"' in path.read_text()
    for with_password in ("postgresql://ops:pw@db/warroom", "host=db password=pw dbname=warroom"):
        with pytest.raises(config.ConfigError, match="pgpass"):
            config.remember_server(with_password)
    assert "pw@" not in path.read_text()


@pytest.mark.parametrize(
    ("url", "password"),
    [
        ("postgresql://ops:s3cr%40t%2Fx@db.example:5432/warroom", "s3cr@t/x"),
        ("postgres://ops:plain-pw@db.example/warroom?sslmode=require", "plain-pw"),
        ("postgresql://ops@db.example/warroom?password=q-pw&sslmode=require", "q-pw"),
        ("host=db.example user=ops password=kv-pw dbname=warroom", "kv-pw"),
        ("host=db.example user=ops password='quoted pw' dbname=warroom", "quoted pw"),
    ],
)
def test_redact_masks_the_password_in_every_spelling(url, password):
    from urllib.parse import quote

    message = f"cannot reach {url}: the server said {password!s} and {quote(password, safe='')}"
    shown = config.redact(message, url)
    assert password not in shown
    assert quote(password, safe="") not in shown
    assert "db.example" in shown  # the rest stays readable


def test_redact_masks_pgpassword_from_the_environment(monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "env-secret-1")
    assert "env-secret-1" not in config.redact("login as ops with env-secret-1 failed", "postgresql://ops@db/x")


def test_status_lines_the_header_shows():
    from datetime import datetime

    assert Status(state="live").line() == "team: live"
    since = datetime(2026, 3, 10, 14, 32).astimezone()
    assert Status(state="offline", offline_since=since, pending=12).line() == "team: offline since 14:32, 12 to send"
    assert Status(state="error", error="the team server x refused: no").line() == "team: the team server x refused: no"


def test_pulled_rows_are_applied_in_transactions_fitted_to_a_short_hold():
    from warroom.team import engine as eng

    e = eng.SyncEngine("unused.db", "postgresql://u@h/db")
    e._fit_chunk(100, 0.4)  # 4 ms a row: 40 ms holds 10 rows, but never fewer than the floor
    assert e._chunk == eng.APPLY_MIN
    e._fit_chunk(100, 0.02)  # 0.2 ms a row: 200 rows in 40 ms
    assert e._chunk == int(eng.APPLY_TARGET_SECONDS / 0.0002)
    e._fit_chunk(100, 0.0)  # instant: capped
    assert e._chunk == eng.APPLY_MAX
