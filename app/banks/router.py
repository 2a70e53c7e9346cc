from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.auth import CurrentUser
from app.banks import service
from app.banks.models import BankStatus
from app.banks.schemas import BankOut
from app.core.db import SessionDep
from app.core.pagination import Page

router = APIRouter(prefix="/banks", tags=["reference"])


@router.get("", response_model=Page[BankOut], summary="Vietnamese banks by NAPAS BIN (renamed banks kept)")
async def list_banks(
    session: SessionDep,
    _: CurrentUser,
    status: Annotated[BankStatus | None, Query()] = None,
) -> Page[BankOut]:
    return Page(items=await service.list_banks(session, status))
