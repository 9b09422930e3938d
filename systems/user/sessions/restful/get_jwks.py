"""GET /.well-known/jwks.json: the public keys tokens are signed with (Ed25519 as OKP JWKs, by kid)."""

from __future__ import annotations

import json

from flask import jsonify
from jwt.algorithms import OKPAlgorithm

from federation.auth import ALGORITHM
from federation.keys import load_public_keys
from federation.web import runtime


def get_jwks():
    """Every public key of the user system, so anyone can verify its tokens."""
    keys = load_public_keys(runtime().settings.keys_dir)
    jwks = [
        {**json.loads(OKPAlgorithm.to_jwk(key)), "kid": kid, "use": "sig", "alg": ALGORITHM}
        for kid, key in sorted(keys.items())
    ]
    response = jsonify({"keys": jwks})
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
