"""The embedded system's NATS credentials: one generated password per bus user, kept in var/secrets (0600).

`thidua up` creates them on its first start and keeps them (a restarted system has the same users); the
nats-server process gets them as the `$NATS_<USER>_PASSWORD` variables its accounts file refers to, each
service only its own in its THIDUA_NATS_URL, and the operator commands (`thidua ops|dlq`) the `operator` one.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from shared.platform.buspermissions import USERS, password_variable

SECRETS_DIR = "secrets"
NATS_SECRETS_FILE = "nats.json"


def _new_password() -> str:
    # nats-server reads a variable as a config token: one starting with a digit would be taken for a number.
    return "pw" + secrets.token_hex(24)


def private_file(path: Path, text: str) -> None:
    """Write `text` readable by this user only (the directory too), whatever the umask."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def nats_passwords(var_dir: Path) -> dict[str, str]:
    """The passwords of every bus user, created on first use and kept."""
    path = var_dir / SECRETS_DIR / NATS_SECRETS_FILE
    known: dict[str, str] = {}
    if path.exists():
        known = {str(k): str(v) for k, v in json.loads(path.read_text()).items()}
    wanted = {user: known.get(user) or _new_password() for user in USERS}
    if wanted != known:
        private_file(path, json.dumps(wanted, indent=2) + "\n")
    return wanted


def server_environment(passwords: dict[str, str]) -> dict[str, str]:
    """What the nats-server process needs to read its accounts file."""
    return {password_variable(user): pw for user, pw in passwords.items()}


def with_credentials(nats_url: str, user: str, password: str) -> str:
    """`nats://host:port` (or a comma-separated list of them) with this user's credentials in each."""
    urls = []
    for url in (u.strip() for u in nats_url.split(",") if u.strip()):
        parts = urlsplit(url)
        host = parts.hostname or "127.0.0.1"
        netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}" + (f":{parts.port}" if parts.port else "")
        urls.append(urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)))
    return ",".join(urls)


def user_url(var_dir: Path, nats_url: str, user: str) -> str:
    """The URL `user` connects with to the embedded server of `var_dir`; without credentials when that system has
    made none yet (then the server refuses it, and the command says it could not connect). Never creates any."""
    path = var_dir / SECRETS_DIR / NATS_SECRETS_FILE
    if not path.exists():
        return nats_url
    password = json.loads(path.read_text()).get(user)
    return with_credentials(nats_url, user, str(password)) if password else nats_url
