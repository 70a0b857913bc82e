"""The peers row's pieces: the first-screen timer on a real pseudo-terminal, and no row (no
failure) where no peer is installed, as on CI."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmarks import peers


def test_the_needle_is_found_through_colours_and_cursor_moves():
    program = "import sys; sys.stdout.write('\\x1b[2J\\x1b[1;1Hrequest \\x1b[1;33m19999\\x1b[0m served'); sys.stdout.flush(); input()"
    took = peers.drawn_after([sys.executable, "-c", program], "request 19999 served", {})
    assert 0 < took < peers.TIMEOUT


def test_a_program_that_ends_without_drawing_it_is_named():
    with pytest.raises(peers.PeerFailed, match="ended before drawing 'never'.*boom"):
        peers.drawn_after([sys.executable, "-c", "print('boom')"], "never", {})


def test_no_peer_installed_no_row(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # neither tl nor harlequin
    assert peers.installed() == {}
    assert peers.peers_row(None, tmp_path, 1, {}) is None  # type: ignore[arg-type]


def test_the_log_ends_with_what_toolong_shows_first(tmp_path):
    needle = peers.write_log(tmp_path / "app.log", lines=50)
    assert needle in Path(tmp_path / "app.log").read_text().splitlines()[-1]
