"""Accounts: `/users` for managers (scoped by app.users.policy), `/me/password` for everyone."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from app.auth import CurrentUser, Principal, Role, require_roles
from app.auth.schemas import TokenPair
from app.core.db import SessionDep
from app.core.deps import SettingsDep
from app.core.pagination import CursorQuery, LimitQuery, Page
from app.core.types import DbId
from app.idempotency.service import IdempotencyKey, respond_once
from app.users import bulk, me, service
from app.users.schemas import (
    PASSWORD_NOT_REPLAYED,
    BulkCreated,
    ListRole,
    PasswordChange,
    UserCreate,
    UserOut,
    UserState,
    UserUpdate,
    UserWithPassword,
)

router = APIRouter(tags=["users"])

AccountReader = Annotated[Principal, Depends(require_roles(Role.CITY_ADMIN, Role.WARD_OFFICER, Role.AUDITOR))]
AccountManager = Annotated[Principal, Depends(require_roles(Role.CITY_ADMIN, Role.WARD_OFFICER))]


def _without_password(answer: dict[str, Any]) -> dict[str, Any]:
    return answer | {"password": None, "note": PASSWORD_NOT_REPLAYED}


@router.post("/users", response_model=UserWithPassword, status_code=201, summary="Create an account")
async def create_user(
    body: UserCreate,
    request: Request,
    session: SessionDep,
    principal: AccountManager,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A ward officer creates field agents of its own units; a city admin any account. Without `password`, a
    one-time password is generated and shown only in this answer (a replay answers without it)."""

    async def handler() -> tuple[int, object, dict[str, str]]:
        out = await service.create(session, principal, body)
        return 201, out, {"Location": f"/api/v1/users/{out.user.id}"}

    # a chosen password stays out of the stored fingerprint too (a SHA-256 of a known body would reveal it)
    fingerprint = body.model_dump(mode="json", exclude={"password"}) | {"password_given": body.password is not None}
    return await respond_once(
        request, session, principal, idempotency_key, fingerprint, handler, redact=_without_password
    )


@router.get("/users", response_model=Page[UserOut], summary="Accounts the caller may manage or read")
async def list_users(
    session: SessionDep,
    principal: AccountReader,
    role: ListRole | None = None,
    unit: Annotated[str | None, Query(pattern=r"^(2020|2025):\d{5}$", description="edition:code")] = None,
    state: UserState | None = None,
    q: Annotated[str | None, Query(max_length=100, description="username, phone or name (diacritics optional)")] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[UserOut]:
    items, nxt = await service.search(
        session,
        principal,
        role=role,
        unit=unit,
        active=None if state is None else state == "active",
        q=q,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=items, next_cursor=nxt)


@router.post("/users/bulk", response_model=BulkCreated, status_code=201, summary="Field agents from a CSV")
async def bulk_create_users(
    request: Request,
    session: SessionDep,
    principal: AccountManager,
    file: Annotated[UploadFile, File(description="UTF-8 CSV, header `name,phone,unit` (unit: 2025:26506)")],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Every row is checked first; any problem (named `rows[<line>].<column>`) creates nobody. Each agent gets a
    one-time password shown only in this answer; a replay with the same Idempotency-Key answers the same
    accounts without passwords (`passwords_shown: false`)."""
    data = await file.read(bulk.MAX_BYTES + 1)

    async def handler() -> tuple[int, object, dict[str, str]]:
        return 201, await bulk.create_agents(session, principal, data), {}

    return await respond_once(
        request, session, principal, idempotency_key, data, handler, redact=bulk.without_passwords
    )


@router.get("/users/{user_id}", response_model=UserOut)
async def get_user(user_id: DbId, session: SessionDep, principal: AccountReader) -> UserOut:
    return await service.get(session, principal, user_id)


@router.patch("/users/{user_id}", response_model=UserOut, summary="Change name, phone, role, units or bank")
async def patch_user(user_id: DbId, body: UserUpdate, session: SessionDep, principal: AccountManager) -> UserOut:
    return await service.update(session, principal, user_id, body)


@router.post("/users/{user_id}/deactivate", response_model=UserOut)
async def deactivate_user(user_id: DbId, session: SessionDep, principal: AccountManager) -> UserOut:
    """At once: refresh tokens and dashboard sessions are revoked and access tokens stop working."""
    return await service.deactivate_by(session, principal, user_id)


@router.post("/users/{user_id}/reset-password", response_model=UserWithPassword)
async def reset_user_password(user_id: DbId, session: SessionDep, principal: AccountManager) -> UserWithPassword:
    """A new one-time password, shown only in this answer; every session of the account ends."""
    return await service.reset_password_by(session, principal, user_id)


@router.post("/me/password", response_model=TokenPair, summary="Change one's own password")
async def change_my_password(
    body: PasswordChange, session: SessionDep, settings: SettingsDep, principal: CurrentUser
) -> TokenPair:
    """Every other session of the account ends (refresh tokens, dashboard); the answer is a fresh token pair."""
    return await me.change_password(session, settings, principal, body)
