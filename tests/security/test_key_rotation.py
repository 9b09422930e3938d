"""`scs keys rotate`: new log-ins are signed with the new key, tokens signed with the old one still verify everywhere."""

from __future__ import annotations

import jwt
from click.testing import CliRunner

from federation.cli import main
from federation.keys import load_public_keys
from tests.security.conftest import migrated_app
from tests.user.support import log_in, register


def kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def test_rotation_signs_new_log_ins_with_the_new_key_and_old_tokens_stay_valid(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SCS_DATA_DIR", str(data_dir))
    user = migrated_app("user", data_dir, f"sqlite:///{tmp_path / 'user.db'}")
    catalog = migrated_app(
        "catalog", data_dir, f"sqlite:///{tmp_path / 'catalog.db'}"
    )  # a verifier holding the old keys
    client = user.test_client()
    register(client)
    old_token = log_in(client).get_json()["token"]

    result = CliRunner().invoke(main, ["keys", "rotate"])

    assert result.exit_code == 0, result.output
    (new_kid,) = set(load_public_keys(data_dir / "keys")) - {kid(old_token)}
    assert f"new signing key {new_kid}" in result.output
    new_token = log_in(client).get_json()["token"]
    assert kid(new_token) == new_kid
    for token in (old_token, new_token):
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/users/me", headers=headers).status_code == 200
        assert catalog.extensions["scs"].verifier.verify(token).display_name == "Ada"
    jwks = {key["kid"] for key in client.get("/.well-known/jwks.json").get_json()["keys"]}
    assert jwks == {kid(old_token), new_kid}
