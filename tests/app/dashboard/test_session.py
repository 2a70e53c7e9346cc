"""The dashboard cookie: signed, expiring, tamper-evident, and its CSRF secret compared in constant time."""

from __future__ import annotations

import time

from app.core.config import Settings
from app.dashboard import session as s

SETTINGS = Settings(environment="test", jwt_secret="k" * 40)


def test_a_signed_in_session_round_trips() -> None:
    session = s.signed_in(7, "sid-7")
    back = s.decode(SETTINGS, s.encode(SETTINGS, session))
    assert back == session and back.signed_in


def test_tampered_expired_or_foreign_cookies_are_refused() -> None:
    value = s.encode(SETTINGS, s.signed_in(7, "sid-7"))
    _body, sig = value.split(".")
    forged = s.encode(SETTINGS, s.signed_in(1, "sid-7")).split(".")[0]
    assert s.decode(SETTINGS, f"{forged}.{sig}") is None  # someone else's id under this signature
    assert s.decode(SETTINGS, value[:-2] + ("AA" if not value.endswith("AA") else "BB")) is None
    assert s.decode(Settings(environment="test", jwt_secret="o" * 40), value) is None  # another key
    assert s.decode(SETTINGS, value, now=time.time() + s.SESSION_SECONDS + 5) is None
    for junk in (None, "", "abc", "a.b.c", "x" * 600):
        assert s.decode(SETTINGS, junk) is None


def test_csrf_needs_the_exact_secret() -> None:
    session = s.anonymous()
    assert s.csrf_ok(session, session.csrf)
    assert not s.csrf_ok(session, session.csrf + "x")
    assert not s.csrf_ok(session, "")
    assert not s.csrf_ok(None, session.csrf)


def test_cookie_flags() -> None:
    args = s.cookie_args(SETTINGS, s.signed_in(3, "sid-3"))
    assert args["httponly"] and args["secure"] and args["samesite"] == "lax" and args["path"] == "/dashboard"
    dev = s.cookie_args(Settings(environment="development"), s.signed_in(3, "sid-3"))
    assert dev["secure"] is False  # plain http on a developer's machine
