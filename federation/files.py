"""Files that other processes only ever see whole: written aside, then moved into place in one step."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_whole(path: Path, data: bytes, *, mode: int = 0o600, replace: bool = True) -> bool:
    """Write `data` to `path` atomically; with `replace=False` a file already there is kept (and False returned).

    Processes that start together (gunicorn's workers) used to find a first-run secret created but still empty.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    try:
        if replace:
            os.replace(draft, path)
            return True
        try:
            os.link(draft, path)
        except FileExistsError:
            return False
        return True
    finally:
        draft.unlink(missing_ok=True)
