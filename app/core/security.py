"""Passwords (Argon2) and JWTs. The only module that imports jose; the algorithm is pinned on decode."""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import anyio.to_thread
from jose import ExpiredSignatureError, JWTError, jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.core.config import Settings
from app.core.types import INT32_MAX

TokenType = Literal["access", "refresh"]
_USER_ID = re.compile(r"[1-9][0-9]{0,9}")
_hasher = PasswordHash((Argon2Hasher(),))
# verified against when the username is unknown, so both paths cost the same Argon2 work
_DUMMY_HASH = _hasher.hash("phoqr-timing-equaliser")


class TokenError(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class TokenClaims:
    subject: str
    token_type: TokenType
    jti: str
    family: str | None
    expires_at: datetime


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # a malformed stored hash is a failed login, not a 500
        return False


async def verify_password_off_loop(password: str, password_hash: str | None) -> bool:
    """verify_password in a worker thread: Argon2 takes tens of milliseconds of CPU by design, and on the
    event loop twenty concurrent logins stalled every other request for seconds."""
    return await anyio.to_thread.run_sync(verify_password, password, password_hash)


async def hash_password_off_loop(password: str) -> str:
    return await anyio.to_thread.run_sync(hash_password, password)


def new_token_id() -> str:
    return secrets.token_urlsafe(24)


def encode_token(
    settings: Settings,
    subject: str,
    token_type: TokenType,
    *,
    ttl: timedelta,
    jti: str | None = None,
    family: str | None = None,
    extra: dict[str, Any] | None = None,
) -> tuple[str, TokenClaims]:
    now = datetime.now(UTC)
    claims = TokenClaims(subject, token_type, jti or new_token_id(), family, now + ttl)
    body: dict[str, Any] = {
        "sub": subject,
        "typ": token_type,
        "jti": claims.jti,
        "iat": int(now.timestamp()),
        "exp": int(claims.expires_at.timestamp()),
        "iss": "phoqr",
    }
    if family:
        body["fam"] = family
    body.update(extra or {})
    return jwt.encode(body, settings.jwt_secret, algorithm=settings.jwt_algorithm), claims


# access tokens already verified, by (token, secret, algorithm): every request of a session presents the same token,
# and its HMAC check and claim parsing were ~0.15 ms of each. Only what the token itself proves is remembered
# (signature, issuer, type, subject); the expiry is checked again on every use, and who the subject is now
# (active, role, units) is still read per request by app.auth.service.load_principal.
_VERIFIED: dict[tuple[str, str, str], TokenClaims] = {}
_VERIFIED_MAX = 4096


def decode_token(settings: Settings, token: str, expected: TokenType) -> TokenClaims:
    if expected != "access":
        return _decode(settings, token, expected)
    key = (token, settings.jwt_secret, settings.jwt_algorithm)
    claims = _VERIFIED.get(key)
    if claims is None:
        claims = _decode(settings, token, expected)
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.clear()
        _VERIFIED[key] = claims
    # jose's rule: expired once `exp` is before the current whole second
    elif int(claims.expires_at.timestamp()) < int(time.time()):
        raise TokenError("expired")
    return claims


def _decode(settings: Settings, token: str, expected: TokenType) -> TokenClaims:
    try:
        body = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[settings.jwt_algorithm],
            issuer="phoqr",
            options={"require_exp": True, "require_sub": True, "require_jti": True},
        )
    except ExpiredSignatureError as exc:
        raise TokenError("expired") from exc
    except JWTError as exc:
        raise TokenError("invalid") from exc
    if body.get("typ") != expected:
        raise TokenError("wrong_type")
    if not _USER_ID.fullmatch(str(body["sub"])) or int(body["sub"]) > INT32_MAX:
        raise TokenError("invalid")  # signed by us but not naming a user: never a 500 further down
    return TokenClaims(
        subject=str(body["sub"]),
        token_type=expected,
        jti=str(body["jti"]),
        family=body.get("fam"),
        expires_at=datetime.fromtimestamp(int(body["exp"]), UTC),
    )
