"""The verified-token cache of app.core.security.decode_token remembers only what a token proves: its expiry is
checked on every use, and a token verified under one secret is not taken under another."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from app.core import security
from app.core.config import Settings
from app.core.security import TokenError, decode_token, encode_token


def test_a_cached_token_still_expires(settings, monkeypatch):
    token, claims = encode_token(settings, "7", "access", ttl=timedelta(seconds=60))
    first = decode_token(settings, token, "access")  # verified, now remembered
    assert first.jti == claims.jti and first.subject == "7"
    assert decode_token(settings, token, "access") == first  # from the cache
    later = time.time() + 120
    monkeypatch.setattr(security.time, "time", lambda: later)
    with pytest.raises(TokenError) as exc:
        decode_token(settings, token, "access")
    assert exc.value.reason == "expired"


def test_a_token_verified_under_one_secret_is_refused_under_another(settings):
    token, _ = encode_token(settings, "7", "access", ttl=timedelta(minutes=5))
    decode_token(settings, token, "access")
    other = Settings(environment="test", jwt_secret="another-secret-of-at-least-32-characters!!")
    with pytest.raises(TokenError):
        decode_token(other, token, "access")


def test_the_type_is_still_checked(settings):
    refresh, _ = encode_token(settings, "7", "refresh", ttl=timedelta(minutes=5), family="f")
    with pytest.raises(TokenError):
        decode_token(settings, refresh, "access")
    access, _ = encode_token(settings, "7", "access", ttl=timedelta(minutes=5))
    decode_token(settings, access, "access")
    with pytest.raises(TokenError):
        decode_token(settings, access, "refresh")
