from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from app.auth import service
from app.auth.deps import CurrentUser
from app.auth.schemas import Me, RefreshRequest, TokenPair, UnitRef
from app.core.db import SessionDep
from app.core.deps import SettingsDep

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=TokenPair, summary="Log in (OAuth2 password form)")
async def token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> TokenPair:
    client = request.client.host if request.client else "unknown"
    return await service.login(session, settings, form.username.strip(), form.password, client)


@router.post("/auth/refresh", response_model=TokenPair, summary="Rotate a refresh token")
async def refresh(body: RefreshRequest, session: SessionDep, settings: SettingsDep) -> TokenPair:
    return await service.refresh(session, settings, body.refresh_token)


@router.get("/me", response_model=Me, tags=["users"])
async def me(principal: CurrentUser) -> Me:
    return Me(
        id=principal.id,
        username=principal.username,
        full_name=principal.full_name,
        role=principal.role,
        units=[UnitRef(edition=e, code=c) for e, c in principal.units],
        bank_bin=principal.bank_bin,
    )
