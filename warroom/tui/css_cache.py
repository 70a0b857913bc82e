"""Parsed style sheets kept between runs of the war room.

Textual parses every style sheet at start-up: ours (styles/*.tcss) and each widget class's
DEFAULT_CSS, about 20 sources before the war room's first frame, 25 ms of it on our 2-core
machine, more than anything else Textual does for that frame. The rules parsed depend only on
the CSS text, where it came from, and the theme's variables, so the war room keeps them in the
data folder's cache (warroom/core/cachefile.py: private, checked, made again when anything is
wrong with it) and Textual's parser is asked only for CSS it has not seen with these variables.

One file per Textual and Python version (their classes are what is pickled), written when the
app ends if it parsed something new: the rules this run used and those of sources it did not
meet (one text per source, the newest); with another theme's variables nothing is taken from
it. Wraps Textual's private `Stylesheet._parse_rules` (textual is pinned `<8.3`;
tests/test_css_cache.py checks the rules read back draw the same screen).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import textual
from textual.css.stylesheet import Stylesheet

from warroom.core import cachefile

FORMAT = 1
# Sources the file keeps beyond those a run used (the run's own are always kept): about 30 are
# met in a whole session, so this only bounds a file that would otherwise grow.
KEPT_LIMIT = 120


def textual_version() -> str:
    """Textual's version, from the name of its dist-info folder beside the package: what
    importlib.metadata reads, without importing it (`textual.__version__` costs 13-17 ms of
    every start-up here). Anything less plain (none or two such folders, another layout) asks
    importlib.metadata."""
    site = os.path.dirname(os.path.dirname(textual.__file__ or ""))
    prefix, suffix = "textual-", ".dist-info"
    try:
        found = [name for name in os.listdir(site) if name.startswith(prefix) and name.endswith(suffix)]
    except OSError:
        found = []
    if len(found) == 1:
        return found[0][len(prefix) : -len(suffix)]
    from importlib.metadata import version

    return version("textual")


HEADER = f"warroom css {FORMAT} textual {textual_version()} python {sys.version}".encode()


class ParsedCss:
    """The rules read from the cache file, and those this run used (written back at the end)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        cached = cachefile.read(path, HEADER)
        valid = isinstance(cached, tuple) and len(cached) == 2 and isinstance(cached[1], dict)
        self.variables: dict[str, str] | None = cached[0] if valid else None
        self.rules: dict[tuple, Any] = cached[1] if valid else {}
        self.used: dict[tuple, Any] = {}
        self._same: dict[str, str] | None = None  # the variables last found equal to ours

    def matches(self, variables: dict[str, str]) -> bool:
        """Whether rules parsed under these variables (the theme's) are kept: the variables the
        cache was written under, or if this run starts with others, this run's first."""
        if variables is self._same:  # the same dict as last time: no comparison of 200 items
            return True
        if variables != self.variables:
            if self.used:
                return False  # the theme changed while running: Textual parses, nothing is kept
            self.variables, self.rules = dict(variables), {}  # another theme than the cache's
        self._same = variables
        return True

    def save(self) -> bool:
        """When this run had to parse something: write what it used, and what the file held for
        sources it did not use (another screen's), but not an older text of a source it used."""
        if not self.used.keys() - self.rules.keys():
            return False
        used_sources = {key[1] for key in self.used}
        kept = {
            key: rules
            for key, rules in self.rules.items()
            if key[1] not in used_sources and _exists(key[1][0])  # not a removed checkout's or venv's
        }
        room = max(0, KEPT_LIMIT - len(self.used))
        kept = dict(list(kept.items())[:room])
        return cachefile.write(self.path, HEADER, (self.variables, {**self.used, **kept}))


def _exists(path: object) -> bool:
    return not path or Path(str(path)).exists()


_parsed: ParsedCss | None = None
_parse_rules = Stylesheet._parse_rules


def _cached_parse_rules(
    self: Stylesheet,
    css: str,
    read_from: Any,
    is_default_rules: bool = False,
    tie_breaker: int = 0,
    scope: str = "",
) -> Any:
    parsed = _parsed
    if parsed is None or not parsed.matches(self._variables):
        return _parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
    key = (css, read_from, is_default_rules, tie_breaker, scope)
    rules = parsed.rules.get(key)
    if rules is None:
        rules = _parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
        if any(rule.errors for rule in rules):
            return rules  # Textual reports it; never kept
    parsed.used[key] = rules
    self._parse_cache[key] = rules  # as Textual's own parse keeps it for this style sheet
    return rules


def install(path: Path) -> None:
    """Use (and keep at `save`) the rules cached in `path` for the app about to run."""
    global _parsed
    _parsed = ParsedCss(path)
    Stylesheet._parse_rules = _cached_parse_rules  # type: ignore[method-assign]


def save() -> bool:
    """Write the rules this run used (if any were new) and stop using the cache."""
    global _parsed
    parsed, _parsed = _parsed, None
    Stylesheet._parse_rules = _parse_rules  # type: ignore[method-assign]
    return parsed.save() if parsed is not None else False


def cache_path() -> Path:
    from warroom.core.locations import data_dir

    return data_dir() / "cache" / "textual-css.pickle"
