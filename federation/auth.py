"""Log-in recognised everywhere: verify the user system's tokens with its public keys, then judge them by local records.

Verification pins EdDSA and checks iss, aud, exp and the claims' types; a system's TokenPolicy then holds the token
against its own tables (its copy of the user system's accounts): revoked log-ins, deleted accounts, roles taken away.
"""

from __future__ import annotations

import functools
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from urllib.parse import urlencode

import jwt
from flask import current_app, g, redirect, request
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response as WerkzeugResponse

from federation.errors import ApiError
from federation.identity import Identity
from federation.keys import SigningKey, load_public_keys

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from federation.settings import Settings

Params = ParamSpec("Params")
Returned = TypeVar("Returned")

ALGORITHM = "EdDSA"
COOKIE_NAME = "scs_token"


class InvalidToken(Exception):
    """A token that must not be trusted, with the reason."""


class TokenRefused(InvalidToken):
    """A genuine token its holder may no longer use (the system's records void it); the message is for the caller."""


@dataclass(frozen=True)
class Standing:
    """What a system's own records say about an account: the roles it holds, since when its tokens count, gone or not."""

    roles: frozenset[str]
    tokens_valid_after: datetime | None = None
    deleted: bool = False


@dataclass(frozen=True)
class TokenPolicy:
    """How a system judges verified tokens by its own records of the accounts.

    `lookup` reads an account's standing from the system's own tables (its copy of the user system's accounts);
    `unknown_account_roles` are the roles a token keeps for an account the records have never seen (None: refused).
    """

    lookup: Callable[[Session, uuid.UUID], Standing | None]
    unknown_account_roles: frozenset[str] | None = None

    def judge(self, identity: Identity, standing: Standing | None) -> Identity:
        """The identity as far as the records uphold it (roles the records no longer grant are dropped), or TokenRefused."""
        if standing is None:
            if self.unknown_account_roles is None:
                raise TokenRefused("This account does not exist (any more). Log in again.")
            return replace(identity, roles=identity.roles & self.unknown_account_roles)
        if standing.deleted:
            raise TokenRefused("This account no longer exists. Log in again.")
        if standing.tokens_valid_after is not None and identity.issued_at < standing.tokens_valid_after:
            raise TokenRefused(
                "This log-in has ended (logged out everywhere, or the password or roles changed). Log in again."
            )
        return replace(identity, roles=identity.roles & standing.roles)


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
    """Mint a token (only the user system holds a private key; tests use a key of their own).

    `iat` keeps its microseconds (a NumericDate may be fractional), so a log-in right after a revocation is not voided
    by a "tokens issued before" mark set earlier in the same second.
    """
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "name": display_name,
        "roles": sorted(roles),
        "iss": issuer,
        "aud": audience,
        "iat": now.timestamp(),
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
        except (jwt.PyJWTError, ValueError) as error:
            raise InvalidToken(str(error)) from error
        return identity_of(claims)


def identity_of(claims: dict[str, Any]) -> Identity:
    """The identity in verified claims whose types are checked too (a signature vouches for the issuer, not its bugs)."""
    sub, name, roles, iat = claims["sub"], claims.get("name", ""), claims.get("roles", []), claims["iat"]
    if not isinstance(sub, str):
        raise InvalidToken("sub is not a string")
    if not isinstance(name, str):
        raise InvalidToken("name is not a string")
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise InvalidToken("roles is not a list of strings")
    if isinstance(iat, bool) or not isinstance(iat, (int, float)) or not math.isfinite(iat):
        raise InvalidToken("iat is not a number")
    try:
        return Identity(uuid.UUID(sub), name, frozenset(roles), datetime.fromtimestamp(iat, UTC))
    except (ValueError, OverflowError, OSError) as error:
        raise InvalidToken(f"bad claim: {error}") from error


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
    """The caller's identity for this request: verified, judged by the system's token policy, cached on `g`."""
    if "scs_identity" not in g:
        token = token_from_request()
        identity = None
        if token:
            try:
                identity = _judged(current_app.extensions["scs"], token)
            except TokenRefused as refusal:
                g.scs_token_refused = str(refusal)
            except InvalidToken:
                identity = None
        g.scs_identity = identity
    cached: Identity | None = g.scs_identity
    return cached


def _judged(runtime: Any, token: str) -> Identity:
    """Verify the token, then hold it against the system's own records when the system has a token policy."""
    identity: Identity = runtime.verifier.verify(token)
    policy: TokenPolicy | None = runtime.system.token_policy
    if policy is None:
        return identity
    with runtime.read_session_factory() as session:
        standing = policy.lookup(session, identity.user_id)
    return policy.judge(identity, standing)


def login_url(next_url: str | None = None) -> str:
    """The user system's log-in page, coming back to `next_url` afterwards."""
    base = current_app.extensions["scs"].settings.system_urls["user"].rstrip("/")
    return f"{base}/login?{urlencode({'next': next_url or request.url})}"


def token_refusal() -> str | None:
    """Why this request's genuine token was refused by the system's records (None: no token, or not refused)."""
    current_identity()
    refusal: str | None = g.get("scs_token_refused")
    return refusal


def log_in_first() -> WerkzeugResponse:
    """The answer to a caller without a usable token: 401 JSON for the API, else a redirect to log in (void cookie gone)."""
    if request.path.startswith("/api/"):
        raise ApiError(401, token_refusal() or "Log in first: send a bearer token or the session cookie.")
    response = redirect(login_url())
    if token_refusal() and request.cookies.get(COOKIE_NAME):
        response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="Lax", secure=request.is_secure)
    return response


def login_required(view: Callable[Params, Returned]) -> Callable[Params, Returned | WerkzeugResponse]:
    """Refuse anonymous callers: 401 JSON for the API, a redirect to the log-in page otherwise."""

    @functools.wraps(view)
    def wrapper(*args: Params.args, **kwargs: Params.kwargs) -> Returned | WerkzeugResponse:
        if current_identity() is None:
            return log_in_first()
        return view(*args, **kwargs)

    return wrapper


def admin_required(view: Callable[Params, Returned]) -> Callable[Params, Returned | WerkzeugResponse]:
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
