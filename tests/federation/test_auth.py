"""Only tokens signed by the user system's key, unexpired, for our audience and with EdDSA, are trusted."""

from __future__ import annotations

import uuid
from datetime import timedelta

import jwt
import pytest

from federation.auth import InvalidToken, TokenVerifier, sign_token
from federation.keys import current_signing_key, generate_signing_key
from federation.settings import Settings


@pytest.fixture
def verifier(data_dir):
    return TokenVerifier(Settings.from_env("catalog", {"SCS_DATA_DIR": str(data_dir)}))


def test_a_token_of_the_user_system_is_accepted(verifier, mint_token):
    user_id = uuid.uuid4()
    identity = verifier.verify(mint_token(user_id, "Ada", roles=["admin"]))
    assert (identity.user_id, identity.display_name, identity.is_admin) == (user_id, "Ada", True)


def test_a_token_signed_by_another_key_with_the_same_kid_is_refused(verifier, mint_token, data_dir, tmp_path):
    real_kid = current_signing_key(data_dir / "keys").kid
    impostor = generate_signing_key(tmp_path / "elsewhere", kid=real_kid)
    token = sign_token(
        impostor,
        user_id=uuid.uuid4(),
        display_name="Eve",
        roles=["admin"],
        issuer="scs-user",
        audience="scs",
        ttl=timedelta(minutes=5),
    )
    with pytest.raises(InvalidToken, match="[Ss]ignature"):
        verifier.verify(token)


@pytest.mark.parametrize(
    "claims, reason",
    [
        ({"ttl": timedelta(seconds=-5)}, "expired"),
        ({"audience": "someone-else"}, "[Aa]udience"),
        ({"issuer": "evil"}, "[Ii]ssuer"),
    ],
)
def test_expired_foreign_audience_and_issuer_are_refused(verifier, mint_token, claims, reason):
    with pytest.raises(InvalidToken, match=reason):
        verifier.verify(mint_token(**claims))


def test_alg_none_and_hmac_tokens_are_refused(verifier, mint_token):
    claims = jwt.decode(mint_token(), options={"verify_signature": False})
    unsigned = jwt.encode(claims, "", algorithm="none")  # "" is PyJWT's "no key" for alg none
    with pytest.raises(InvalidToken, match="algorithm 'none'"):
        verifier.verify(unsigned)
    forged = jwt.encode(claims, "a-shared-secret-nobody-should-trust", algorithm="HS256")
    with pytest.raises(InvalidToken, match="algorithm 'HS256'"):
        verifier.verify(forged)


def test_garbage_is_refused(verifier):
    with pytest.raises(InvalidToken):
        verifier.verify("not.a.token")
