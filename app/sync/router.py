from __future__ import annotations

from fastapi import APIRouter, Request

from app.auth import Writer
from app.core.db import SessionDep
from app.sync import service
from app.sync.gate import SyncTurn
from app.sync.schemas import SyncIn, SyncOut

router = APIRouter(tags=["sync"])


@router.post("/sync", response_model=SyncOut, summary="Replay the phone's offline queue (≤ 500 operations)")
async def sync(body: SyncIn, request: Request, _turn: SyncTurn, session: SessionDep, principal: Writer) -> SyncOut:
    # _turn first: a batch waits for its turn before authentication takes a database connection
    return await service.run(session, principal, request.app.state.adapters, body)
