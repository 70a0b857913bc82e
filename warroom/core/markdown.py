"""Incident text made safe to place in Markdown: what the documents print.

`md_inline` for text inside a line (control characters made visible, `<`, backticks,
links and a leading list/heading marker escaped, newlines flattened), `md_cell` for a
table cell (also `|`), `md_block` for multi-line human text (paragraphs kept, HTML and
links escaped). Each returns `Markup`, already safe, and passes `Markup` through as it is.

Domain layer: imports nothing from Textual.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from warroom.core.safetext import plain

# A backslash before ASCII punctuation is a Markdown escape; double it so it stays literal.
_ESCAPING_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~])")
_LINE_BREAKS = re.compile(r"[ \t]*(?:\r\n|\r|\n)+[ \t]*")
# What turns the start of a line into a heading, quote, list item or rule.
_BLOCK_START = re.compile(r"^(?:#{1,6}(?=\s|$)|>|[-+*](?=\s|$)|\d{1,9}[.)](?=\s|$)|[-*_](?=(?:\s*[-*_]){2,}\s*$))")


def _escape_html_and_code(text: str) -> str:
    # `<` starts every HTML tag and autolink; a `>` alone is harmless except at the start
    # of a line (a quote), which _BLOCK_START handles, so "5xx > 10%" stays readable.
    text = _ESCAPING_BACKSLASH.sub(r"\\\\", text)
    return _escape_links(text.replace("<", "\\<").replace("`", "\\`"))


def _escape_links(text: str) -> str:
    """No link, image or link definition from incident text: `[` and `]` escaped, so
    `![x](http://...)` loads nothing and `[l](javascript:...)` is not clickable. (`<` is
    escaped by the callers, which takes autolinks; a bare URL stays as readable text.)"""
    return text.replace("[", "\\[").replace("]", "\\]")


def md_inline(value: Any) -> Markup:
    """Incident text placed inside a line: one line, no HTML, no code spans, no block marker."""
    if isinstance(value, Markup):
        return value
    text = plain(str(value))
    if "\n" in text or "\r" in text:
        text = _LINE_BREAKS.sub(" / ", text.strip())
    text = _escape_html_and_code(text)
    if m := _BLOCK_START.match(text):  # "# x" or "- x" at the start would change the structure
        mark = m.group()
        text = (mark[:-1] + "\\" + mark[-1] if mark[0].isdigit() else "\\" + mark) + text[len(mark) :]
    return Markup(text)


def md_cell(value: Any) -> Markup:
    """Incident text in a table cell: also escapes the pipe that would end the cell."""
    if isinstance(value, Markup):
        return value
    return Markup(str(md_inline(value)).replace("|", "\\|"))


def md_block(value: Any) -> Markup:
    """Human-written Markdown (postmortem sections): paragraphs kept, HTML and links escaped."""
    if isinstance(value, Markup):
        return value
    text = plain(str(value)).replace("\r\n", "\n").replace("\r", "\n").strip()
    text = _ESCAPING_BACKSLASH.sub(r"\\\\", text)
    return Markup(_escape_links(text.replace("<", "\\<")))


def finalize(value: Any) -> Any:
    """Every plain string a template prints is escaped, so a team template is safe by default."""
    if value is None:
        return ""
    if isinstance(value, str) and not isinstance(value, Markup):
        return md_inline(value)
    return value
