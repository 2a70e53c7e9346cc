"""Account-name inquiry against the sandbox bank over real HTTP: matched, mismatch, not found, and a bank that is
down never blocks a registration and is asked again later."""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager
from datetime import timedelta
from types import SimpleNamespace

import httpx
import pytest

from app.bank.account_names import service as account_names
from app.consents.models import AccountNameCheck
from app.core.db import utcnow
from integrations import build_registry
from integrations.sandbox import run_sandbox_in_thread


@pytest.fixture
def sandbox_url():
    with run_sandbox_in_thread() as url:
        yield url


@pytest.fixture
def factory(session):
    @asynccontextmanager
    async def _same():
        yield session

    return _same


def body(account_number, account_name, bank_bin="970436", **over):
    return {
        "id": str(uuid.uuid4()),
        "name": "Tạp hóa " + account_name,
        "category": "grocery",
        "owner_name": account_name,
        "unit": {"edition": "2025", "code": "26506"},
        "payment_account": {"bank_bin": bank_bin, "account_number": account_number, "account_name": account_name},
    } | over


async def _check(session, merchant_id):
    """The stored check as plain values (a detached copy: later requests expire the session's rows)."""
    session.expire_all()
    row = await session.get(AccountNameCheck, merchant_id)
    return None if row is None else SimpleNamespace(**row.model_dump())


async def test_holder_names_checked_with_the_bank(client, auth, session, factory, sandbox_url):
    registry = build_registry(f"970436=sandbox@{sandbox_url}")
    account_names.use_registry(registry)
    try:
        h = await auth("agent.vungtau")
        same = await client.post("/api/v1/merchants", json=body("0011001234567", "Nguyễn Thị Hương"), headers=h)
        other = await client.post("/api/v1/merchants", json=body("0011001234561", "Trần Văn Tám"), headers=h)
        missing = await client.post("/api/v1/merchants", json=body("0011009999999", "Lê Bảy"), headers=h)
        elsewhere = await client.post(
            "/api/v1/merchants", json=body("101874521133", "Lê Văn Bảy", bank_bin="970415"), headers=h
        )
        assert {r.status_code for r in (same, other, missing, elsewhere)} == {201}
        for r in (same, other, missing):
            assert (await _check(session, r.json()["id"])).state == "pending"
        assert await _check(session, elsewhere.json()["id"]) is None  # its bank offers no inquiry

        assert await account_names.run_due_checks(factory, registry) == 3
        got = {r.json()["id"]: await _check(session, r.json()["id"]) for r in (same, other, missing)}
        assert got[same.json()["id"]].state == "matched"
        assert got[same.json()["id"]].bank_account_name == "NGUYEN THI HUONG"
        assert got[other.json()["id"]].state == "mismatch"
        assert got[other.json()["id"]].bank_account_name == "TRAN THI BA"
        assert got[missing.json()["id"]].state == "not_found"
        assert await account_names.run_due_checks(factory, registry) == 0

        # the holder's name corrected to what the bank says: matched again without asking the bank
        mid = other.json()["id"]
        cur = await client.get(f"/api/v1/merchants/{mid}", headers=h)
        fix = {
            "payment_account": {"bank_bin": "970436", "account_number": "0011001234561", "account_name": "Trần Thị Ba"}
        }
        r = await client.patch(f"/api/v1/merchants/{mid}", json=fix, headers=h | {"If-Match": cur.headers["ETag"]})
        assert r.status_code == 200, r.text
        assert (await _check(session, mid)).state == "matched"
    finally:
        account_names.use_registry(None)
        await registry.aclose()


async def test_a_bank_that_is_down_never_blocks_and_is_asked_again(client, auth, session, factory, sandbox_url):
    calls = []

    def down(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(503, json={"code": "MAINTENANCE"})

    broken = build_registry("970436=sandbox@http://bank.test", transport=httpx.MockTransport(down))
    account_names.use_registry(broken)
    working = build_registry(f"970436=sandbox@{sandbox_url}")
    try:
        h = await auth("agent.vungtau")
        r = await client.post("/api/v1/merchants", json=body("0011001234567", "Nguyễn Thị Hương"), headers=h)
        assert r.status_code == 201  # the bank was not even asked during the registration
        assert calls == []
        mid = r.json()["id"]
        assert await account_names.run_due_checks(factory, broken) == 1
        check = await _check(session, mid)
        assert check.state == "unavailable" and check.attempts == 1 and check.next_attempt_at > utcnow()
        assert calls == ["/v1/accounts/verify"]
        assert await account_names.run_due_checks(factory, working) == 0  # not due yet
        later = utcnow() + timedelta(minutes=2)
        assert await account_names.run_due_checks(factory, working, now=later) == 1
        check = await _check(session, mid)
        assert check.state == "matched" and check.attempts == 2
    finally:
        account_names.use_registry(None)
        await broken.aclose()
        await working.aclose()
