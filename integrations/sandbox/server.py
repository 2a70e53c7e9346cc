"""A fake bank with a real HTTP API, for development and tests: account lookup, merchant registration, QR,
and a receiver for PhoQR's webhooks (integrations/sandbox/webhooks.py).

Failure modes are switched per request with the `X-Sandbox-Fail` header: `503`, `slow` (sleeps past the
client's read timeout), `garbage` (200 with a non-JSON body), `other-account` (a QR for another account).
"""

from __future__ import annotations

import asyncio
import uuid

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

import qr
from integrations.sandbox.webhooks import Inbox

ACCOUNTS = {
    ("970436", "0011001234561"): "TRAN THI BA",
    ("970436", "0011001234567"): "NGUYEN THI HUONG",
    ("970415", "101874521133"): "LE VAN BAY",
    ("970418", "21510000112233"): "PHAM THU HA",
}


def create_sandbox(
    api_key: str | None = None,
    slow_seconds: float = 2.0,
    webhook_secrets: list[str] | None = None,
    receipts: dict[str, str] | None = None,
) -> Starlette:
    merchants: dict[str, str] = {}
    inbox = Inbox(webhook_secrets, ACCOUNTS)  # PhoQR's webhooks arrive here (integrations/sandbox/webhooks.py)
    inbox.receipts = receipts

    async def failure(request: Request) -> Response | None:
        if api_key and request.headers.get("x-api-key") != api_key:
            return JSONResponse({"code": "UNAUTHORIZED", "message": "bad api key"}, status_code=401)
        mode = request.headers.get("x-sandbox-fail")
        if mode == "503":
            return JSONResponse({"code": "MAINTENANCE"}, status_code=503)
        if mode == "slow":
            await asyncio.sleep(slow_seconds)
        if mode == "garbage":
            return PlainTextResponse("<html>gateway</html>")
        return None

    async def body(request: Request) -> dict[str, object]:
        try:
            data = await request.json()
        except ValueError:
            data = None
        return data if isinstance(data, dict) else {}

    async def verify(request: Request) -> Response:
        if (fail := await failure(request)) is not None:
            return fail
        data = await body(request)
        name = ACCOUNTS.get((str(data.get("bin")), str(data.get("account_number"))))
        if name is None:
            return JSONResponse({"code": "ACCOUNT_NOT_FOUND", "message": "no such account"}, status_code=404)
        return JSONResponse({"exists": True, "account_name": name})

    async def register(request: Request) -> Response:
        if (fail := await failure(request)) is not None:
            return fail
        data = await body(request)
        merchant_id = str(data.get("merchant_id") or "")
        if not merchant_id:
            return JSONResponse({"code": "INVALID", "message": "merchant_id required"}, status_code=400)
        created = merchant_id not in merchants
        reference = merchants.setdefault(merchant_id, f"SBX-{uuid.uuid4().hex[:10].upper()}")
        return JSONResponse({"reference": reference, "status": "registered"}, status_code=201 if created else 200)

    async def issue(request: Request) -> Response:
        if (fail := await failure(request)) is not None:
            return fail
        data = await body(request)
        key = (str(data.get("bin")), str(data.get("account_number")))
        name = ACCOUNTS.get(key)
        if name is None:
            return JSONResponse({"code": "ACCOUNT_NOT_FOUND", "message": "no such account"}, status_code=404)
        account = "9999999999" if request.headers.get("x-sandbox-fail") == "other-account" else key[1]
        return JSONResponse(
            {
                "payload": qr.build_vietqr(key[0], account),
                "account_name": name,
                "reference": f"QR-{uuid.uuid4().hex[:8].upper()}",
            }
        )

    return Starlette(
        routes=[
            Route("/v1/accounts/verify", verify, methods=["POST"]),
            Route("/v1/merchants", register, methods=["POST"]),
            Route("/v1/qr", issue, methods=["POST"]),
            *inbox.routes(),
        ]
    )
