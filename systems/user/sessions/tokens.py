"""The signed token of a log-in, its cookie, and how the user system judges tokens (against its own account table).

A token is minted afresh at every log-in; the cookie is HttpOnly, SameSite=Lax, Secure over HTTPS.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
from flask import request
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from federation.auth import COOKIE_NAME, Standing, TokenPolicy, sign_token
from federation.keys import current_signing_key
from federation.web import runtime
from systems.user.accounts.models import User
from systems.user.base import as_utc

TOKEN_TTL = timedelta(hours=8)


def issue_token(user: User) -> tuple[str, datetime]:
    """A new token for `user`, signed with the current key, and when it expires."""
    if user.display_name is None:
        raise ValueError("a deleted account gets no token")
    settings = runtime().settings
    token = sign_token(
        current_signing_key(settings.keys_dir, settings.public_keys_dir),
        user_id=user.id,
        display_name=user.display_name,
        roles=user.roles,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl=TOKEN_TTL,
    )
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    return token, datetime.fromtimestamp(expires, UTC)


def set_token_cookie(response: Response, token: str, expires_at: datetime) -> Response:
    """Hand the token to the browser: every system on this host reads it, or on every host of SCS_COOKIE_DOMAIN.

    One host serving the systems on several ports shares a host-only cookie (cookies ignore ports); systems on
    hosts of their own (user.shop.example, catalog.shop.example) share it through Domain=shop.example.
    """
    response.set_cookie(
        COOKIE_NAME,
        token,
        expires=expires_at,
        path="/",
        domain=runtime().settings.cookie_domain,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


def clear_token_cookie(response: Response) -> Response:
    """Make the browser forget the token (with the domain it was set for)."""
    response.delete_cookie(
        COOKIE_NAME,
        path="/",
        domain=runtime().settings.cookie_domain,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


def safe_next(url: str | None) -> str:
    """Where to go after log-in: a local path, or a page of this host or of our systems; never elsewhere (open redirect)."""
    if not url or any(char == "\\" or ord(char) < 32 for char in url):
        return "/"
    if url.startswith("/") and not url.startswith("//"):
        return url
    for base in [*runtime().settings.system_urls.values(), request.host_url]:
        base = base.rstrip("/")
        if url == base or (url.startswith(base) and url[len(base)] in "/?#"):
            return url
    return "/"


def account_standing(session: Session, user_id: uuid.UUID) -> Standing | None:
    """The account's roles, revocation mark and tombstone as this system's own table has them (None: no such account)."""
    user = session.get(User, user_id)
    if user is None:
        return None
    valid_after = user.tokens_valid_after and as_utc(user.tokens_valid_after)
    return Standing(roles=frozenset(user.roles), tokens_valid_after=valid_after, deleted=user.is_deleted)


#: The user system owns the accounts: a token of an account it does not have is refused.
TOKEN_POLICY = TokenPolicy(lookup=account_standing, unknown_account_roles=None)
