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


def make_private_dirs(folder: Path) -> None:
    """Create `folder` and every missing level above it 0700, whatever the umask; folders that
    already exist are left as they are (mkdir(parents=True) made the upper levels 0777 & ~umask)."""
    missing = []
    level = Path(folder)
    while not level.exists():
        if level.is_symlink():  # a dangling link: creating through it would write elsewhere
            raise FileExistsError(17, "a symbolic link to nothing is in the way", str(level))
        missing.append(level)
        if level.parent == level:
            break
        level = level.parent
    for made in reversed(missing):
        try:
            made.mkdir(mode=0o700)
        except FileExistsError:  # another process made it meanwhile: theirs, and already private
            if not made.is_dir():
                raise
            continue
        os.chmod(made, 0o700)  # a umask like 0o277 would leave it unusable; 000 is already 0700


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
