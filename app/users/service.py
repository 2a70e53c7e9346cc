"""Accounts: create, list, change, deactivate, reset a password, change one's own. Scope rules: `policy`.

Passwords are hashed before the transaction's flush and never logged, audited or stored in clear; a generated
password travels only in the answer that created it. Deactivation, a reset and a password change end every
session of the account (app.auth.sessions).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.auth import Principal, Role
from app.auth.models import User
from app.auth.repository import UserRepository
from app.auth.schemas import UnitRef
from app.auth.sessions import end_all_sessions
from app.banks.repository import BankRepository
from app.core.db.integrity import violated
from app.core.errors import Conflict, ValidationFailed
from app.core.security import hash_password_off_loop
from app.core.text import fold
from app.units.repository import UnitRepository
from app.users import passwords, policy
from app.users.repository import AccountRepository
from app.users.schemas import UserCreate, UserOut, UserUpdate, UserWithPassword

AUDITED = ("username", "full_name", "role", "bank_bin", "phone", "is_active", "must_change_password")
UNIT_ROLES = frozenset({Role.FIELD_AGENT, Role.WARD_OFFICER})


def to_out(user: User, units: Iterable[tuple[str, str]]) -> UserOut:
    return UserOut(
        id=user.id or 0,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        units=[UnitRef(edition=e, code=c) for e, c in units],
        bank_bin=user.bank_bin,
        phone=user.phone,
        is_active=user.is_active,
        is_demo=user.is_demo,
        must_change_password=user.must_change_password,
        created_at=user.created_at,
        created_by=user.created_by,
        deactivated_at=user.deactivated_at,
    )


def _state(user: User, units: list[tuple[str, str]]) -> dict[str, object]:
    return audit.snapshot(user, AUDITED) | {"units": [f"{e}:{c}" for e, c in units]}


async def check_shape(
    session: AsyncSession, role: str, units: list[tuple[str, str]], bank_bin: str | None, prefix: str = ""
) -> None:
    """422 naming the field when the role's units or bank do not fit it, or name nothing that exists."""
    if Role(role) in UNIT_ROLES and not units:
        raise ValidationFailed(f"{prefix}units", "Cần ít nhất một đơn vị", "This role needs at least one unit")
    if Role(role) not in UNIT_ROLES and units:
        raise ValidationFailed(f"{prefix}units", "Vai trò này không có đơn vị", "This role takes no units")
    if (Role(role) is Role.BANK_PARTNER) != (bank_bin is not None):
        raise ValidationFailed(
            f"{prefix}bank_bin",
            "Chỉ tài khoản ngân hàng có bank_bin, và luôn có",
            "bank_bin is required for bank_partner and refused for other roles",
        )
    if bank_bin is not None and await BankRepository(session).active_by_bin(bank_bin) is None:
        raise ValidationFailed(f"{prefix}bank_bin", "Không có ngân hàng với BIN này", "No bank with this BIN")
    repo = UnitRepository(session)
    for i, (edition, code) in enumerate(units):
        if await repo.by_code(edition, code) is None:
            raise ValidationFailed(f"{prefix}units[{i}]", "Không có đơn vị này", "No such administrative unit")
    if len(set(units)) != len(units):
        raise ValidationFailed(f"{prefix}units", "Đơn vị bị lặp", "A unit is listed twice")


def _units(refs: list[UnitRef] | None) -> list[tuple[str, str]]:
    return [(u.edition, u.code) for u in refs or []]


