"""A bank file is one snapshot, taken before its first byte: a shop that arrives while the file streams is not in
it, and `as_of` (X-As-Of, the file name) is when the snapshot was taken. Through a live server, so the export
and the registration run in their own transactions, as in production."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from tests.app.consents.factories import consent_body
from tests.conftest import BACKENDS, DEMO_PASSWORD, _seed, create_database
from tests.factories import shop_body
from tests.live_server import live_server


def _login(c: httpx.Client, username: str) -> dict[str, str]:
    r = c.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _register(c: httpx.Client, agent: dict[str, str]) -> str:
    body = shop_body()
    assert c.post("/api/v1/merchants", json=body, headers=agent).status_code == 201
    assert c.post(f"/api/v1/merchants/{body['id']}/consents", json=consent_body(), headers=agent).status_code == 201
    return str(body["id"])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_a_shop_registered_while_the_file_streams_is_not_in_it(backend: str, ext: str, tmp_path: Path) -> None:
    url, drop = create_database(backend, tmp_path)
    try:
        with live_server(url, tmp_path / "media", demo_password=DEMO_PASSWORD, webhook_dispatcher=False) as base:
            asyncio.run(_seed(url))
            with httpx.Client(base_url=base, timeout=30) as c:
                agent, bank = _login(c, "agent.vungtau"), _login(c, "bank.vcb")
                before = [_register(c, agent) for _ in range(3)]
                with c.stream("GET", f"/api/v1/bank/merchants.{ext}", headers=bank) as r:
                    assert r.status_code == 200
                    as_of = datetime.fromisoformat(r.headers["x-as-of"])
                    late = _register(c, agent)  # committed after the headers, before the body is read
                    body = r.read()
                created = c.get(f"/api/v1/merchants/{late}", headers=agent).json()["created_at"]
        assert datetime.fromisoformat(created.replace("Z", "+00:00")) >= as_of.replace(microsecond=0)
        if ext == "csv":
            rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
            ids = [row[0] for row in rows[1:]]
        else:
            import openpyxl

            sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
            ids = [row[0] for row in list(sheet.iter_rows(values_only=True))[2:]]
        assert sorted(ids) == sorted(before)
    finally:
        drop()
