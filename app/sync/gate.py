"""Each worker runs `PHOQR_SYNC_CONCURRENCY` /sync batches at a time; the others wait their turn.

A 500-operation batch is mostly Python work on the worker's one event loop. Several at once took turns with each
other and left the single registrations sharing that loop waiting seconds (`make load`). A batch that waits
does so before authentication touches the database, so it holds no pooled connection; past
`PHOQR_SYNC_QUEUE_SECONDS` it answers 503 `sync_busy` with `Retry-After`, and the phone sends the same batch again
(its stored results make that harmless).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from app.core.errors import ServiceUnavailable

RETRY_AFTER_SECONDS = 10


def _gate(request: Request) -> asyncio.Semaphore:
    gate: asyncio.Semaphore | None = getattr(request.app.state, "sync_gate", None)
    if gate is None:
        gate = request.app.state.sync_gate = asyncio.Semaphore(request.app.state.settings.sync_concurrency)
    return gate


async def sync_turn(request: Request) -> AsyncIterator[None]:
    gate = _gate(request)
    try:
        # asyncio.timeout cancels the acquire itself, which hands back a permit granted at the last moment
        # (wait_for on 3.11 can lose one there, and a lost permit would close this worker's gate for good)
        async with asyncio.timeout(request.app.state.settings.sync_queue_seconds):
            await gate.acquire()
    except TimeoutError:
        raise ServiceUnavailable(
            "Máy chủ đang xử lý nhiều lượt đồng bộ, vui lòng gửi lại sau",
            "The server is busy with other sync batches: send this one again later",
            code="sync_busy",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from None
    try:
        yield
    finally:
        gate.release()


# scope="function": the turn ends when the batch's transaction has committed, before the answer is sent
SyncTurn = Annotated[None, Depends(sync_turn, scope="function")]
