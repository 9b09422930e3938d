"""A system's own store of content-addressed files (uploads and what is derived from them), behind one small interface.

The default keeps them in a directory (`SCS_<SYSTEM>_FILES_DIR`, else `SCS_DATA_DIR/files/<system>`) that the system's
web and worker processes share; an S3-compatible store would implement the same four methods.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from federation.files import write_whole
from federation.settings import Settings

#: A key: a folder, the SHA-256 of the content and a short suffix, e.g. `variants/<64 hex>.webp`.
KEY_PATTERN = re.compile(r"^[a-z]+/[0-9a-f]{64}\.[a-z0-9]{1,5}$")


class FileStore(Protocol):
    """Where a system keeps files; keys come from `content_key`, so a key's content never changes."""

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key` (a no-op when it is there already: same key, same content)."""

    def get(self, key: str) -> bytes:
        """The content of `key`; FileNotFoundError when there is none."""

    def exists(self, key: str) -> bool:
        """Whether `key` is stored."""

    def delete(self, key: str) -> None:
        """Forget `key` (nothing happens when it is not there)."""


def content_key(folder: str, data: bytes, suffix: str) -> str:
    """The key of `data` in `folder`: its SHA-256, so equal content is stored once and a key never changes."""
    key = f"{folder}/{hashlib.sha256(data).hexdigest()}.{suffix}"
    if not KEY_PATTERN.match(key):
        raise ValueError(f"not a valid file key: {key!r}")
    return key


class DirectoryFileStore:
    """Files in a local directory: written aside and moved into place, so readers never see half a file."""

    def __init__(self, root: Path) -> None:
        """A store under `root` (created when the first file is put)."""
        self.root = root

    def _path(self, key: str) -> Path:
        if not KEY_PATTERN.match(key):
            raise ValueError(f"not a valid file key: {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key` unless it is there already."""
        path = self._path(key)
        if not path.exists():
            write_whole(path, data, mode=0o644, replace=False)

    def get(self, key: str) -> bytes:
        """The content of `key`."""
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        """Whether `key` is stored."""
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove `key`'s file if there is one."""
        self._path(key).unlink(missing_ok=True)


def file_store(settings: Settings) -> FileStore:
    """The configured store of a system."""
    return DirectoryFileStore(settings.files_dir)


def session_file_store(session: Session) -> FileStore:
    """The store of the system whose session this is (web and worker put their settings into `session.info`)."""
    settings = session.info.get("settings")
    if not isinstance(settings, Settings):
        raise RuntimeError("this session has no settings: make it with make_session_factory(engine, settings)")
    return file_store(settings)
