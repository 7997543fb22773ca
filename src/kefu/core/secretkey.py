"""The secret key of the embedded profile: random, made on first start, kept in the data directory.

Imported by settings.py before Django is set up, so it imports nothing from Django. The production
profile never comes here: it must be given KEFU_SECRET_KEY (the same on every machine).
"""

import os
import secrets
import time
from pathlib import Path

KEY_FILE_NAME = "secret_key"


class SecretKeyError(RuntimeError):
    """The key file exists but cannot serve as a key."""


def embedded_secret_key(data_dir: Path) -> str:
    """The key kept in `<data_dir>/secret_key`, creating it (owner-only, 0600) on first use.

    The file is created with O_EXCL, so two processes starting at once agree on one key: the loser
    of the race reads the winner's file.
    """
    path = Path(data_dir) / KEY_FILE_NAME
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


def _read(path: Path) -> str:
    for _attempt in range(50):  # the creator may not have written it yet
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
        time.sleep(0.02)
    raise SecretKeyError(f"{path} is empty: delete it to have a new key made (old links stop working)")
