"""Ed25519 signing keys of the token issuer: generated on first run into the data directory, never committed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from federation.files import write_whole

PRIVATE_SUFFIX = ".private.pem"
PUBLIC_SUFFIX = ".public.pem"


@dataclass(frozen=True)
class SigningKey:
    """A private key and the key id (kid) tokens name it by."""

    kid: str
    private_key: Ed25519PrivateKey


def generate_signing_key(keys_dir: Path, kid: str | None = None, public_dir: Path | None = None) -> SigningKey:
    """Create a new key pair in `keys_dir` (private file mode 0600); it becomes the newest, hence current, key.

    The public half is written beside it and, if given, into `public_dir` for the verifiers.
    """
    keys_dir.mkdir(parents=True, exist_ok=True)
    kid = kid or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    private_key = Ed25519PrivateKey.generate()
    private_path = keys_dir / f"{kid}{PRIVATE_SUFFIX}"
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    if not write_whole(private_path, private_pem, replace=False):  # files appear whole: other processes glob them
        raise FileExistsError(private_path)
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for directory in {keys_dir, public_dir or keys_dir}:
        write_whole(directory / f"{kid}{PUBLIC_SUFFIX}", public_pem, mode=0o644)
    return SigningKey(kid, private_key)


def current_signing_key(keys_dir: Path, public_dir: Path | None = None) -> SigningKey:
    """The newest private key in `keys_dir`, generated (public half also into `public_dir`) if there is none yet."""
    candidates = sorted(keys_dir.glob(f"*{PRIVATE_SUFFIX}")) if keys_dir.exists() else []
    if not candidates:
        return generate_signing_key(keys_dir, public_dir=public_dir)
    path = candidates[-1]
    public_copy = (public_dir or keys_dir) / f"{path.name.removesuffix(PRIVATE_SUFFIX)}{PUBLIC_SUFFIX}"
    private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(private_key, Ed25519PrivateKey)
    if not public_copy.exists():  # a fresh shared volume, or a sibling process still writing the pair: derive it
        public_pem = private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        write_whole(public_copy, public_pem, mode=0o644)
    return SigningKey(path.name.removesuffix(PRIVATE_SUFFIX), private_key)


def load_public_keys(keys_dir: Path, extra_files: tuple[Path, ...] = ()) -> dict[str, Ed25519PublicKey]:
    """Public keys by kid: every `<kid>.public.pem` in `keys_dir` plus configured files (kid = file name)."""
    files = sorted(keys_dir.glob(f"*{PUBLIC_SUFFIX}")) if keys_dir.exists() else []
    keys: dict[str, Ed25519PublicKey] = {}
    for path in [*files, *extra_files]:
        key = serialization.load_pem_public_key(path.read_bytes())
        if isinstance(key, Ed25519PublicKey):
            keys[path.name.removesuffix(PUBLIC_SUFFIX).removesuffix(".pem")] = key
    return keys
