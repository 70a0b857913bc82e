"""Where warroom keeps things; every path can be overridden by a flag or an environment variable.

Stdlib only, and no pathlib at import: `warroom log` reads its --db or WARROOM_DB here as
text (pathlib, with the re, fnmatch and urllib.parse it imports, costs every call ~9 ms).
"""

from __future__ import annotations

import os

APP = "warroom"

# pathlib only for the annotations (see the future import) and inside the functions below
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path


def path_text(path: str | os.PathLike[str]) -> str:
    """A path as str(Path(path)) writes it (`./w.db` as `w.db`, `a//b/` as `a/b`, "" as "."), so a
    message names it as every other command does, without importing pathlib."""
    text = os.fspath(path)
    if os.name != "posix" or not isinstance(text, str):  # Windows' rules, or bytes: pathlib's own answer
        from pathlib import Path

        return str(Path(text))
    root = ""
    if text.startswith("/"):
        rest = text.lstrip("/")
        root = "//" if len(text) - len(rest) == 2 else "/"  # POSIX keeps exactly two leading slashes
        text = rest
    return root + "/".join(part for part in text.split("/") if part and part != ".") or "."


def parent_text(path: str) -> str:
    """Path(path).parent as text, for a path already written by path_text."""
    return os.path.dirname(path) or "."


def data_dir() -> Path:
    from pathlib import Path

    override = os.environ.get("WARROOM_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_path

    return user_data_path(APP, appauthor=False)


def config_dir() -> Path:
    from pathlib import Path

    override = os.environ.get("WARROOM_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_path

    return user_config_path(APP, appauthor=False)


def make_private_dirs(folder: Path) -> None:
    """Create `folder` and every missing level above it 0700, whatever the umask; folders that
    already exist are left as they are (mkdir(parents=True) made the upper levels 0777 & ~umask)."""
    from pathlib import Path

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


def default_db_text() -> str:
    """WARROOM_DB, else warroom.db in the user data folder (--db beats both), as path_text writes it."""
    override = os.environ.get("WARROOM_DB")
    return path_text(override) if override else str(data_dir() / "warroom.db")


def default_db() -> Path:
    """--db beats WARROOM_DB beats the user data folder."""
    from pathlib import Path

    return Path(default_db_text())


def user_playbook() -> Path | None:
    """A team's playbook in the config folder, if there is one."""
    candidate = config_dir() / "playbook.toml"
    return candidate if candidate.exists() else None


def fallback_dir() -> Path:
    """Where copied text goes when no clipboard can be confirmed."""
    return data_dir() / "clipboard"


def styles_dir() -> Path:
    """The TCSS files: inside the package when installed, top-level styles/ in a checkout."""
    from pathlib import Path

    package = Path(__file__).parent.parent  # warroom/
    packaged = package / "styles"
    if packaged.is_dir():
        return packaged
    return package.parent / "styles"
