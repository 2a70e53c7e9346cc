"""`POST /imports` takes `unit`, `mode` and `dry_run` as multipart form fields as well as query parameters; given
both ways they must agree (else 422 naming the field), so no value is silently preferred over another."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.app.imports.books import UNIT, csv_bytes, shop
from tests.app.imports.test_upload import count

Auth = Callable[[str], Awaitable[dict[str, str]]]


async def post(
    client: httpx.AsyncClient, h: dict[str, str], form: dict[str, str], query: dict[str, str] | None = None
) -> httpx.Response:
    rows = csv_bytes([shop(i) for i in range(1, 4)])
    return await client.post(
        "/api/v1/imports",
        params=query or {},
        data=form,
        files={"file": ("shops.csv", rows)},
        headers=h | {"Idempotency-Key": str(uuid.uuid4()), "Accept-Language": "en"},
    )


async def test_form_fields_alone(client: httpx.AsyncClient, auth: Auth, session: AsyncSession) -> None:
    h = await auth("officer.vungtau")
    dry = await post(client, h, {"unit": UNIT, "mode": "valid_rows", "dry_run": "true"})
    assert dry.status_code == 201, dry.text
    assert (dry.json()["mode"], dry.json()["dry_run"], dry.json()["created"]) == ("valid_rows", True, 0)
    assert await count(session) == 0
    real = await post(client, h, {"unit": UNIT})  # defaults: all_or_nothing, not a dry run
    assert real.status_code == 201, real.text
    assert (real.json()["mode"], real.json()["dry_run"], real.json()["created"]) == ("all_or_nothing", False, 3)


async def test_both_ways_must_agree(client: httpx.AsyncClient, auth: Auth, session: AsyncSession) -> None:
    h = await auth("officer.vungtau")
    same = await post(client, h, {"unit": UNIT, "dry_run": "1"}, {"unit": UNIT, "dry_run": "true"})
    assert same.status_code == 201 and same.json()["dry_run"] is True, same.text
    for field, form, query in [
        ("unit", {"unit": UNIT}, {"unit": "2025:26526"}),
        ("mode", {"unit": UNIT, "mode": "valid_rows"}, {"mode": "all_or_nothing"}),
        ("dry_run", {"unit": UNIT, "dry_run": "false"}, {"dry_run": "true"}),
    ]:
        r = await post(client, h, form, query)
        assert r.status_code == 422, (field, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in r.json()["errors"]] == [field], r.json()
    assert await count(session) == 0  # nothing imported by a refused request


async def test_the_unit_is_required_one_way_or_the_other(client: httpx.AsyncClient, auth: Auth) -> None:
    h = await auth("officer.vungtau")
    r = await post(client, h, {"mode": "valid_rows"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "unit", r.text
    bad = await post(client, h, {"unit": "26506"})  # a bare code: the edition is missing
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "unit", bad.text
