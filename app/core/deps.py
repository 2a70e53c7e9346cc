"""Who is calling and what they may touch: typed dependency aliases, one per permission."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer

from app.core.config import Settings
from app.core.db import SessionDep
from app.core.errors import Forbidden, NotAuthenticated
from app.core.security import TokenError, decode_token

ROLES = ("field_agent", "ward_officer", "city_admin", "bank_partner", "auditor")
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def app_settings(request: Request) -> Settings:
    """The settings the app was created with (tests create apps with their own)."""
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(app_settings)]


@dataclass(frozen=True, slots=True)
class Principal:
    id: int
    username: str
    full_name: str
    role: str
    units: tuple[tuple[str, str], ...] = ()
    # the 2025 units the user's scope covers (2020 units are mapped to their successors)
    units_2025: frozenset[str] = field(default_factory=frozenset)
    bank_bin: str | None = None
    device_id: str | None = None

    @property
    def sees_all(self) -> bool:
        return self.role in ("city_admin", "auditor")

    @property
    def can_write(self) -> bool:
        return self.role in ("field_agent", "ward_officer", "city_admin")

    def covers_unit(self, unit_code_2025: str | None) -> bool:
        return self.sees_all or (unit_code_2025 is not None and unit_code_2025 in self.units_2025)


async def get_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    device_id: Annotated[str | None, Header(alias="X-Device-Id", max_length=100)] = None,
) -> Principal:
    from app.users.service import load_principal  # late: users depends on core

    if not token:
        raise NotAuthenticated("Cần đăng nhập", "Authentication required")
    try:
        claims = decode_token(settings, token, "access")
    except TokenError as exc:
        raise NotAuthenticated(
            "Mã truy cập không hợp lệ hoặc đã hết hạn",
            "Invalid or expired access token",
            code="invalid_token",
        ) from exc
    principal = await load_principal(session, int(claims.subject), device_id=device_id)
    if principal is None:
        raise NotAuthenticated("Tài khoản không còn hoạt động", "Account disabled", code="invalid_token")
    request.state.principal = principal
    return principal


CurrentUser = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    async def _check(principal: CurrentUser) -> Principal:
        if principal.role not in roles:
            raise Forbidden(
                "Vai trò của bạn không được làm thao tác này", "Your role may not do this", code="forbidden"
            )
        return principal

    return _check


Writer = Annotated[Principal, Depends(require_roles("field_agent", "ward_officer", "city_admin"))]
Reviewer = Annotated[Principal, Depends(require_roles("ward_officer", "city_admin"))]
StreetManager = Annotated[Principal, Depends(require_roles("ward_officer", "city_admin"))]
Admin = Annotated[Principal, Depends(require_roles("city_admin"))]
AuditReader = Annotated[Principal, Depends(require_roles("city_admin", "auditor"))]
