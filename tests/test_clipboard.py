"""The copy chain with each path failing in turn (pyperclip and subprocess mocked)."""

from __future__ import annotations

import stat
import subprocess
from datetime import UTC, datetime

import pyperclip
import pytest

from warroom.core import clipboard
from warroom.core.clipboard import SYSTEM, TERMINAL, TMUX, copy_chain

AT = datetime(2026, 3, 10, 14, 55, 0, tzinfo=UTC)
TEXT = "## Incident Update #2 - 14:55\n\n**Status**: Monitoring\n"


class FakeRun:
    def __init__(self, returncode=0, stderr=b"", raises=None):
        self.returncode, self.stderr, self.raises = returncode, stderr, raises
        self.calls = []

    def __call__(self, args, **kwargs):
        self.calls.append((args, kwargs))
        if self.raises is not None:
            raise self.raises
        return subprocess.CompletedProcess(args, self.returncode, b"", self.stderr)


def _pyperclip(monkeypatch, copy):
    """determine_clipboard returns (copy, paste); copy=None means the no-clipboard stub."""
    if copy is None:
        copy_fn, paste_fn = pyperclip.init_no_clipboard()
    else:
        held = {"text": ""}  # a working clipboard: what was copied reads back

        def copy_fn(text):
            copy(text)
            held["text"] = text

        def paste_fn():
            return held["text"]

    monkeypatch.setattr(pyperclip, "determine_clipboard", lambda: (copy_fn, paste_fn))


@pytest.fixture
def fallback(tmp_path):
    return tmp_path / "data" / "clipboard"


def test_tmux_confirmed_no_file(monkeypatch, fallback):
    run = FakeRun(0)
    monkeypatch.setattr(clipboard.subprocess, "run", run)
    _pyperclip(monkeypatch, None)
    result = copy_chain(TEXT, name="INC-1-internal", fallback_dir=fallback, env={"TMUX": "/tmp/tmux-1/default,1,0"})
    ((args, kwargs),) = run.calls
    assert args == ["tmux", "load-buffer", "-w", "-"]
    assert kwargs["input"] == TEXT.encode("utf-8")
    assert kwargs["env"]["TMUX"] == "/tmp/tmux-1/default,1,0"  # tmux finds its server from it
    assert result.used == [TERMINAL, TMUX] and result.confirmed == [TMUX]
    assert result.file is None and not fallback.exists()
    assert result.message() == f"Copied to {TMUX}; also sent to {TERMINAL} (not confirmed)"


def test_tmux_not_run_outside_tmux(monkeypatch, fallback):
    run = FakeRun(0)
    monkeypatch.setattr(clipboard.subprocess, "run", run)
    copied = []
    _pyperclip(monkeypatch, copied.append)
    result = copy_chain(TEXT, fallback_dir=fallback, env={})
    assert run.calls == []
    assert copied == [TEXT]
    assert result.confirmed == [SYSTEM] and result.file is None


@pytest.mark.parametrize(
    "run", [FakeRun(1, b"no server running on /tmp/tmux-1/default"), FakeRun(raises=FileNotFoundError("tmux"))]
)
def test_tmux_failing_falls_to_pyperclip(monkeypatch, fallback, run):
    monkeypatch.setattr(clipboard.subprocess, "run", run)
    copied = []
    _pyperclip(monkeypatch, copied.append)
    result = copy_chain(TEXT, fallback_dir=fallback, env={"TMUX": "x"})
    assert copied == [TEXT]
    assert result.used == [TERMINAL, TMUX, SYSTEM] and result.confirmed == [SYSTEM]
    assert result.file is None
    assert any(e.startswith("tmux:") for e in result.errors)


def test_no_mechanism_means_pyperclip_not_used_and_file_written(monkeypatch, fallback):
    _pyperclip(monkeypatch, None)
    result = copy_chain(TEXT, name="INC-20260310-ab12-internal", fallback_dir=fallback, env={}, now=AT)
    assert result.used == [TERMINAL]  # pyperclip had nothing to try
    assert result.confirmed == []
    assert result.file == fallback / "INC-20260310-ab12-internal-20260310T145500.md"
    assert result.file.read_text(encoding="utf-8") == TEXT
    assert stat.S_IMODE(result.file.stat().st_mode) == 0o600
    assert stat.S_IMODE(fallback.stat().st_mode) == 0o700
    assert result.message() == f"Sent to {TERMINAL} (not confirmed); saved to {result.file}"


@pytest.mark.parametrize("error", [pyperclip.PyperclipException("xclip: cannot open display"), OSError(5, "EIO")])
def test_pyperclip_raising_falls_to_file(monkeypatch, fallback, error):
    def broken(text):
        raise error

    _pyperclip(monkeypatch, broken)
    result = copy_chain(TEXT, fallback_dir=fallback, env={}, now=AT)
    assert result.used == [TERMINAL, SYSTEM] and result.confirmed == []
    assert result.file is not None and result.file.read_text(encoding="utf-8") == TEXT
    assert "system clipboard" in result.errors[0]


