"""A user changes their own password: the current one first (rate limited like a login), then every other
session of the account ends and the caller continues with the token pair of a fresh login."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.auth import Principal
from app.auth import service as auth_service
from app.auth.repository import UserRepository
from app.auth.schemas import TokenPair
from app.auth.sessions import end_all_sessions
from app.core import ratelimit
from app.core.config import Settings
from app.core.errors import ValidationFailed
from app.core.security import hash_password_off_loop, verify_password_off_loop
from app.users import passwords, policy
from app.users.schemas import PasswordChange


async def change_password(
    session: AsyncSession, settings: Settings, principal: Principal, body: PasswordChange
) -> TokenPair:
    user = await UserRepository(session).by_id(principal.id)
    if user is None:
        raise policy.not_found()
    # a stolen access token must not become a way to guess the password: the login's limit applies
    key = f"login-user:{user.username.lower()}"
    await ratelimit.hit(
        session,
        key,
        limit=settings.login_max_failures,
        window_seconds=settings.login_window_seconds,
        detail=auth_service.LOCKED,
    )
    await session.commit()
    if not await verify_password_off_loop(body.current_password, user.password_hash):
        raise ValidationFailed(
            "current_password",
            "Mật khẩu hiện tại không đúng",
            "The current password is wrong",
            code="wrong_password",
        )
    await ratelimit.clear(session, key)
    if body.new_password == body.current_password:
        raise ValidationFailed("new_password", "Mật khẩu mới phải khác mật khẩu cũ", "Choose a different password")
    passwords.check(body.new_password, user.username, "new_password")
    user.password_hash = await hash_password_off_loop(body.new_password)
    user.must_change_password = False
    session.add(user)
    await session.flush()
    await end_all_sessions(session, user.id or 0)
    await audit.record(session, principal, "user.change_password", "user", user.id or 0)
    return await auth_service.new_login(session, settings, user)
