"""The directory file store: content-addressed keys, whole files, nothing outside its root."""

from __future__ import annotations

import hashlib

import pytest

from federation.db import make_engine, make_session_factory
from federation.file_store import DirectoryFileStore, content_key, file_store, session_file_store
from federation.settings import Settings


def test_keys_are_the_contents_hash_and_equal_content_is_stored_once(tmp_path):
    store = DirectoryFileStore(tmp_path / "files")
    key = content_key("variants", b"pixels", "webp")
    assert key == f"variants/{hashlib.sha256(b'pixels').hexdigest()}.webp"
    store.put(key, b"pixels")
    store.put(key, b"pixels")
    assert store.get(key) == b"pixels" and store.exists(key)
    assert [p.name for p in (tmp_path / "files" / "variants").iterdir()] == [key.split("/")[1]]  # no drafts left
    store.delete(key)
    store.delete(key)
    assert not store.exists(key)
    with pytest.raises(FileNotFoundError):
        store.get(key)


@pytest.mark.parametrize(
    "key", ["../secret", "variants/../../etc/passwd", "variants/abc.webp", "/abs/" + "0" * 64 + ".webp", ""]
)
def test_anything_but_a_content_key_is_refused(tmp_path, key):
    store = DirectoryFileStore(tmp_path)
    with pytest.raises(ValueError):
        store.get(key)
    with pytest.raises(ValueError):
        store.put(key, b"x")


def test_the_store_follows_the_settings_and_sessions_carry_them(tmp_path):
    default = Settings.from_env("catalog", {"SCS_DATA_DIR": str(tmp_path)})
    assert default.files_dir == tmp_path.resolve() / "files" / "catalog"
    chosen = Settings.from_env("catalog", {"SCS_DATA_DIR": str(tmp_path), "SCS_CATALOG_FILES_DIR": str(tmp_path / "x")})
    assert chosen.files_dir == tmp_path / "x"
    assert isinstance(file_store(chosen), DirectoryFileStore)
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with make_session_factory(engine, chosen)() as session:
        assert session_file_store(session).root == tmp_path / "x"  # type: ignore[attr-defined]
    with make_session_factory(engine)() as session, pytest.raises(RuntimeError, match="no settings"):
        session_file_store(session)
    engine.dispose()
