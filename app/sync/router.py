from __future__ import annotations

from fastapi import APIRouter, Request

from app.auth import Writer
from app.core.db import SessionDep
from app.sync import service
from app.sync.schemas import SyncIn, SyncOut

router = APIRouter(tags=["sync"])


@router.post("/sync", response_model=SyncOut, summary="Replay the phone's offline queue (≤ 500 operations)")
async def sync(body: SyncIn, request: Request, session: SessionDep, principal: Writer) -> SyncOut:
    return await service.run(session, principal, request.app.state.adapters, body)
