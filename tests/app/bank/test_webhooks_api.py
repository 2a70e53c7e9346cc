"""Webhook endpoints over HTTP: who may do what, what is validated, and the URL policy (SSRF) in production."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.bank.outbox import service as outbox
from app.bank.outbox.models import WebhookEndpoint
from app.bank.webhooks.ssrf import check_webhook_url, is_public
from app.core.config import Settings
from app.core.errors import ValidationFailed
from app.idempotency.models import IdempotencyRecord

URL = "http://127.0.0.1:9/hooks"


async def other_bank(session, auth, bin_: str = "970415") -> dict[str, str]:
    username = f"bank.{bin_}.{uuid.uuid4().hex[:6]}"
    session.add(User(username=username, full_name="Other bank", password_hash="!", role="bank_partner", bank_bin=bin_))
    await session.commit()
    return await auth(username)


async def test_register_list_rotate_delete(client, auth, session):
    vcb = await auth("bank.vcb")
    r = await client.post("/api/v1/bank/webhooks", json={"url": URL, "event_types": ["qr.issued"]}, headers=vcb)
    assert r.status_code == 201, r.text
    hook = r.json()
    assert hook["status"] == "active" and hook["event_types"] == ["qr.issued"]
    assert hook["secret"].startswith("whsec_") and len(hook["secret"]) > 40
    listed = (await client.get("/api/v1/bank/webhooks", headers=vcb)).json()
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
    stored = await session.get(WebhookEndpoint, hook["id"])
    assert hook["secret"].removeprefix("whsec_") not in stored.secret_enc

    rotated = await client.post(f"/api/v1/bank/webhooks/{hook['id']}/rotate-secret", headers=vcb)
    assert rotated.status_code == 200 and rotated.json()["secret"] != hook["secret"]
    assert rotated.json()["previous_secret_until"] is not None

    assert (await client.delete(f"/api/v1/bank/webhooks/{hook['id']}", headers=vcb)).status_code == 204
    assert (await client.get("/api/v1/bank/webhooks", headers=vcb)).json() == []
    gone = await client.delete(f"/api/v1/bank/webhooks/{hook['id']}", headers=vcb)
    assert gone.status_code == 404 and gone.json()["code"] == "webhook_not_found"


async def test_idempotent_registration_answers_the_same_and_stores_no_clear_secret(client, auth, session):
    vcb = await auth("bank.vcb") | {"Idempotency-Key": "hook-1"}
    first = await client.post("/api/v1/bank/webhooks", json={"url": URL}, headers=vcb)
    again = await client.post("/api/v1/bank/webhooks", json={"url": URL}, headers=vcb)
    assert first.status_code == again.status_code == 201
    # a replay answers the same endpoint but never its secret again (issue 15: never replay a secret)
    assert "secret" in first.json() and "secret" not in again.json()
    assert again.json() == {k: v for k, v in first.json().items() if k != "secret"}
    assert again.headers.get("idempotent-replayed") == "true"
    assert len((await client.get("/api/v1/bank/webhooks", headers=vcb)).json()) == 1
    other = await client.post("/api/v1/bank/webhooks", json={"url": URL + "/x"}, headers=vcb)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    stored = (await session.execute(select(IdempotencyRecord.response_body))).scalars().all()
    secret = first.json()["secret"]
    assert stored and not any(secret in body or secret.removeprefix("whsec_") in body for body in stored)


async def test_default_event_types_are_all_and_input_is_checked(client, auth):
    vcb = await auth("bank.vcb")
    r = await client.post("/api/v1/bank/webhooks", json={"url": URL}, headers=vcb)
    assert sorted(r.json()["event_types"]) == sorted(outbox.EVENT_TYPES)
    bad = await client.post("/api/v1/bank/webhooks", json={"url": URL, "event_types": ["shop.eaten"]}, headers=vcb)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("event_types")
    for url in ("ftp://127.0.0.1/x", "http://user:pw@127.0.0.1/x", "not a url at all"):
        r = await client.post("/api/v1/bank/webhooks", json={"url": url}, headers=vcb)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "url", url


async def test_a_bank_cannot_see_or_manage_another_banks_webhooks(client, auth, session):
    vcb = await auth("bank.vcb")
    hook = (await client.post("/api/v1/bank/webhooks", json={"url": URL}, headers=vcb)).json()
    other = await other_bank(session, auth)
    assert (await client.get("/api/v1/bank/webhooks", headers=other)).json() == []
    for method, path in (
        ("DELETE", f"/api/v1/bank/webhooks/{hook['id']}"),
        ("POST", f"/api/v1/bank/webhooks/{hook['id']}/rotate-secret"),
        ("GET", f"/api/v1/bank/webhooks/{hook['id']}/deliveries"),
    ):
        r = await client.request(method, path, headers=other)
        assert r.status_code == 404 and r.json()["code"] == "webhook_not_found", path
    snoop = await client.get("/api/v1/bank/webhooks?bin=970436", headers=other)
    assert snoop.status_code == 403
    snoop = await client.get("/api/v1/bank/events?bin=970436", headers=other)
    assert snoop.status_code == 403
    assert (await client.get("/api/v1/bank/webhooks", headers=vcb)).json()[0]["id"] == hook["id"]


async def test_a_bank_cannot_redeliver_another_banks_delivery(client, auth, session):
    vcb = await auth("bank.vcb")
    hook = (await client.post("/api/v1/bank/webhooks", json={"url": URL}, headers=vcb)).json()
    event = await outbox.append(session, "970436", "merchant.updated", str(uuid.uuid4()), {"merchant_id": "x"})
    await session.commit()
    page = (await client.get(f"/api/v1/bank/webhooks/{hook['id']}/deliveries", headers=vcb)).json()
    [delivery] = page["items"]
    assert delivery["event_id"] == event.id and delivery["status"] == "pending"
    other = await other_bank(session, auth)
    r = await client.post(f"/api/v1/bank/deliveries/{delivery['id']}/redeliver", headers=other)
    assert r.status_code == 404 and r.json()["code"] == "delivery_not_found"
    assert (await client.post(f"/api/v1/bank/deliveries/{delivery['id']}/redeliver", headers=vcb)).status_code == 202


@pytest.mark.parametrize("user", ["agent.vungtau", "officer.vungtau"])
async def test_agents_and_officers_cannot_reach_bank_endpoints(client, auth, user):
    h = await auth(user)
    for method, path in (
        ("GET", "/api/v1/bank/events"),
        ("GET", "/api/v1/bank/webhooks"),
        ("POST", "/api/v1/bank/webhooks"),
        ("GET", f"/api/v1/bank/webhooks/{uuid.uuid4()}/deliveries"),
        ("POST", f"/api/v1/bank/deliveries/{uuid.uuid4()}/redeliver"),
    ):
        r = await client.request(method, path, headers=h, json={"url": URL} if method == "POST" else None)
        assert r.status_code == 403, (user, path, r.status_code)


async def test_city_and_auditor_read_with_bin_but_never_write(client, auth):
    vcb = await auth("bank.vcb")
    hook = (await client.post("/api/v1/bank/webhooks", json={"url": URL}, headers=vcb)).json()
    for user in ("admin", "auditor"):
        h = await auth(user)
        need_bin = await client.get("/api/v1/bank/webhooks", headers=h)
        assert need_bin.status_code == 422 and need_bin.json()["errors"][0]["field"] == "bin"
        assert (await client.get("/api/v1/bank/webhooks?bin=970436", headers=h)).json()[0]["id"] == hook["id"]
        assert (await client.get("/api/v1/bank/events?bin=970436", headers=h)).status_code == 200
        assert (await client.post("/api/v1/bank/webhooks", json={"url": URL}, headers=h)).status_code == 403
        assert (await client.delete(f"/api/v1/bank/webhooks/{hook['id']}", headers=h)).status_code == 403
    assert (await client.get("/api/v1/bank/webhooks")).status_code == 401


def production() -> Settings:
    return Settings(environment="production", jwt_secret="p" * 48, demo_users=False)


def resolver_to(*addresses: str):
    async def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.bank.example/x",  # not https
        "https://127.0.0.1/x",
        "https://[::1]/x",
        "https://10.1.2.3/x",
        "https://172.16.0.9/x",
        "https://192.168.1.10/x",
        "https://169.254.169.254/latest/meta-data",  # cloud metadata, link-local
        "https://100.64.0.1/x",  # CGNAT
        "https://224.0.0.1/x",  # multicast
        "https://[fd00::1]/x",  # IPv6 ULA
        "https://[::ffff:10.0.0.1]/x",  # IPv4-mapped private
        "https://0.0.0.0/x",
    ],
)
async def test_production_refuses_urls_into_private_networks(url):
    with pytest.raises(ValidationFailed) as exc:
        await check_webhook_url(url, production(), resolver_to("93.184.215.14"))
    assert exc.value.code == "webhook_url_not_allowed" and exc.value.errors[0].field == "url"


async def test_production_resolves_names_and_refuses_any_private_answer():
    ok = await check_webhook_url("https://hooks.bank.example/x", production(), resolver_to("93.184.215.14"))
    assert ok == "https://hooks.bank.example/x"
    for answer in (["10.0.0.5"], ["93.184.215.14", "192.168.0.1"], []):
        with pytest.raises(ValidationFailed):
            await check_webhook_url("https://hooks.bank.example/x", production(), resolver_to(*answer))


async def test_development_allows_loopback():
    dev = Settings(environment="development")
    assert await check_webhook_url("http://127.0.0.1:8900/v1/phoqr/webhooks", dev) == (
        "http://127.0.0.1:8900/v1/phoqr/webhooks"
    )


def test_public_address_classification():
    assert is_public("93.184.215.14") and is_public("2606:2800:220:1:248:1893:25c8:1946")
    for private in (
        "127.0.0.1",
        "10.0.0.1",
        "100.100.1.1",
        "169.254.1.1",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:192.168.0.1",
        "64:ff9b::a00:1",
        "255.255.255.255",
    ):
        assert not is_public(private), private


async def test_event_feed_is_ordered_gapless_and_paged(client, auth, session):
    ids = []
    for i in range(5):
        event = await outbox.append(session, "970436", "merchant.updated", f"m{i}", {"merchant_id": f"m{i}"})
        ids.append(event.id)
    await outbox.append(session, "970415", "merchant.updated", "other", {"merchant_id": "other"})
    await session.commit()
    vcb = await auth("bank.vcb")
    first = (await client.get("/api/v1/bank/events?limit=3", headers=vcb)).json()
    rest = (await client.get(f"/api/v1/bank/events?after={first['next_after']}", headers=vcb)).json()
    items = first["items"] + rest["items"]
    mine = [i for i in items if i["id"] in ids]
    assert [i["id"] for i in mine] == ids and all(i["data"]["merchant_id"] != "other" for i in items)
    seqs = [i["seq"] for i in items]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    again = (await client.get(f"/api/v1/bank/events?after={rest['next_after']}", headers=vcb)).json()
    assert again == {"items": [], "next_after": rest["next_after"]}
    assert set(first["items"][0]) == {"id", "seq", "type", "occurred_at", "data"}
    bad = await client.get("/api/v1/bank/events?after=-1", headers=vcb)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "after"


async def test_a_deleted_endpoints_log_stays_readable_to_the_city_not_to_the_bank(client, auth, session):
    vcb = await auth("bank.vcb")
    hook = (await client.post("/api/v1/bank/webhooks", json={"url": URL}, headers=vcb)).json()
    event = await outbox.append(session, "970436", "merchant.updated", str(uuid.uuid4()), {"merchant_id": "x"})
    await session.commit()
    assert (await client.delete(f"/api/v1/bank/webhooks/{hook['id']}", headers=vcb)).status_code == 204
    path = f"/api/v1/bank/webhooks/{hook['id']}/deliveries?bin=970436"
    for user in ("admin", "auditor"):
        r = await client.get(path, headers=await auth(user))
        assert r.status_code == 200, (user, r.text)
        [item] = r.json()["items"]
        assert item["event_id"] == event.id and item["status"] == "cancelled"
    mine = await client.get(f"/api/v1/bank/webhooks/{hook['id']}/deliveries", headers=vcb)
    assert mine.status_code == 404 and mine.json()["code"] == "webhook_not_found"
