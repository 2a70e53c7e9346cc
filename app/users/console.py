"""`phoqr users ...`: the operator at the server's console (the first city admin of a fresh install is made
here). Passwords never come from the command line (shell history, `ps`): generated and printed once by default,
or read from a hidden prompt (`--prompt`) or the first line of stdin (`--password-stdin`)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.auth.models import User
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.core.errors import AppError
from app.users import service
from app.users.repository import AccountRepository
from app.users.schemas import UserCreate

T = TypeVar("T")


async def _run(settings: Settings, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = make_engine(settings.database_url, pooler=settings.database_pooler)
    try:
        async with make_sessionmaker(engine)() as session:
            result = await fn(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def _password(args: argparse.Namespace) -> str | None:
    """The password the operator typed or piped, or None to generate one."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if args.prompt:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Again: "):
            sys.exit("the two passwords differ")
        return first
    return None


def _fail(exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        lines = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    else:
        assert isinstance(exc, AppError)
        lines = [exc.detail_en or exc.code] + [f"{e.field}: {e.message_en or e.message}" for e in exc.errors]
    sys.exit("refused: " + "; ".join(lines))


async def _user(session: AsyncSession, username: str) -> User:
    user = await AccountRepository(session).by_username(username)
    if user is None:
        sys.exit(f"no user {username!r}")
    return user


def cmd_create(settings: Settings, args: argparse.Namespace) -> None:
    units = []
    for ref in args.unit or []:
        edition, _, code = ref.rpartition(":")
        units.append({"edition": edition or "2025", "code": code})
    try:
        body = UserCreate(
            username=args.username,
            full_name=args.full_name,
            role=args.role,
            units=units,
            bank_bin=args.bank_bin,
            phone=args.phone,
            password=_password(args),
        )
        user, _, generated = asyncio.run(_run(settings, lambda s: service.add_user(s, body, by=None)))
    except (ValidationError, AppError) as exc:
        _fail(exc)
        return
    print(f"user {user.username} ({user.role}) created, id {user.id}")
    if generated:
        print(f"one-time password (shown once, to be changed at first sign-in): {generated}")


def cmd_list(settings: Settings, args: argparse.Namespace) -> None:
    async def rows(session: AsyncSession) -> list[tuple[Any, list[tuple[str, str]]]]:
        repo = AccountRepository(session)
        active = None if args.all else True
        stmt = repo.listing(within=None, only_role=None, role=args.role, unit=args.unit, active=active, q=None)
        users = await repo.get_all(stmt.order_by(col(User.id)))
        units = await repo.units_of([u.id for u in users])
        return [(u, units[u.id]) for u in users]

    for user, units in asyncio.run(_run(settings, rows)):
        scope = ",".join(f"{e}:{c}" for e, c in units) or (user.bank_bin or "-")
        state = "active" if user.is_active else "inactive"
        demo = " demo" if user.is_demo else ""
        print(f"{user.id}\t{user.username}\t{user.role}\t{scope}\t{state}{demo}\t{user.full_name}")


def cmd_deactivate(settings: Settings, args: argparse.Namespace) -> None:
    async def run(session: AsyncSession) -> None:
        await service.deactivate(session, None, await _user(session, args.username))

    asyncio.run(_run(settings, run))
    print(f"user {args.username} deactivated; their sessions and tokens are revoked")


def cmd_reset_password(settings: Settings, args: argparse.Namespace) -> None:
    password = _password(args)

    async def run(session: AsyncSession) -> str | None:
        return await service.set_password(session, None, await _user(session, args.username), password)

    try:
        generated = asyncio.run(_run(settings, run))
    except AppError as exc:
        _fail(exc)
        return
    print(f"password of {args.username} reset; their sessions and tokens are revoked")
    if generated:
        print(f"one-time password (shown once, to be changed at first sign-in): {generated}")


def _password_options(parser: argparse.ArgumentParser) -> None:
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--prompt", action="store_true", help="type the password at a hidden prompt")
    how.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")


def add_commands(sub: Any) -> None:
    users = sub.add_parser("users", help="accounts: create, list, deactivate, reset-password")
    cmds = users.add_subparsers(dest="users_command", required=True)
    create = cmds.add_parser("create", help="create an account (password generated and shown once by default)")
    create.add_argument("username")
    create.add_argument("--full-name", required=True)
    create.add_argument(
        "--role", required=True, choices=["city_admin", "ward_officer", "field_agent", "bank_partner", "auditor"]
    )
    create.add_argument("--unit", action="append", help="edition:code, e.g. 2025:26506 (repeatable)")
    create.add_argument("--bank-bin")
    create.add_argument("--phone")
    _password_options(create)
    create.set_defaults(fn=cmd_create)
    listing = cmds.add_parser("list", help="list active accounts")
    listing.add_argument("--role")
    listing.add_argument("--unit", help="edition:code")
    listing.add_argument("--all", action="store_true", help="inactive accounts too")
    listing.set_defaults(fn=cmd_list)
    off = cmds.add_parser("deactivate", help="deactivate an account and end its sessions")
    off.add_argument("username")
    off.set_defaults(fn=cmd_deactivate)
    reset = cmds.add_parser("reset-password", help="new password (generated and shown once by default)")
    reset.add_argument("username")
    _password_options(reset)
    reset.set_defaults(fn=cmd_reset_password)
