"""Where warroom keeps things; every path can be overridden by a flag or an environment variable."""

from __future__ import annotations

import os
from pathlib import Path

APP = "warroom"


def data_dir() -> Path:
    override = os.environ.get("WARROOM_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_path

    return user_data_path(APP, appauthor=False)


def config_dir() -> Path:
    override = os.environ.get("WARROOM_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_path

    return user_config_path(APP, appauthor=False)


def default_db() -> Path:
    """--db beats WARROOM_DB beats the user data folder."""
    override = os.environ.get("WARROOM_DB")
    return Path(override) if override else data_dir() / "warroom.db"


def user_playbook() -> Path | None:
    """A team's playbook in the config folder, if there is one."""
    candidate = config_dir() / "playbook.toml"
    return candidate if candidate.exists() else None


def fallback_dir() -> Path:
    """Where copied text goes when no clipboard can be confirmed."""
    return data_dir() / "clipboard"


def styles_dir() -> Path:
    """The TCSS files: inside the package when installed, top-level styles/ in a checkout."""
    package = Path(__file__).parent.parent  # warroom/
    packaged = package / "styles"
    if packaged.is_dir():
        return packaged
    return package.parent / "styles"
