"""`scs keys rotate`: a new token signing key; new log-ins use it, tokens signed with older keys verify until they expire."""

from __future__ import annotations

import click

from federation.keys import generate_signing_key, load_public_keys
from federation.settings import Settings


@click.group()
def keys() -> None:
    """Manage the user system's token signing keys (Ed25519, named by creation time)."""


@keys.command("rotate")
def rotate_keys() -> None:
    """Generate a new signing key, which signs every new log-in at once.

    Older public keys stay published, so tokens they signed verify until they expire (retire a key by deleting its
    files once TOKEN_TTL has passed).
    """
    settings = Settings.from_env("user")
    key = generate_signing_key(settings.keys_dir, public_dir=settings.public_keys_dir)
    published = sorted(load_public_keys(settings.public_keys_dir))
    click.echo(f"new signing key {key.kid}; public keys published: {', '.join(published)}")
