"""Who may manage whom: the one place the rules live (API, bulk import; the CLI is the operator and skips them).

- city_admin manages every account and may grant any role, since it holds them all; a city admin whose scope is
  narrowed to units (`Principal.sees_all` false, e.g. a province) manages only accounts whose units all lie there;
- ward_officer manages field agents whose units all lie in its own units, and creates only such agents;
- auditor reads every account; nobody else reads any but their own (`GET /me`);
- nobody changes their own role, units or bank, deactivates themselves, or resets their own password through
  the admin API (`POST /me/password` is the way), so no one raises their own rights.
A target outside the caller's reach is 404 (it does not exist for them); a change beyond the caller's rights on a
target it may see is 403.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.auth import Principal, Role
from app.core.errors import Forbidden, NotFound

Units = Iterable[tuple[str, str]]
# the roles each manager may create or give
GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.CITY_ADMIN: frozenset(Role),
    Role.WARD_OFFICER: frozenset({Role.FIELD_AGENT}),
}


def unit_keys(principal: Principal) -> frozenset[str] | None:
    """The units (as `edition:code`) a manager's reach covers, or None for everywhere."""
    if principal.sees_all:
        return None
    if principal.role in (Role.CITY_ADMIN, Role.AUDITOR, Role.WARD_OFFICER):
        own = {f"{e}:{c}" for e, c in principal.units}
        return frozenset(own | {f"2025:{c}" for c in principal.units_2025})
    return frozenset()


def _within(principal: Principal, units: Units) -> bool:
    keys = unit_keys(principal)
    wanted = {f"{e}:{c}" for e, c in units}
    return keys is None or (bool(wanted) and wanted <= keys)


def reaches(principal: Principal, role: str, units: Units) -> bool:
    """Whether `principal` may see and manage an account with this role and these units."""
    if principal.role in (Role.CITY_ADMIN, Role.AUDITOR):
        return _within(principal, units)  # everywhere, or the units of a narrowed scope
    if principal.role is Role.WARD_OFFICER:
        return role == Role.FIELD_AGENT and _within(principal, units)
    return False


def not_found() -> NotFound:
    return NotFound("Không tìm thấy tài khoản", "User not found", code="user_not_found")


def must_reach(principal: Principal, target_id: int, role: str, units: Units) -> None:
    if not reaches(principal, role, units) and principal.id != target_id:
        raise not_found()


def must_manage(principal: Principal, target_id: int, role: str, units: Units) -> None:
    """Reach the account, hold a managing role, and not be that account."""
    must_reach(principal, target_id, role, units)
    if principal.role not in GRANTABLE:
        raise Forbidden("Vai trò của bạn chỉ được xem", "Your role may only read accounts", code="forbidden")
    if principal.id == target_id:
        raise Forbidden(
            "Không được tự thay đổi quyền hay khóa tài khoản của chính mình",
            "You may not change your own rights or deactivate yourself",
            code="own_account",
        )


def may_grant(principal: Principal, role: str, units: Units) -> bool:
    return Role(role) in GRANTABLE.get(principal.role, frozenset()) and _within(principal, units)


def must_grant(principal: Principal, role: str, units: Units) -> None:
    """The role and units given are within what the principal holds."""
    allowed = GRANTABLE.get(principal.role, frozenset())
    if Role(role) not in allowed:
        raise Forbidden("Bạn không được cấp vai trò này", "You may not give this role", code="role_not_grantable")
    if not _within(principal, units):
        raise Forbidden(
            "Chỉ được cấp các đơn vị bạn phụ trách",
            "You may only give units you are responsible for",
            code="units_not_grantable",
        )
