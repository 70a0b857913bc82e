"""Who is typing: WARROOM_AUTHOR, else the OS user."""

from __future__ import annotations

import os


def default_author() -> str:
    name = os.environ.get("WARROOM_AUTHOR", "").strip()
    if name:
        return name
    import getpass  # here: with WARROOM_AUTHOR set, `warroom log` need not load it (and termios)

    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no passwd entry (containers)
        return "unknown"
