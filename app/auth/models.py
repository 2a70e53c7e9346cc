from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.auth.roles import Role
from app.core.db import utcnow
from app.core.db.checks import one_of
from app.core.editions import Edition


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    __table_args__ = (one_of("role", Role),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True)
    full_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=20)
    bank_bin: str | None = Field(default=None, max_length=6)
    is_active: bool = True
    is_demo: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    # accounts a city runs (app/users): a volunteer's phone, who made the account, and a password someone else
    # chose (generated, or reset by an officer) that the holder is asked to replace
    phone: str | None = Field(default=None, max_length=15)
    created_by: int | None = None
    must_change_password: bool = False
    deactivated_at: datetime | None = None
    # full_name folded (app.core.text.fold): what the accounts list's `q` compares, with or without diacritics
    name_search: str = Field(default="", max_length=120)


class UserUnit(SQLModel, table=True):
    """A user's scope: units named by edition and code."""

    __tablename__ = "user_unit"
    __table_args__ = (one_of("edition", Edition),)

    user_id: int = Field(foreign_key="app_user.id", primary_key=True, ondelete="CASCADE")
    edition: str = Field(max_length=4, primary_key=True)
    code: str = Field(max_length=8, primary_key=True)


class RefreshToken(SQLModel, table=True):
    """One row per issued refresh token; a family is one login's chain of rotations."""

    __tablename__ = "refresh_token"

    jti: str = Field(primary_key=True, max_length=64)
    family: str = Field(max_length=64, index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    issued_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None


class DashboardSession(SQLModel, table=True):
    """A signed-in dashboard session. The cookie carries a random id; only its SHA-256 is stored, so a copy of
    this table signs nobody in. Signing out, deactivation and a password change set `revoked_at`."""

    __tablename__ = "dashboard_session"

    id_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
