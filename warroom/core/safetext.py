"""Incident text shown literally: control characters made visible, never sent to the terminal.

Text is stored exactly as typed or pasted. Only when shown do escape sequences and other
control characters become visible symbols, so a pasted `\\x1b]52;...` cannot drive the
terminal. Rich markup is never parsed from incident text (widgets build `Text` objects).
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, and the C1 range (0x80-0x9f, e.g. CSI 0x9b).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode control pictures: ␛ for ESC
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def plain(text: str) -> str:
    """Text safe to print to a terminal; tabs and newlines kept."""
    return _CONTROL.sub(_visible, text)


def one_line(text: str, limit: int | None = None) -> str:
    """A single display line: newlines shown as ⏎, control characters visible, optionally cut."""
    # CRLF first: plain() would turn its \r into a visible ␍.
    flat = plain(text.replace("\r\n", "\n")).replace("\n", " ⏎ ").replace("\t", " ")
    if limit is not None and len(flat) > limit:
        return flat[: max(0, limit - 1)] + "…"
    return flat
