"""Login with rate limiting, rotating refresh tokens, and the principal every request runs as."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import RefreshToken, User
from app.auth.principal import Principal
from app.auth.repository import UserRepository
from app.auth.roles import Role
from app.auth.schemas import TokenPair
from app.core import ratelimit
from app.core.config import Settings
from app.core.editions import Edition
from app.core.errors import NotAuthenticated
from app.core.security import TokenError, decode_token, encode_token, new_token_id, verify_password_off_loop

# one address may be a whole ward office or a mobile carrier's NAT: allow it more tries than one username
IP_FAILURE_FACTOR = 4
LOCKED = ("Đăng nhập sai quá nhiều lần, vui lòng thử lại sau", "Too many failed logins, try again later")


def may_sign_in(user: User | None, settings: Settings) -> bool:
    """Active, and not a demo account unless demo logins are on (`Settings.demo_logins`): checked at login and
    again on every request, so a demo row left in a production database never signs anyone in."""
    return user is not None and account_may_sign_in(user.is_active, user.is_demo, settings)


def account_may_sign_in(is_active: bool, is_demo: bool, settings: Settings) -> bool:
    return is_active and (not is_demo or settings.demo_logins)


async def load_principal(
    session: AsyncSession, settings: Settings, user_id: int, *, device_id: str | None = None
) -> Principal | None:
    """The account as it is now, read on every request (deactivation and role changes apply at once): the user
    and its units in one query."""
    repo = UserRepository(session)
    rows = await repo.principal_rows(user_id, pooled=settings.database_pooler == "transaction")
    if not rows or not account_may_sign_in(rows[0].is_active, rows[0].is_demo, settings):
        return None
    user = rows[0]
    units: list[tuple[str, str]] = [(r.edition, r.code) for r in rows if r.edition is not None and r.code is not None]
    # a 2-digit code is a province: its officers see every commune of it (a 2020 province: its communes' successors)
    provinces = {c for e, c in units if e == Edition.Y2025 and len(c) == 2}
    old_provinces = [c for e, c in units if e == Edition.Y2020 and len(c) == 2]
    units_2025 = {c for e, c in units if e == Edition.Y2025 and len(c) != 2}
    units_2025 |= await repo.communes_of_provinces("2025", sorted(provinces))
    olds = [c for e, c in units if e == Edition.Y2020 and len(c) != 2]
    olds += sorted(await repo.communes_of_provinces("2020", old_provinces))
    units_2025 |= await repo.successors_2025(olds)
    return Principal(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        units=tuple(units),
        units_2025=frozenset(units_2025),
        provinces=frozenset(provinces),
        bank_bin=user.bank_bin,
        device_id=device_id,
    )


async def _issue_pair(repo: UserRepository, settings: Settings, user: User, family: str | None = None) -> TokenPair:
    access, _ = encode_token(
        settings,
        str(user.id),
        "access",
        ttl=timedelta(minutes=settings.access_token_minutes),
        extra={"role": user.role},
    )
    refresh, claims = encode_token(
        settings,
        str(user.id),
        "refresh",
        ttl=timedelta(days=settings.refresh_token_days),
        family=family or new_token_id(),
    )
    await repo.add_refresh(
        RefreshToken(jti=claims.jti, family=claims.family or "", user_id=user.id or 0, expires_at=claims.expires_at)
    )
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=settings.access_token_minutes * 60)


async def new_login(session: AsyncSession, settings: Settings, user: User) -> TokenPair:
    """A fresh token pair (a new refresh family) for a user who just proved who they are another way."""
    return await _issue_pair(UserRepository(session), settings, user)


async def login(session: AsyncSession, settings: Settings, username: str, password: str, client_addr: str) -> TokenPair:
    repo = UserRepository(session)
    user_key, ip_key = f"login-user:{username.lower()}", f"login-ip:{client_addr}"
    # count the attempt BEFORE checking the password (atomically, see app.core.ratelimit), and commit it at
    # once: concurrent guesses each take a slot instead of all reading the same count, and the per-key lock is
    # not held through the slow password check
    window = settings.login_window_seconds
    ip_hit = await ratelimit.hit(
        session, ip_key, limit=settings.login_max_failures * IP_FAILURE_FACTOR, window_seconds=window, detail=LOCKED
    )
    await ratelimit.hit(session, user_key, limit=settings.login_max_failures, window_seconds=window, detail=LOCKED)
    await session.commit()
    user = await repo.by_username(username)
    ok = await verify_password_off_loop(password, user.password_hash if user else None)
    if not ok or user is None or not may_sign_in(user, settings):
        # the counted attempt stays: it was a failure
        raise NotAuthenticated(
            "Sai tên đăng nhập hoặc mật khẩu", "Wrong username or password", code="invalid_credentials"
        )
    await ratelimit.clear(session, user_key)
    await ratelimit.forget(session, ip_hit)
    return await _issue_pair(repo, settings, user)


async def refresh(session: AsyncSession, settings: Settings, token: str) -> TokenPair:
    repo = UserRepository(session)
    try:
        claims = decode_token(settings, token, "refresh")
    except TokenError as exc:
        raise NotAuthenticated("Mã làm mới không hợp lệ", "Invalid refresh token", code="invalid_token") from exc
    now = datetime.now(UTC)
    stored = await repo.get_refresh(claims.jti)
    if stored is None:
        raise NotAuthenticated("Mã làm mới không hợp lệ", "Invalid refresh token", code="invalid_token")
    if not await repo.mark_refresh_used(claims.jti, now):
        # a used token coming back means it leaked: end the whole login, not only this token
        await repo.revoke_family(stored.family, now)
        await session.commit()
        raise NotAuthenticated(
            "Mã làm mới đã được dùng; vui lòng đăng nhập lại",
            "Refresh token already used; log in again",
            code="refresh_token_reused",
        )
    user = await repo.by_id(stored.user_id)
    if user is None or not may_sign_in(user, settings):
        raise NotAuthenticated("Tài khoản không còn hoạt động", "Account disabled", code="invalid_token")
    return await _issue_pair(repo, settings, user, family=stored.family)
