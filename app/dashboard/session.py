"""The dashboard's cookie session and CSRF token.

One signed cookie (HMAC-SHA256, key derived from the JWT secret with its own label, so a dashboard cookie
can never pass for a token or the other way round) holds the user id, a random session id, an expiry and a CSRF
secret. The session id names a server-side row (app.auth.sessions): signing out, deactivation or a password
change revokes the row, and the cookie stops working at once even though its signature is still good. Its path is
`/dashboard`, so the browser never sends it to `/api/v1`, and the API reads bearer tokens only anyway.
A visitor who is not signed in gets a cookie with only the CSRF secret, so the sign-in form is protected too;
signing in issues a fresh secret (no session fixation). Every POST form carries the secret in a hidden field,
compared in constant time (synchroniser token), and a cross-site Origin is refused as well.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from app.core.config import Settings
from app.dashboard import PREFIX

COOKIE = "phoqr_dash"
COOKIE_PATH = PREFIX
SESSION_SECONDS = 8 * 3600  # one working day; the user signs in again the next morning
ANON_SECONDS = 2 * 3600


@dataclass(frozen=True, slots=True)
class DashSession:
    user_id: int | None
    csrf: str
    expires: int
    sid: str | None = None  # the server-side session (signed in only)

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None


def _key(settings: Settings) -> bytes:
    return hmac.new(settings.jwt_secret.encode(), b"phoqr-dashboard-session-v1", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(settings: Settings, s: DashSession) -> str:
    body = _b64(json.dumps({"u": s.user_id, "c": s.csrf, "e": s.expires, "s": s.sid}, separators=(",", ":")).encode())
    sig = _b64(hmac.new(_key(settings), body.encode(), hashlib.sha256).digest())
    return f"{body}.{sig}"


def decode(settings: Settings, value: str | None, now: float | None = None) -> DashSession | None:
    """None for a missing, tampered, malformed or expired cookie."""
    if not value or value.count(".") != 1 or len(value) > 512:
        return None
    body, sig = value.split(".")
    expected = _b64(hmac.new(_key(settings), body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(sig, expected):
        return None
    try:
        data = json.loads(_unb64(body))
        user_id, csrf, expires, sid = data["u"], str(data["c"]), int(data["e"]), data.get("s")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if expires < (now if now is not None else time.time()) or (user_id is not None and not isinstance(user_id, int)):
        return None
    if user_id is not None and not isinstance(sid, str):
        return None  # signed in without a server-side session: a cookie from before sessions were revocable
    return DashSession(user_id=user_id, csrf=csrf, expires=expires, sid=sid if user_id is not None else None)


def anonymous() -> DashSession:
    return DashSession(None, secrets.token_urlsafe(24), int(time.time()) + ANON_SECONDS)


def signed_in(user_id: int, sid: str) -> DashSession:
    return DashSession(user_id, secrets.token_urlsafe(24), int(time.time()) + SESSION_SECONDS, sid)


def csrf_ok(s: DashSession | None, submitted: str | None) -> bool:
    return s is not None and bool(submitted) and hmac.compare_digest(s.csrf.encode(), (submitted or "").encode())


def cookie_args(settings: Settings, s: DashSession) -> dict[str, object]:
    return {
        "key": COOKIE,
        "value": encode(settings, s),
        "max_age": max(0, s.expires - int(time.time())),
        "path": COOKIE_PATH,
        "httponly": True,
        "samesite": "lax",
        "secure": settings.environment != "development",
    }
