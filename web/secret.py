"""The secret key: from VEILLE_SECRET_KEY, else generated once and kept in DATA_DIR/secret_key.

Kept on disk (mode 0600) so that what it signs survives a restart; created
with O_EXCL so two processes starting together agree on one key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def secret_key(configured: str, data_dir: Path) -> bytes:
    if configured:
        return configured.encode()
    path = data_dir / "secret_key"
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(48) + "\n")
    return _read(path)


def _read(path: Path) -> bytes:
    value = path.read_bytes().strip()
    if not value:
        raise FileNotFoundError(path)
    return value
