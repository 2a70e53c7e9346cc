"""Who is calling and what they may do: typed dependency aliases, one per permission."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer

from app.auth.principal import Principal
from app.auth.roles import Role
from app.auth.service import load_principal
from app.core.db import SessionDep
from app.core.deps import SettingsDep
from app.core.errors import Forbidden, NotAuthenticated
from app.core.security import TokenError, decode_token

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    device_id: Annotated[str | None, Header(alias="X-Device-Id", max_length=100)] = None,
) -> Principal:
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
    principal = await load_principal(session, settings, int(claims.subject), device_id=device_id)
    if principal is None:
        raise NotAuthenticated("Tài khoản không còn hoạt động", "Account disabled", code="invalid_token")
    request.state.principal = principal
    return principal


CurrentUser = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    async def _check(principal: CurrentUser) -> Principal:
        if principal.role not in roles:
            raise Forbidden(
                "Vai trò của bạn không được làm thao tác này", "Your role may not do this", code="forbidden"
            )
        return principal

    return _check


Writer = Annotated[Principal, Depends(require_roles(Role.FIELD_AGENT, Role.WARD_OFFICER, Role.CITY_ADMIN))]
Reviewer = Annotated[Principal, Depends(require_roles(Role.WARD_OFFICER, Role.CITY_ADMIN))]
StreetManager = Annotated[Principal, Depends(require_roles(Role.WARD_OFFICER, Role.CITY_ADMIN))]
Admin = Annotated[Principal, Depends(require_roles(Role.CITY_ADMIN))]
AuditReader = Annotated[Principal, Depends(require_roles(Role.CITY_ADMIN, Role.AUDITOR))]
# wards compare themselves with each other: every public-service role sees every unit's figures; banks don't
CoverageReader = Annotated[
    Principal,
    Depends(require_roles(Role.FIELD_AGENT, Role.WARD_OFFICER, Role.CITY_ADMIN, Role.AUDITOR)),
]
BankPartner = Annotated[Principal, Depends(require_roles(Role.BANK_PARTNER))]
