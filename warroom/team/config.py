"""Which team server, and how to name it without ever showing its password.

The URL comes from `--server`, else `WARROOM_SERVER`, else `server = "..."` in the user
config file (config_dir()/config.toml). It is a libpq connection string (a
`postgresql://` URL or `key=value` words) handed to psycopg as it is, so every libpq
convention works: ~/.pgpass, PGPASSWORD, PGSSLMODE, `sslmode=verify-full`, a unix socket
as `host=/run/postgresql`. Every message that shows a URL goes through `redact()`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote

from warroom.core.errors import WarroomError

ENV = "WARROOM_SERVER"
CONFIG_NAME = "config.toml"
MASK = "***"

# userinfo in a URL: scheme://user:PASSWORD@  (PASSWORD up to the last @ before the host)
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/?#@\s]*:)(?P<pw>[^\s/?#]*)(?=@)", re.IGNORECASE)
# password=... in a URL query or in key=value words ('quoted' or bare)
_KV_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<pw>'(?:[^'\\]|\\.)*'|[^\s&]*)", re.IGNORECASE)


class ConfigError(WarroomError):
    """The server setting cannot be used as it is."""


def config_file() -> Path:
    from warroom.core.locations import config_dir

    return config_dir() / CONFIG_NAME


def server_url(flag: str | None = None) -> str | None:
    """The team server: --server, else $WARROOM_SERVER, else `server` in config.toml, else None."""
    for value in (flag, os.environ.get(ENV)):
        if value is not None and value.strip():
            return value.strip()
    path = config_file()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    import tomllib  # only when there is a config file (not before most war rooms' first frame)

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {redact(str(exc))}") from None
    value = data.get("server")
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f'{path}: server must be a string (server = "postgresql://host/db")')
    return value.strip() or None


def remember_server(url: str) -> Path:
    """Write `server = "url"` to config.toml (0600), keeping the file's other lines.

    A URL holding a password is refused: the password belongs in ~/.pgpass or PGPASSWORD."""
    if _passwords_in(url):
        raise ConfigError("the server URL holds a password; put the password in ~/.pgpass instead")
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    escaped = url.replace("\\", "\\\\").replace('"', '\\"')
    kept = [line for line in lines if not re.match(r"\s*server\s*=", line)]
    text = "\n".join([f'server = "{escaped}"', *kept]) + "\n"
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def _passwords_in(url: str | None) -> set[str]:
    """Every password the URL holds (as written and decoded)."""
    found: set[str] = set()
    if not url:
        return found
    for pattern in (_URL_PASSWORD, _KV_PASSWORD):
        for match in pattern.finditer(url):
            pw = match.group("pw")
            if pw.startswith("'") and pw.endswith("'") and len(pw) >= 2:
                pw = pw[1:-1].replace("\\'", "'").replace("\\\\", "\\")
            if pw:
                found.add(pw)
                found.add(unquote(pw))
    try:
        from psycopg.conninfo import conninfo_to_dict

        pw = conninfo_to_dict(url).get("password")
        if pw:
            found.add(str(pw))
    except Exception:  # not parseable: the regular expressions above still apply
        pass
    return {p for p in found if p}


def secrets(url: str | None = None) -> set[str]:
    """The strings no message may show: the URL's password and $PGPASSWORD, in every spelling."""
    raw = set(_passwords_in(url))
    env_pw = os.environ.get("PGPASSWORD")
    if env_pw:
        raw.add(env_pw)
    spelled = set()
    for pw in raw:
        spelled.update({pw, quote(pw, safe=""), quote_plus(pw), quote(pw)})
    return {s for s in spelled if s}


def redact(text: str, url: str | None = None) -> str:
    """`text` with every password (the URL's, $PGPASSWORD, any `user:pw@` or `password=`) masked."""
    out = _URL_PASSWORD.sub(lambda m: m.group("head") + MASK, text)
    out = _KV_PASSWORD.sub(lambda m: m.group("head") + MASK, out)
    for secret in sorted(secrets(url), key=len, reverse=True):
        out = out.replace(secret, MASK)
    return out
