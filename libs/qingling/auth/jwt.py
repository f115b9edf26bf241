"""Signing and verifying access tokens — the one place that knows the JWT library.

python-jose does the cryptography; everything around it is ours: only ES256 is accepted (so
``alg: none`` and the HS256-with-the-public-key trick fail before any key is touched), and the
time claims are checked against the service clock, not the wall clock, so frozen-time tests and
the production clock behave the same way.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwk, jwt
from jose.exceptions import JOSEError

from qingling.errors import Unauthorized

ALGORITHM = "ES256"
LEEWAY_SECONDS = 30


class InvalidToken(Unauthorized):
    code, title = "invalid-token", "登录凭证无效或已过期，请重新登录"


@dataclass(frozen=True)
class KeyPair:
    kid: str
    private_pem: str
    public_jwk: dict[str, str]


def generate_key_pair() -> KeyPair:
    private = ec.generate_private_key(ec.SECP256R1())
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kid = secrets.token_urlsafe(12)
    public_jwk = {**jwk.construct(public_pem, ALGORITHM).to_dict(), "kid": kid, "use": "sig"}
    return KeyPair(kid, private_pem, public_jwk)


def sign(claims: dict[str, Any], private_pem: str, kid: str) -> str:
    return jwt.encode(claims, private_pem, algorithm=ALGORITHM, headers={"kid": kid})


def key_id(token: str) -> str:
    """The ``kid`` of a token whose header names our algorithm; anything else is refused."""
    try:
        header = jwt.get_unverified_header(token)
    except JOSEError as exc:
        raise InvalidToken("登录凭证格式不正确") from exc
    if header.get("alg") != ALGORITHM:
        raise InvalidToken(f"不接受签名算法 {header.get('alg')!r} 的登录凭证")
    if not isinstance(header.get("kid"), str):
        raise InvalidToken("登录凭证缺少签名密钥标识（kid）")
    return header["kid"]


def verify(token: str, public_jwk: dict[str, Any], *, audience: str, issuer: str, now: datetime) -> dict[str, Any]:
    try:
        claims = jwt.decode(
            token,
            public_jwk,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            # Time claims are checked below against our clock. (python-jose's require_exp would
            # switch its own wall-clock check back on.)
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except JOSEError as exc:
        raise InvalidToken(_reason(exc)) from exc
    moment = now.timestamp()
    if not claims.get("aud"):  # python-jose lets a token without one through; we don't
        raise InvalidToken("登录凭证未指明目标服务（aud）")
    if not isinstance(claims.get("iat"), int | float):
        raise InvalidToken("登录凭证缺少签发时间（iat）")
    if not isinstance(claims.get("exp"), int | float):
        raise InvalidToken("登录凭证缺少有效期（exp）")
    if claims["exp"] + LEEWAY_SECONDS < moment:
        raise InvalidToken("登录已过期，请重新登录")
    if "nbf" in claims and claims["nbf"] - LEEWAY_SECONDS > moment:
        raise InvalidToken("登录凭证尚未生效")
    if not isinstance(claims.get("sub"), str):
        raise InvalidToken("登录凭证缺少主体（sub）")
    return claims


def _reason(exc: JOSEError) -> str:
    text = str(exc).lower()
    if "audience" in text:
        return "登录凭证不是签发给本服务的（aud 不符）"
    if "issuer" in text:
        return "登录凭证的签发方不受信任（iss 不符）"
    if "signature" in text:
        return "登录凭证签名无效"
    return "登录凭证无效"
