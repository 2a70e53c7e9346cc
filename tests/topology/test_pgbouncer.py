"""The field flow through a real PgBouncer in transaction mode (Debian's 1.18 has no prepared-statement support).

Required in CI (.ci/run installs pgbouncer); outside CI the test is skipped, saying why, when pgbouncer is not
installed. The pool behind PgBouncer is two server connections for ~20 app connections, so consecutive
transactions of one app connection run on different server connections.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import uuid
from pathlib import Path

import httpx
import pytest

from load.pgbouncer import pgbouncer, pgbouncer_binary
from tests.app.consents.factories import consent_body
from tests.conftest import DEMO_PASSWORD, PG_URL, _seed, create_database
from tests.factories import shop_body
from tests.live_server import live_server

pytestmark = pytest.mark.skipif(not PG_URL, reason="PgBouncer fronts PostgreSQL: set PHOQR_TEST_POSTGRES_URL")


@pytest.fixture(scope="module")
def bouncer_db(tmp_root: Path):  # type: ignore[no-untyped-def]
    if pgbouncer_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("pgbouncer is required in CI (.ci/run installs Debian's package)")
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer); CI installs it and runs this test")
    url, drop = create_database("postgres", tmp_root)
    try:
        from app.core.migrate import upgrade

        upgrade(url)
        asyncio.run(_seed(url))
        with pgbouncer(url) as through:
            yield through
    finally:
        drop()


async def _login(c: httpx.AsyncClient, username: str) -> dict[str, str]:
    r = await c.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def _field_flow(base: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        health = await c.get("/health")
        assert health.status_code == 200, health.text
        assert health.json()["schema_revision"]
        agent, bank = await _login(c, "agent.vungtau"), await _login(c, "bank.vcb")

        # registrations at once: many app connections, two server connections
        bodies = [shop_body(name=f"Tạp hóa số {i}") for i in range(12)]
        created = await asyncio.gather(
            *(c.post("/api/v1/merchants", json=b, headers=agent | {"Idempotency-Key": b["id"]}) for b in bodies)
        )
        assert [r.status_code for r in created] == [201] * 12, [r.text for r in created if r.status_code != 201]
        replay = await c.post("/api/v1/merchants", json=bodies[0], headers=agent | {"Idempotency-Key": bodies[0]["id"]})
        assert replay.status_code in (200, 201) and replay.json()["id"] == bodies[0]["id"]

        # an offline batch, then the same batch again (replays change nothing)
        ops = [
            {"op_id": str(uuid.uuid4()), "type": "upsert_merchant", "payload": shop_body(name=f"Quán {i}")}
            for i in range(20)
        ]
        sync = {"device_id": "phone-pgbouncer", "operations": ops}
        first = await c.post("/api/v1/sync", json=sync, headers=agent)
        assert first.status_code == 200, first.text
        assert {r["status"] for r in first.json()["results"]} == {"created"}
        again = await c.post("/api/v1/sync", json=sync, headers=agent)
        assert [r["merchant_id"] for r in again.json()["results"]] == [
            r["merchant_id"] for r in first.json()["results"]
        ]

        # QR stickers, and the owner's consent so the bank sees the shop
        for b in bodies[:4]:
            q = await c.post(f"/api/v1/merchants/{b['id']}/qr", json={"scheme": "vietqr"}, headers=agent)
            assert q.status_code == 201, q.text
            k = await c.post(f"/api/v1/merchants/{b['id']}/consents", json=consent_body(), headers=agent)
            assert k.status_code == 201, k.text

        cov = await c.get("/api/v1/coverage", params={"level": "unit", "edition": "2025"}, headers=agent)
        assert cov.status_code == 200, cov.text
        total = next(r for r in cov.json()["rows"] if r["unit"]["code"] == "26506")
        assert (total["shops"], total["with_qr"]) == (32, 4)

        # the bank's file streams from a server-side cursor, through the pooler too
        got = await c.get("/api/v1/bank/merchants.csv", headers=bank)
        assert got.status_code == 200, got.text
        rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
        assert rows[0][0] == "merchant_id"
        assert sorted(r[0] for r in rows[1:]) == sorted(b["id"] for b in bodies[:4])


def test_field_flow_through_pgbouncer_in_transaction_mode(bouncer_db: str, tmp_path: Path) -> None:
    with live_server(
        bouncer_db,
        tmp_path / "media",
        demo_password=DEMO_PASSWORD,
        webhook_dispatcher=False,
        database_pooler="transaction",
    ) as base:
        asyncio.run(_field_flow(base))


def test_without_the_setting_the_service_does_not_answer_through_pgbouncer(bouncer_db: str, tmp_path: Path) -> None:
    """Why the setting exists: asyncpg's defaults (a startup statement_timeout, cached named statements)."""
    with live_server(bouncer_db, tmp_path / "media", demo_password=DEMO_PASSWORD, webhook_dispatcher=False) as base:
        assert httpx.get(f"{base}/health", timeout=30).status_code == 503
