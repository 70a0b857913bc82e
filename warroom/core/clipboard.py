"""Copying text out of warroom with a chain in which no step is trusted alone.

The TUI sends the text to the terminal itself (OSC 52 through `App.copy_to_clipboard`,
on the UI thread). That works over SSH but is never acknowledged, so `copy_chain` —
run in a thread worker, it blocks — then tries the paths that can confirm success:

1. inside tmux, `tmux load-buffer -w -` (works with tmux's default `set-clipboard`
   setting; `-w` also forwards the buffer to the outer terminal); its exit code is checked;
2. pyperclip, only when `determine_clipboard()` found a mechanism (its "no clipboard"
   stub is falsy; `is_available()` is not reliable), catching `PyperclipException`;
3. when nothing above could be confirmed, the text is written to a file under the
   fallback folder (file 0600, folder 0700) and the result names it.

Domain layer: imports nothing from Textual.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from warroom.core.locations import make_private_dirs
from warroom.core.timeutil import now as system_now

TERMINAL = "terminal (OSC 52)"
TMUX = "tmux buffer"
SYSTEM = "system clipboard"
# tmux answers in milliseconds; a hung server must not hold the worker forever.
TMUX_TIMEOUT_SECONDS = 5
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class CopyResult:
    """What happened to one copy: every path tried, the ones that confirmed, the file."""

    used: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    file: Path | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the text is somewhere the user can get it for sure."""
        return bool(self.confirmed) or self.file is not None

    def message(self) -> str:
        """One line for the notification: which paths were used and where the file is."""
        parts: list[str] = []
        if self.confirmed:
            parts.append("Copied to " + " and ".join(self.confirmed))
        unconfirmed = [p for p in self.used if p not in self.confirmed]
        if unconfirmed:
            verb = "also sent to" if self.confirmed else "Sent to"
            parts.append(f"{verb} {' and '.join(unconfirmed)} (not confirmed)")
        if self.file is not None:
            parts.append(f"saved to {self.file}")
        elif not self.confirmed:
            parts.append("could not be saved anywhere: " + "; ".join(self.errors or ["no clipboard"]))
        line = "; ".join(parts)
        return line[:1].upper() + line[1:]


def _tmux(text: str, env: Mapping[str, str] | None) -> tuple[bool, str]:
    """`env` is the child's environment (its TMUX names the server); None inherits ours."""
    try:
        done = subprocess.run(
            ["tmux", "load-buffer", "-w", "-"],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=TMUX_TIMEOUT_SECONDS,
            check=False,
            env=None if env is None else dict(env),
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"tmux: {exc}"
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip() or f"exit code {done.returncode}"
        return False, f"tmux: {reason}"
    return True, ""


def _pyperclip(text: str) -> tuple[bool | None, str]:
    """(True, "") copied; (False, why) failed; (None, why) no mechanism, not tried."""
    try:
        import pyperclip
    except ImportError:
        return None, "pyperclip is not installed"
    try:
        copy_fn, _paste = pyperclip.determine_clipboard()
    except Exception as exc:
        return None, f"no system clipboard ({exc})"
    if not copy_fn:  # the ClipboardUnavailable stub is falsy
        return None, "no system clipboard"
    try:
        copy_fn(text)
        # xclip with no display "succeeds" silently: only what reads back counts as copied.
        pasted = _paste()
    except (pyperclip.PyperclipException, OSError) as exc:
        return False, f"system clipboard: {exc}"
    if pasted != text:
        return False, "system clipboard: the text did not read back"
    return True, ""


def fallback_name(name: str, at: datetime) -> str:
    """`<incident>-<doc>-<timestamp>.md`, reduced to characters safe in any file system."""
    stem = _UNSAFE_NAME.sub("-", name).strip("-.") or "copy"
    return f"{stem}-{at.strftime('%Y%m%dT%H%M%S')}.md"


def write_fallback(text: str, name: str, folder: Path, at: datetime | None = None) -> Path:
    """Write `text` to a new private file in `folder` (made 0700 if we create it)."""
    make_private_dirs(folder)
    if not folder.is_dir():
        raise NotADirectoryError(20, "not a folder", str(folder))
    base = fallback_name(name, at or system_now())
    path = folder / base
    counter = 1
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:  # two copies in one second: never overwrite the first
            counter += 1
            path = folder / base.replace(".md", f"-{counter}.md")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return path


def copy_chain(
    text: str,
    *,
    name: str = "copy",
    fallback_dir: Path,
    terminal_sent: bool = True,
    env: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> CopyResult:
    """Try every confirmable path after the terminal one; fall back to a file. Blocking.

    `name` (e.g. "INC-20260310-ab12-internal") names the fallback file; `env` (default:
    this process's) decides whether we are inside tmux and is tmux's environment. Never raises.
    """
    result = CopyResult()
    if terminal_sent:
        result.used.append(TERMINAL)
    if (os.environ if env is None else env).get("TMUX"):
        result.used.append(TMUX)
        ok, why = _tmux(text, env)
        if ok:
            result.confirmed.append(TMUX)
        else:
            result.errors.append(why)
    copied, why = _pyperclip(text)
    if copied is not None:
        result.used.append(SYSTEM)
        if copied:
            result.confirmed.append(SYSTEM)
        else:
            result.errors.append(why)
    if not result.confirmed:
        try:
            result.file = write_fallback(text, name, fallback_dir, now)
        except OSError as exc:
            result.errors.append(f"cannot write {fallback_dir}: {exc.strerror or exc}")
    return result
