from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.auth import CurrentUser
from app.banks.repository import BankRepository
from app.banks.schemas import BankOut
from app.core.db import SessionDep
from app.core.pagination import Page

router = APIRouter(prefix="/banks", tags=["reference"])


@router.get("", response_model=Page[BankOut], summary="Vietnamese banks by NAPAS BIN (renamed banks kept)")
async def list_banks(
    session: SessionDep,
    _: CurrentUser,
    status: Annotated[Literal["active", "renamed"] | None, Query()] = None,
) -> Page[BankOut]:
    banks = await BankRepository(session).list(status)
    return Page(items=[BankOut.model_validate(b, from_attributes=True) for b in banks])
