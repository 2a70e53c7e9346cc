"""The sandbox bank's webhook receiver: verifies every PhoQR delivery with the `standardwebhooks` library.

Routes (mounted by `create_sandbox`):
- `POST /v1/phoqr/webhooks`: the URL to register with PhoQR (`POST /api/v1/bank/webhooks`). Each delivery is
  checked against every configured secret separately (`verified_by` lists which ones accepted it); a delivery no
  secret verifies is answered 401. Duplicates (same `webhook-id`) are answered 200 and counted, never re-processed.
- `POST /v1/phoqr/webhooks/config` `{"secrets": [...], "fail": [500, {"status": 429, "retry_after": "2"},
  {"status": 200, "delay": 5}], "receipts": {"base_url", "username", "password"}}`: what to verify with, the
  answers to give before accepting (to watch PhoQR retry, honour Retry-After or time out), and where to send
  receipts back (optional).
- `GET /v1/phoqr/webhooks/inbox`: every attempt seen and every event accepted, as JSON.

With `receipts` set, each new `merchant.created`/`merchant.updated` is answered with a receipt to PhoQR's
`POST /api/v1/bank/receipts`: accepted with a sandbox merchant id when the account exists here under that
holder name, else rejected (`account_not_found` or `name_mismatch`). Imports nothing from `app/`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import Counter, deque
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

log = logging.getLogger("sandbox.webhooks")


class Inbox:
    def __init__(self, secrets: list[str] | None = None, accounts: dict[tuple[str, str], str] | None = None) -> None:
        self.secrets: list[str] = list(secrets or [])
        self.plan: deque[dict[str, Any]] = deque()
        self.attempts: list[dict[str, Any]] = []
        self.events: dict[str, dict[str, Any]] = {}
        self.accepted: Counter[str] = Counter()
        self.receipts: dict[str, str] | None = None
        self.receipts_sent: list[dict[str, Any]] = []
        self.accounts = accounts or {}
        self._tasks: set[asyncio.Task[None]] = set()

    def verify(self, body: bytes, headers: dict[str, str]) -> list[int]:
        from standardwebhooks import Webhook  # dev tool: imported only when a delivery arrives
        from standardwebhooks.webhooks import WebhookVerificationError

        ok = []
        for i, secret in enumerate(self.secrets):
            with contextlib.suppress(WebhookVerificationError, ValueError):
                Webhook(secret).verify(body, headers)
                ok.append(i)
        return ok

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        msg_id = headers.get("webhook-id", "")
        verified = self.verify(body, headers)
        seen = {"id": msg_id, "verified_by": verified, "signatures": headers.get("webhook-signature", "").count(",")}
        self.attempts.append(seen)
        if not verified:
            seen["answer"] = 401
            return JSONResponse({"error": "signature not verified"}, status_code=401)
        if self.plan:
            step = self.plan.popleft()
            seen["answer"] = step["status"]
            if step.get("delay"):  # answer late, to watch PhoQR give up and retry
                await asyncio.sleep(float(step["delay"]))
            extra = {"Retry-After": str(step["retry_after"])} if step.get("retry_after") is not None else None
            return JSONResponse({"error": "planned failure"}, status_code=step["status"], headers=extra)
        seen["answer"] = 200
        self.accepted[msg_id] += 1
        if msg_id not in self.events:
            self.events[msg_id] = event = json.loads(body)
            if self.receipts and event.get("type") in ("merchant.created", "merchant.updated"):
                task = asyncio.create_task(self._send_receipt(event["data"]))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        return JSONResponse({"received": msg_id})

    def judge(self, record: dict[str, Any]) -> dict[str, Any]:
        account = record.get("payment_account") or {}
        holder = self.accounts.get((str(account.get("bank_bin")), str(account.get("account_number"))))
        receipt: dict[str, Any] = {"merchant_id": record["merchant_id"], "version": record["version"]}
        if holder is None:
            return receipt | {"result": "rejected", "reason_code": "account_not_found", "reason": "no such account"}
        if holder.casefold() != str(account.get("account_name") or "").casefold():
            return receipt | {"result": "rejected", "reason_code": "name_mismatch", "reason": f"holder is {holder}"}
        return receipt | {
            "result": "accepted",
            "bank_merchant_id": f"SBX-M{uuid.uuid5(uuid.NAMESPACE_URL, record['merchant_id']).hex[:8].upper()}",
            "bank_terminal_id": "T0001",
        }

    async def _send_receipt(self, record: dict[str, Any]) -> None:
        cfg = self.receipts or {}
        receipt = self.judge(record)
        try:
            async with httpx.AsyncClient(base_url=cfg["base_url"], timeout=10.0) as client:
                login = await client.post(
                    "/api/v1/auth/token", data={"username": cfg["username"], "password": cfg["password"]}
                )
                token = login.json()["access_token"]
                answer = await client.post(
                    "/api/v1/bank/receipts",
                    json={"receipts": [receipt]},
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"sbx-{uuid.uuid4()}"},
                )
            self.receipts_sent.append({"receipt": receipt, "status": answer.status_code})
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            log.warning("receipt for %s not sent: %s", receipt["merchant_id"], type(exc).__name__)
            self.receipts_sent.append({"receipt": receipt, "status": None})

    async def configure(self, request: Request) -> Response:
        try:
            data = await request.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return JSONResponse({"error": "JSON object expected"}, status_code=400)
        if "secrets" in data:
            self.secrets = [str(s) for s in data["secrets"]]
        if "fail" in data:
            self.plan = deque(s if isinstance(s, dict) else {"status": int(s)} for s in data["fail"])
        if "receipts" in data:
            self.receipts = data["receipts"] or None
        return JSONResponse({"secrets": len(self.secrets), "planned_failures": len(self.plan)})

    async def show(self, request: Request) -> Response:
        return JSONResponse(
            {
                "attempts": self.attempts,
                "events": self.events,
                "accepted": dict(self.accepted),
                "receipts_sent": self.receipts_sent,
            }
        )

    def routes(self) -> list[Route]:
        return [
            Route("/v1/phoqr/webhooks", self.receive, methods=["POST"]),
            Route("/v1/phoqr/webhooks/config", self.configure, methods=["POST"]),
            Route("/v1/phoqr/webhooks/inbox", self.show, methods=["GET"]),
        ]
