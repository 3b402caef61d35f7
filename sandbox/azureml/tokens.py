"""Access tokens of the sandbox's Entra ID: RS256 JWTs signed with a key made at start, checked by its ARM.

Claims follow Entra's v2.0 app-only tokens (``aud``, ``iss``, ``tid``, ``oid``, ``azp``, ``idtyp: app``,
``exp``/``nbf``/``iat`` from the sandbox clock). Only tokens signed with this process's key are valid, so a
token from another sandbox, or a forged one, is refused.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

TOKEN_LIFETIME_S = 3599  # Entra's usual lifetime of an app-only access token (60 to 90 minutes)


@dataclass(frozen=True)
class TokenClaims:
    """What the resource learns from a valid token."""

    audience: str
    tenant_id: str
    object_id: str  # the service principal's object id
    app_id: str
    expires: int  # seconds since the epoch


class InvalidToken(Exception):
    """The token is not one this sandbox issued (malformed, or a bad signature)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class TokenSigner:
    """Issues and checks this sandbox's access tokens (its RSA key is made on first use, not at start)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: rsa.RSAPrivateKey | None = None

    def _keys(self) -> tuple[rsa.RSAPrivateKey, rsa.RSAPublicKey, str]:
        with self._lock:
            if self._key is None:
                self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                der = self._key.public_key().public_bytes(serialization.Encoding.DER,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo)
                self._key_id = _b64(hashlib.sha1(der).digest())  # noqa: S324 - a thumbprint, as Entra's x5t is
            return self._key, self._key.public_key(), self._key_id

    def issue(self, *, issuer: str, audience: str, tenant_id: str, object_id: str, app_id: str,
              now: datetime) -> tuple[str, int]:
        """A signed token and its lifetime in seconds, counted on the sandbox clock."""
        issued = int(now.timestamp())
        claims = {
            "aud": audience, "iss": issuer, "iat": issued, "nbf": issued, "exp": issued + TOKEN_LIFETIME_S,
            "azp": app_id, "azpacr": "1", "idtyp": "app", "oid": object_id, "sub": object_id, "tid": tenant_id,
            "uti": _b64(uuid.uuid4().bytes), "ver": "2.0",
        }
        return self.sign(claims), TOKEN_LIFETIME_S

    def sign(self, claims: dict) -> str:
        """Any claims as a token signed with this sandbox's key (user tokens too: ``sandbox/tokenservice``)."""
        key, _, key_id = self._keys()
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": key_id, "x5t": key_id})

    def verify(self, token: str) -> TokenClaims:
        """The claims of a token this signer issued; raises InvalidToken otherwise (expiry is the caller's)."""
        try:
            claims = jwt.decode(token, self._keys()[1], algorithms=["RS256"],
                                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                                         "verify_aud": False, "require": ["aud", "exp", "tid", "oid"]})
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None
        return TokenClaims(str(claims["aud"]), str(claims["tid"]), str(claims["oid"]), str(claims.get("azp", "")),
                           int(claims["exp"]))

    def jwks(self) -> dict:
        """The signing key as Entra publishes its keys (``jwks_uri``)."""
        _, public, key_id = self._keys()
        numbers = public.public_numbers()

        def encode(value: int) -> str:
            return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))

        return {"keys": [{"kty": "RSA", "use": "sig", "kid": key_id, "x5t": key_id,
                          "n": encode(numbers.n), "e": encode(numbers.e)}]}
