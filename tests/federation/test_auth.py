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


def signed(data_dir, header: dict | None = None, **claims) -> str:
    """A token signed with the user system's key whose claims (and header) the test chose, wrong types included."""
    from datetime import UTC, datetime

    key = current_signing_key(data_dir / "keys")
    now = datetime.now(UTC)
    body: dict[str, object] = {
        "sub": str(uuid.uuid4()),
        "name": "Ada",
        "roles": ["customer"],
        "iss": "scs-user",
        "aud": "scs",
    }
    body |= {"iat": now.timestamp(), "exp": int(now.timestamp()) + 300, **claims}
    return jwt.encode(body, key.private_key, algorithm="EdDSA", headers={"kid": key.kid, **(header or {})})


@pytest.mark.parametrize(
    "claims, reason",
    [
        ({"roles": "admin"}, "roles"),
        ({"roles": 5}, "roles"),
        ({"roles": {"admin": True}}, "roles"),
        ({"roles": [["admin"]]}, "roles"),
        ({"roles": None}, "roles"),
        ({"sub": 123}, "[Ss]ub"),
        ({"sub": "not-a-uuid"}, "claim"),
        ({"name": ["Ada"]}, "name"),
        ({"iat": "1700000000"}, "iat"),
        ({"iat": True}, "iat"),
        ({"iat": -(10**30)}, "claim"),
    ],
)
def test_signed_claims_of_the_wrong_type_are_refused(verifier, data_dir, claims, reason):
    with pytest.raises(InvalidToken, match=reason):
        verifier.verify(signed(data_dir, **claims))


def test_a_key_id_that_is_not_a_string_is_refused(verifier, mint_token):
    import base64
    import json

    header = base64.urlsafe_b64encode(json.dumps({"alg": "EdDSA", "kid": ["a", "list"]}).encode()).rstrip(b"=")
    token = ".".join([header.decode(), *mint_token().split(".")[1:]])
    with pytest.raises(InvalidToken):
        verifier.verify(token)


def test_issued_at_keeps_its_microseconds(verifier, mint_token):
    """A log-in right after a revocation mark must not fall into the same whole second before it."""
    token = mint_token()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert isinstance(claims["iat"], float), "a fractional NumericDate"
    assert verifier.verify(token).issued_at.timestamp() == pytest.approx(claims["iat"], abs=1e-6)


def test_a_token_policy_drops_roles_and_voids_tokens_by_the_records(verifier, mint_token):
    from dataclasses import replace
    from datetime import UTC, datetime

    from federation.auth import Standing, TokenPolicy, TokenRefused

    identity = verifier.verify(mint_token(roles=["admin", "customer"]))
    known = TokenPolicy(lookup=lambda _session, _id: None, unknown_account_roles=frozenset({"customer"}))
    assert known.judge(identity, None).roles == {"customer"}, "an unknown account keeps only the allowed roles"
    assert known.judge(identity, Standing(roles=frozenset({"customer"}))).roles == {"customer"}
    assert known.judge(identity, Standing(roles=frozenset({"admin", "customer"}))).is_admin
    assert known.judge(identity, Standing(roles=frozenset(), tokens_valid_after=identity.issued_at)).roles == set()
    later = replace(identity, issued_at=datetime(2000, 1, 1, tzinfo=UTC))
    with pytest.raises(TokenRefused, match="log-in has ended"):
        known.judge(later, Standing(roles=frozenset({"customer"}), tokens_valid_after=identity.issued_at))
    with pytest.raises(TokenRefused, match="no longer exists"):
        known.judge(identity, Standing(roles=frozenset(), deleted=True))
    owner = TokenPolicy(lookup=lambda _session, _id: None)
    with pytest.raises(TokenRefused, match="does not exist"):
        owner.judge(identity, None)
