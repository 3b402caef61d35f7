"""A local stand-in for the Bot Framework token issuer: OpenID metadata and a signing key on loopback."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ISSUER = "https://api.botframework.test"


def _b64_bytes(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64(number: int) -> str:
    return _b64_bytes(number.to_bytes((number.bit_length() + 7) // 8, "big"))


@dataclass
class TokenIssuer:
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537,
                                                                                     key_size=2048))
    kid: str = field(default_factory=lambda: uuid.uuid4().hex)
    url: str = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/v1/.well-known/keys", self._keys)
        return app

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/v1/.well-known/openidconfiguration"

    async def _metadata(self, request: web.Request) -> web.Response:
        return web.json_response({"issuer": ISSUER, "jwks_uri": f"{self.url}/v1/.well-known/keys",
                                  "id_token_signing_alg_values_supported": ["RS256"]})

    async def _keys(self, request: web.Request) -> web.Response:
        numbers = self.key.public_key().public_numbers()
        return web.json_response({"keys": [{"kty": "RSA", "use": "sig", "kid": self.kid, "n": _b64(numbers.n),
                                            "e": _b64(numbers.e), "endorsements": ["msteams"]}]})

    def claims(self, app_id: str, service_url: str, *, expires_in: int = 3600, issuer: str = ISSUER,
               audience: str | None = None, **overrides: object) -> dict:
        """The claims of a channel token; an override of None leaves that claim out."""
        now = int(time.time())
        claims = {"iss": issuer, "aud": audience or app_id, "serviceurl": service_url, "nbf": now - 60,
                  "iat": now - 60, "exp": now + expires_in, **overrides}
        return {name: value for name, value in claims.items() if value is not None}

    def token(self, app_id: str, service_url: str, *, key: rsa.RSAPrivateKey | None = None,
              headers: dict | None = None, **claims: object) -> str:
        return jwt.encode(self.claims(app_id, service_url, **claims), key or self.key, algorithm="RS256",
                          headers={"kid": self.kid, **(headers or {})})

    def sign_raw(self, header: bytes, payload: bytes) -> str:
        """A token from exact JSON bytes (for duplicate keys and other shapes jwt.encode cannot make)."""
        signing_input = _b64_bytes(header) + "." + _b64_bytes(payload)
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + _b64_bytes(signature)
