"""Log-in recognised everywhere: the user system's tokens verified with its public keys only (EdDSA; iss, aud, exp)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, ParamSpec, TypeVar
from urllib.parse import urlencode

import jwt
from flask import current_app, g, redirect, request
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from federation.errors import ApiError
from federation.identity import Identity
from federation.keys import SigningKey, load_public_keys

if TYPE_CHECKING:
    from federation.settings import Settings

Params = ParamSpec("Params")
Returned = TypeVar("Returned")

ALGORITHM = "EdDSA"
COOKIE_NAME = "scs_token"


class InvalidToken(Exception):
    """A token that must not be trusted, with the reason."""


def sign_token(
    key: SigningKey,
    *,
    user_id: uuid.UUID,
    display_name: str,
    roles: list[str],
    issuer: str,
    audience: str,
    ttl: timedelta,
) -> str:
    """Mint a token (only the user system holds a private key; tests use a key of their own)."""
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "name": display_name,
        "roles": sorted(roles),
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


class TokenVerifier:
    """Checks tokens against the issuer's public keys; reloads the key files when it meets an unknown kid (rotation)."""

    def __init__(self, settings: Settings) -> None:
        """A verifier for the issuer, audience and public keys of `settings`."""
        self.settings = settings
        self._keys = load_public_keys(settings.public_keys_dir, settings.public_key_files)

    def verify(self, token: str) -> Identity:
        """The identity in a valid token, or InvalidToken."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidToken(f"malformed token: {error}") from error
        if header.get("alg") != ALGORITHM:
            raise InvalidToken(f"algorithm {header.get('alg')!r} not accepted")
        kid = header.get("kid", "")
        if kid not in self._keys:
            self._keys = load_public_keys(self.settings.public_keys_dir, self.settings.public_key_files)
        key = self._keys.get(kid)
        if key is None:
            raise InvalidToken(f"unknown key id {kid!r}")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
            return Identity(uuid.UUID(claims["sub"]), str(claims.get("name", "")), frozenset(claims.get("roles", [])))
        except (jwt.PyJWTError, ValueError) as error:
            raise InvalidToken(str(error)) from error


def token_from_request() -> str | None:
    """The bearer token, or the cookie; a cookie is ignored for state-changing API calls without a JSON body (CSRF)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    token = request.cookies.get(COOKIE_NAME)
    unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
    if token and unsafe and request.path.startswith("/api/") and not request.is_json:
        return None
    return token


def current_identity() -> Identity | None:
    """The caller's identity for this request (verified once, then cached on `g`)."""
    if "scs_identity" not in g:
        token = token_from_request()
        identity = None
        if token:
            try:
                identity = current_app.extensions["scs"].verifier.verify(token)
            except InvalidToken:
                identity = None
        g.scs_identity = identity
    cached: Identity | None = g.scs_identity
    return cached


def login_url(next_url: str | None = None) -> str:
    """The user system's log-in page, coming back to `next_url` afterwards."""
    base = current_app.extensions["scs"].settings.system_urls["user"].rstrip("/")
    return f"{base}/login?{urlencode({'next': next_url or request.url})}"


def login_required(view: Callable[Params, Returned]) -> Callable[Params, Returned | Response]:
    """Refuse anonymous callers: 401 JSON for the API, a redirect to the log-in page otherwise."""

    @functools.wraps(view)
    def wrapper(*args: Params.args, **kwargs: Params.kwargs) -> Returned | Response:
        if current_identity() is None:
            if request.path.startswith("/api/"):
                raise ApiError(401, "Log in first: send a bearer token or the session cookie.")
            return redirect(login_url())
        return view(*args, **kwargs)

    return wrapper


def admin_required(view: Callable[Params, Returned]) -> Callable[Params, Returned | Response]:
    """Only admins: as login_required, then 403 for everyone else."""

    @functools.wraps(view)
    @login_required
    def wrapper(*args: Params.args, **kwargs: Params.kwargs) -> Returned:
        identity = current_identity()
        if identity is None or not identity.is_admin:
            if request.path.startswith("/api/"):
                raise ApiError(403, "Only administrators may do this.")
            raise Forbidden("Only administrators may do this.")
        return view(*args, **kwargs)

    return wrapper
