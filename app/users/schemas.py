from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.auth.schemas import UnitRef
from app.core.text import UserText, nfc

RoleName = Literal["field_agent", "ward_officer", "city_admin", "bank_partner", "auditor"]
USERNAME = r"^[a-z0-9][a-z0-9._-]{2,79}$"
PHONE = r"^0\d{9,10}$"
PASSWORD_NOT_REPLAYED = (
    "Replayed answer: the one-time password was shown only in the first answer. If it was lost, reset it "
    "(POST /users/{user_id}/reset-password)."
)
NOT_REPLAYED = (
    "Replayed answer: the one-time passwords were shown only in the first answer. If they were lost, reset "
    "the passwords (POST /users/{user_id}/reset-password)."
)


def _name(v: str) -> str:
    v = nfc(v)
    if not v:
        raise ValueError("không được để trống / must not be empty")
    return v


class UserCreate(BaseModel):
    """A new account. Without `password`, one is generated and shown once in the answer."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(pattern=USERNAME, examples=["agent.thangtam.01"], description="lower case, 3-80")
    full_name: UserText = Field(min_length=1, max_length=120, examples=["Nguyễn Văn An"])
    role: RoleName
    units: list[UnitRef] = Field(default_factory=list, max_length=50, description="field agents and officers")
    bank_bin: str | None = Field(None, pattern=r"^\d{6}$", description="bank partners only")
    phone: str | None = Field(None, pattern=PHONE, examples=["0901234567"])
    password: str | None = Field(None, min_length=1, max_length=200, description="at least 10 characters")

    _full_name = field_validator("full_name", mode="after")(_name)


class UserUpdate(BaseModel):
    """Only the fields sent change. `units` replaces the list."""

    model_config = ConfigDict(extra="forbid")
    full_name: UserText | None = Field(None, min_length=1, max_length=120)
    role: RoleName | None = None
    units: list[UnitRef] | None = Field(None, max_length=50)
    bank_bin: str | None = Field(None, pattern=r"^\d{6}$")
    phone: str | None = Field(None, pattern=PHONE)

    @field_validator("full_name", mode="after")
    @classmethod
    def _full_name(cls, v: str | None) -> str | None:
        return _name(v) if v is not None else None


class UserOut(BaseModel):
    id: int
    username: str
    full_name: str
    role: str
    units: list[UnitRef]
    bank_bin: str | None
    phone: str | None
    is_active: bool
    is_demo: bool
    must_change_password: bool
    created_at: datetime
    created_by: int | None
    deactivated_at: datetime | None


class UserWithPassword(BaseModel):
    """A created account or a reset password. `password` is the one-time password (null when the caller chose
    it, and in a replayed answer: see `note`)."""

    user: UserOut
    password: str | None = None
    note: str | None = None


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200, description="at least 10 characters")


class CreatedRow(BaseModel):
    row: int = Field(description="line of the CSV (the header is line 1)")
    user: UserOut
    password: str | None = None


class BulkCreated(BaseModel):
    created: list[CreatedRow]
    count: int
    passwords_shown: bool = Field(description="false in a replayed answer: the passwords are shown only once")
    note: str | None = None


ListRole = Literal["field_agent", "ward_officer", "city_admin", "bank_partner", "auditor"]
UserState = Literal["active", "inactive"]
