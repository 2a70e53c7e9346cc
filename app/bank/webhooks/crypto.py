"""Webhook secrets: made, encrypted at rest, and used to sign deliveries per Standard Webhooks.

A secret is `whsec_` + base64 of 32 random bytes; the HMAC key is those bytes (not the text). At rest it is a
Fernet token (AES-128-CBC + HMAC-SHA256) under a key derived with HKDF from `PHOQR_WEBHOOK_ENCRYPTION_KEY`
(or, when that is empty, `PHOQR_JWT_SECRET`), so a database dump alone does not reveal any secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.config import Settings

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _fernet(settings: Settings) -> Fernet:
    master = (settings.webhook_encryption_key or settings.jwt_secret).encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"phoqr/webhook-secrets", info=b"fernet v1").derive(master)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(settings: Settings, secret: str) -> str:
    return _fernet(settings).encrypt(secret.encode()).decode()


def decrypt(settings: Settings, token: str) -> str:
    try:
        return _fernet(settings).decrypt(token.encode()).decode()
    except InvalidToken as exc:  # the at-rest key changed: say so rather than sign with garbage
        raise RuntimeError("webhook secret cannot be decrypted: PHOQR_WEBHOOK_ENCRYPTION_KEY changed?") from exc


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` keyed with the secret's decoded bytes."""
    key = base64.b64decode(secret.removeprefix(PREFIX))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets_: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """One signature per secret, space-separated (both sign while a rotated secret overlaps the new one)."""
    return " ".join(sign(s, msg_id, timestamp, body) for s in secrets_)
