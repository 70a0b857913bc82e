"""Who is typing: WARROOM_AUTHOR, else the OS user."""

from __future__ import annotations

import getpass
import os


def default_author() -> str:
    name = os.environ.get("WARROOM_AUTHOR", "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no passwd entry (containers)
        return "unknown"