def test_determine_clipboard_raising_is_no_mechanism(monkeypatch, fallback):
    def boom():
        raise pyperclip.PyperclipException("no display")

    monkeypatch.setattr(pyperclip, "determine_clipboard", boom)
    result = copy_chain(TEXT, fallback_dir=fallback, env={}, now=AT)
    assert result.used == [TERMINAL] and result.file is not None


def test_every_path_failing_in_tmux(monkeypatch, fallback):
    monkeypatch.setattr(clipboard.subprocess, "run", FakeRun(1))

    def broken(text):
        raise pyperclip.PyperclipException("nope")

    _pyperclip(monkeypatch, broken)
    result = copy_chain(TEXT, name="x", fallback_dir=fallback, env={"TMUX": "x"}, now=AT)
    assert result.used == [TERMINAL, TMUX, SYSTEM] and result.confirmed == []
    assert result.file is not None and result.ok
    message = result.message()
    assert TMUX in message and SYSTEM in message and str(result.file) in message
    assert "\n" not in message


def test_two_copies_in_one_second_keep_both(monkeypatch, fallback):
    _pyperclip(monkeypatch, None)
    first = copy_chain("one", name="n", fallback_dir=fallback, env={}, now=AT)
    second = copy_chain("two", name="n", fallback_dir=fallback, env={}, now=AT)
    assert first.file != second.file
    assert first.file.read_text() == "one" and second.file.read_text() == "two"


def test_unwritable_fallback_reports_instead_of_raising(monkeypatch, tmp_path):
    _pyperclip(monkeypatch, None)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = copy_chain(TEXT, fallback_dir=blocker / "clipboard", env={}, now=AT)
    assert result.file is None and not result.ok
    assert "could not be saved" in result.message()


def test_terminal_not_sent_is_not_reported(monkeypatch, fallback):
    _pyperclip(monkeypatch, None)
    result = copy_chain(TEXT, fallback_dir=fallback, terminal_sent=False, env={}, now=AT)
    assert TERMINAL not in result.used and TERMINAL not in result.message()


def test_fallback_name_is_safe():
    assert clipboard.fallback_name("INC-1/../x internal", AT) == "INC-1-..-x-internal-20260310T145500.md"


# ----- a real tmux on a private socket (SSH-like: no display, no xclip) ---------------------


@pytest.fixture
def tmux_server(tmp_path):
    import shutil

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    sock = tmp_path / "tmux.sock"
    base = ["tmux", "-S", str(sock), "-f", "/dev/null"]
    subprocess.run([*base, "new-session", "-d", "-s", "warroom-test", "sleep 60"], check=True, timeout=10)
    pid = subprocess.run([*base, "display", "-p", "#{pid}"], capture_output=True, text=True, check=True, timeout=10)
    try:
        yield base, {"TMUX": f"{sock},{pid.stdout.strip()},0"}
    finally:
        subprocess.run([*base, "kill-server"], capture_output=True, timeout=10)


def test_real_tmux_buffer_receives_the_text(monkeypatch, fallback, tmux_server):
    base, env = tmux_server
    _pyperclip(monkeypatch, None)  # no X display: pyperclip has no mechanism
    text = "## Incident Update #2 - 14:55\n\nÜnïcode → ok\n"
    result = copy_chain(text, name="INC-1-internal", fallback_dir=fallback, env=env, now=AT)
    assert result.confirmed == [TMUX] and result.file is None
    shown = subprocess.run([*base, "show-buffer"], capture_output=True, check=True, timeout=10)
    assert shown.stdout.decode("utf-8") == text


def test_real_tmux_without_a_server_falls_back_to_a_file(monkeypatch, fallback, tmp_path):
    import shutil

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    _pyperclip(monkeypatch, None)
    env = {"TMUX": f"{tmp_path / 'gone.sock'},1,0"}
    result = copy_chain(TEXT, name="INC-1-internal", fallback_dir=fallback, env=env, now=AT)
    assert result.confirmed == [] and result.file is not None
    assert result.file.read_text(encoding="utf-8") == TEXT
    assert any(e.startswith("tmux:") for e in result.errors)


def test_silent_xclip_without_display_is_not_trusted(monkeypatch, fallback):
    """xclip with no display returns without error and copies nothing: the file is written."""
    monkeypatch.setattr(pyperclip, "determine_clipboard", lambda: (lambda text: None, lambda: ""))
    result = copy_chain(TEXT, name="INC-1-status", fallback_dir=fallback, env={})
    assert result.confirmed == []
    assert result.file is not None and result.file.read_text(encoding="utf-8") == TEXT
    assert any("did not read back" in error for error in result.errors)