async def add_user(
    session: AsyncSession, body: UserCreate, *, by: Principal | None, prefix: str = ""
) -> tuple[User, list[tuple[str, str]], str | None]:
    """Creates the account without scope checks (the caller did them, or is the operator at the console).
    Returns the row, its units and the generated password (None when one was given)."""
    units = _units(body.units)
    await check_shape(session, body.role, units, body.bank_bin, prefix)
    if await AccountRepository(session).by_username(body.username) is not None:
        raise Conflict("Tên đăng nhập đã có", "This username is taken", code="username_taken")
    generated = passwords.generate() if body.password is None else None
    password = body.password if body.password is not None else generated
    assert password is not None
    passwords.check(password, body.username, f"{prefix}password")
    user = User(
        username=body.username,
        full_name=body.full_name,
        name_search=fold(body.full_name),
        role=body.role,
        bank_bin=body.bank_bin,
        phone=body.phone,
        password_hash=await hash_password_off_loop(password),
        created_by=by.id if by else None,
        # a password someone else chose is replaced by its holder at the first opportunity
        must_change_password=by is not None or generated is not None,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent creation of the same username won the race
        if violated(exc) != "uq_app_user_username":
            raise
        raise Conflict("Tên đăng nhập đã có", "This username is taken", code="username_taken") from exc
    await UserRepository(session).set_units(user.id or 0, units)
    await session.flush()
    await audit.record(session, by, "user.create", "user", user.id or 0, after=_state(user, units))
    return user, units, generated


async def create(session: AsyncSession, principal: Principal, body: UserCreate) -> UserWithPassword:
    policy.must_grant(principal, body.role, _units(body.units))
    user, units, generated = await add_user(session, body, by=principal)
    return UserWithPassword(user=to_out(user, units), password=generated, note=_shown_once(generated))


def _shown_once(password: str | None) -> str | None:
    return "Mật khẩu chỉ hiện một lần / the password is shown only in this answer" if password else None


async def _load(session: AsyncSession, principal: Principal, user_id: int) -> tuple[User, list[tuple[str, str]]]:
    user = await AccountRepository(session).get_by_id(user_id)
    if user is None:
        raise policy.not_found()
    units = (await AccountRepository(session).units_of([user_id]))[user_id]
    policy.must_reach(principal, user_id, user.role, units)
    return user, units


async def get(session: AsyncSession, principal: Principal, user_id: int) -> UserOut:
    user, units = await _load(session, principal, user_id)
    return to_out(user, units)


async def search(
    session: AsyncSession,
    principal: Principal,
    *,
    role: str | None,
    unit: str | None,
    active: bool | None,
    q: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[UserOut], str | None]:
    repo = AccountRepository(session)
    keys = policy.unit_keys(principal)
    stmt = repo.listing(
        within=keys,
        only_role=Role.FIELD_AGENT if principal.role is Role.WARD_OFFICER else None,
        role=role,
        unit=unit,
        active=active,
        q=q,
    )
    rows, nxt = await repo.paginate(stmt, order=[User.id], cursor=cursor, limit=limit)  # type: ignore[list-item]
    units = await repo.units_of([u.id for u in rows])
    return [to_out(u, units[u.id or 0]) for u in rows], nxt


async def update(session: AsyncSession, principal: Principal, user_id: int, body: UserUpdate) -> UserOut:
    user, units = await _load(session, principal, user_id)
    policy.must_manage(principal, user_id, user.role, units)
    before = _state(user, units)
    sent = body.model_fields_set
    role = body.role if "role" in sent and body.role is not None else user.role
    new_units = _units(body.units) if "units" in sent else units
    bank_bin = body.bank_bin if "bank_bin" in sent else user.bank_bin
    if role != user.role or new_units != units or bank_bin != user.bank_bin:
        policy.must_grant(principal, role, new_units)
        await check_shape(session, role, new_units, bank_bin)
    if "full_name" in sent and body.full_name is not None:
        user.full_name, user.name_search = body.full_name, fold(body.full_name)
    if "phone" in sent:
        user.phone = body.phone
    user.role, user.bank_bin = role, bank_bin
    if new_units != units:
        await UserRepository(session).set_units(user_id, new_units)
    session.add(user)
    await session.flush()
    await audit.record(session, principal, "user.update", "user", user_id, before=before, after=_state(user, new_units))
    return to_out(user, new_units)


async def deactivate(session: AsyncSession, principal: Principal | None, user: User) -> None:
    """Ends the account at once: every refresh token and dashboard session is revoked, and access tokens stop
    at their next request (the principal is reloaded with `is_active` every time)."""
    if not user.is_active:
        return
    before = audit.snapshot(user, AUDITED)
    user.is_active, user.deactivated_at = False, datetime.now(UTC)
    session.add(user)
    await session.flush()
    await end_all_sessions(session, user.id or 0)
    await audit.record(
        session, principal, "user.deactivate", "user", user.id or 0, before=before, after=audit.snapshot(user, AUDITED)
    )


async def deactivate_by(session: AsyncSession, principal: Principal, user_id: int) -> UserOut:
    user, units = await _load(session, principal, user_id)
    policy.must_manage(principal, user_id, user.role, units)
    await deactivate(session, principal, user)
    return to_out(user, units)


async def set_password(session: AsyncSession, by: Principal | None, user: User, password: str | None) -> str | None:
    """A new password chosen by someone else (or generated, then returned): the holder must replace it, and every
    session of the account ends."""
    generated = passwords.generate() if password is None else None
    chosen = password if password is not None else generated
    assert chosen is not None
    passwords.check(chosen, user.username, "password")
    user.password_hash = await hash_password_off_loop(chosen)
    user.must_change_password = True
    session.add(user)
    await session.flush()
    await end_all_sessions(session, user.id or 0)
    await audit.record(session, by, "user.reset_password", "user", user.id or 0)
    return generated


async def reset_password_by(session: AsyncSession, principal: Principal, user_id: int) -> UserWithPassword:
    user, units = await _load(session, principal, user_id)
    policy.must_manage(principal, user_id, user.role, units)
    generated = await set_password(session, principal, user, None)
    return UserWithPassword(user=to_out(user, units), password=generated, note=_shown_once(generated))
