"""Passwords people choose or are given: the minimum rules, and generated one-time passwords."""

from __future__ import annotations

import secrets

from app.core.errors import ValidationFailed

MIN_LENGTH = 10
MAX_LENGTH = 200
# no 0/O, 1/l/I: the password is read aloud or copied from a screen by a volunteer
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_COMMON = frozenset({"phoqr-demo", "1234567890", "0123456789", "password12", "matkhau123", "qwertyuiop"})


def generate() -> str:
    """Four groups of four (about 79 bits), e.g. `k7mq-x3tp-w9ha-r2fn`."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))


def check(password: str, username: str, field: str) -> None:
    """422 on `field` when the password is too short, too long, the username, or a well-known one."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(
            field, f"Mật khẩu cần ít nhất {MIN_LENGTH} ký tự", f"The password needs at least {MIN_LENGTH} characters"
        )
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(field, "Mật khẩu quá dài", f"The password is longer than {MAX_LENGTH} characters")
    if password.strip().lower() in (_COMMON | {username.lower()}):
        raise ValidationFailed(field, "Mật khẩu quá dễ đoán", "The password is too easy to guess")
