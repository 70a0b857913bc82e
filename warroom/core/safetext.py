"""Incident text shown literally: control and invisible characters made visible, never sent raw.

Text is stored exactly as typed or pasted. Only when shown do escape sequences and other
control characters become visible symbols, so a pasted `\\x1b]52;...` cannot drive the
terminal. Rich markup is never parsed from incident text (widgets build `Text` objects).
"""

from __future__ import annotations

import re

# Characters that change how the text around them looks while being invisible themselves:
# bidi controls (U+202E turns "gnp.exe" into "exe.png"), zero-width spaces and joiners, the
# byte order mark, invisible operators, Hangul fillers, line/paragraph separators and the
# tag characters (which hide ASCII text from the eye). Shown as <U+XXXX> like C1 controls.
INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u206f"
    "\u3164\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e007f"
)
# Zero-width (non-)joiners shape Persian, Indic scripts and emoji sequences (a family emoji
# is faces joined by U+200D): kept between two non-ASCII characters, shown next to ASCII
# (where they only split a word, "pay\u200cments") or at either end.
_JOINER_SHOWN = r"(?<![^\x00-\x7f])[\u200c\u200d]|[\u200c\u200d](?![^\x00-\x7f])"
# C0 controls except tab and newline, DEL, the C1 range (0x80-0x9f, e.g. CSI 0x9b), and the above.
_CONTROL = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f{INVISIBLE}]|{_JOINER_SHOWN}")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode control pictures: ␛ for ESC
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def _one_visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else "\ufffd"  # ␡; �: a C1 control or an invisible character


def each_visible(text: str) -> str:
    """Text safe to print to a terminal, character for character (tabs too): for a line being
    edited, where a position in the text must be the same position on screen."""
    return _EDITED.sub(_one_visible, text)


_EDITED = re.compile(rf"[\t\n]|{_CONTROL.pattern}")


def pasted(text: str) -> str:
    """A paste for a text field that draws what it holds as it is (a TextArea, an Input): line
    breaks made newlines, every other control or invisible character its visible symbol."""
    return plain(text.replace("\r\n", "\n").replace("\r", "\n"))


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
