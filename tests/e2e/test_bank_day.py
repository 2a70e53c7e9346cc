"""A bank's whole day, through HTTP only, on both databases (issue 8, "Done when").

Two banks each register a webhook to a real local receiver (the sandbox bank, verifying every delivery with the
`standardwebhooks` library); agents register shops with and without consent and at the other bank; the
dispatcher runs inside the app (its lifespan, as in `phoqr serve`). Vietcombank's receiver fails twice and
still gets every event once; its feed shows the same ids in order; it answers with receipts the ward then sees;
it reconciles its copy (built only from what the webhooks brought) by XOR of `record_hash`es it recomputes, and
a corrupted copy is narrowed down to its street; a withdrawn consent removes the shop; the files hold the list.

Setup outside HTTP: the database itself, and a bank_partner account for the second bank (PhoQR has no
user-management endpoint). Everything the day does goes through HTTP.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from collections.abc import Iterator
from functools import reduce

import httpx
import openpyxl
import pytest
import rfc8785

from app.auth.models import User
from app.core.db import make_sessionmaker
from app.core.security import hash_password
from tests.conftest import BACKENDS, DEMO_PASSWORD
from tests.webhook_receiver import Receiver, live_client, live_database, live_engine, live_settings, receiver, wait_for

VCB, VIETIN = "970436", "970415"


@pytest.fixture(scope="module", params=BACKENDS)
def live_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from live_database(request.param, tmp_path_factory.mktemp("bank-day"))


def recomputed_hash(record: dict) -> str:
    """What the bank does with its own copy: SHA-256 of the RFC 8785 JSON of the record without record_hash."""
    return hashlib.sha256(rfc8785.dumps({k: v for k, v in record.items() if k != "record_hash"})).hexdigest()


def xor(hashes) -> str:
    return reduce(lambda a, b: a ^ b, (int(h, 16) for h in hashes), 0).to_bytes(32, "big").hex()


async def login(c: httpx.AsyncClient, username: str) -> dict[str, str]:
    r = await c.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def shop(name: str, bin_: str, account: str, holder: str, street_id: int | None = None) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "name": name,
        "category": "grocery",
        "owner_name": holder.title(),
        "phone": f"09{uuid.uuid4().int % 10**8:08d}",
        "house_number": str(uuid.uuid4().int % 200),
        "unit": {"edition": "2025", "code": "26506"},
        **({"street_id": street_id} if street_id else {}),
        "payment_account": {"bank_bin": bin_, "account_number": account, "account_name": holder},
    }


async def register(c, agent, body: dict, consent: bool) -> str:
    r = await c.post("/api/v1/merchants", json=body, headers=agent)
    assert r.status_code == 201, r.text
    if consent:
        texts = (await c.get("/api/v1/consent-texts", headers=agent)).json()
        given = await c.post(
            f"/api/v1/merchants/{body['id']}/consents",
            json={"text_sha256": texts[-1]["sha256"], "channel": "paper_form", "given_by_name": body["owner_name"]},
            headers=agent,
        )
        assert given.status_code == 201, given.text
    return body["id"]


async def all_pages(c, url: str, headers, **query: str) -> list[dict]:
    items, cursor = [], None
    while True:  # (httpx's params replace a query string written in the URL: pass filters as keywords)
        r = await c.get(url, params=query | {"limit": 2} | ({"cursor": cursor} if cursor else {}), headers=headers)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        if not (cursor := r.json()["next_cursor"]):
            return items


async def feed(c, headers) -> list[dict]:
    items, after = [], 0
    while page := (await c.get(f"/api/v1/bank/events?after={after}&limit=3", headers=headers)).json()["items"]:
        items += page
        after = page[-1]["seq"]
    return items


def bank_copy(inbox: dict) -> dict[str, dict]:
    """The bank's database, built only from the verified webhook bodies, applied in `seq` order."""
    copy: dict[str, dict] = {}
    for event in sorted(inbox["events"].values(), key=lambda e: e["seq"]):
        if event["type"] == "merchant.consent_withdrawn":
            copy.pop(event["data"]["merchant_id"], None)
        else:
            copy[event["data"]["merchant_id"]] = event["data"]
    return copy


async def delivered(rx: Receiver, ids: list[str]) -> dict | None:
    inbox = await rx.inbox()
    return inbox if all(inbox["accepted"].get(i) for i in ids) else None


async def test_a_banks_day(live_url, tmp_path):
    settings = live_settings(live_url, tmp_path, webhook_dispatcher=True)
    async with live_engine(live_url) as engine, receiver() as vcb_rx, receiver() as vietin_rx:
        async with make_sessionmaker(engine)() as s:  # setup: the second bank's account
            s.add(
                User(
                    username="bank.vietin",
                    full_name="VietinBank",
                    password_hash=hash_password(DEMO_PASSWORD),
                    role="bank_partner",
                    bank_bin=VIETIN,
                )
            )
            await s.commit()
        async with live_client(settings, engine) as c:
            agent, officer = await login(c, "agent.vungtau"), await login(c, "officer.vungtau")
            vcb = await login(c, "bank.vcb")
            vietin = await login(c, "bank.vietin")

            # morning: each bank registers its webhook; Vietcombank's receiver will fail twice first
            hooks = {}
            for name, h, rx in (("vcb", vcb, vcb_rx), ("vietin", vietin, vietin_rx)):
                r = await c.post("/api/v1/bank/webhooks", json={"url": rx.url}, headers=h)
                assert r.status_code == 201, r.text
                hooks[name] = r.json()
            await vcb_rx.configure(secrets=[hooks["vcb"]["secret"]], fail=[500, 500])
            await vietin_rx.configure(secrets=[hooks["vietin"]["secret"]])

            # the agents' day: shops with and without consent, and one at the other bank
            streets = (await c.get("/api/v1/streets?unit=2025:26506", headers=agent)).json()["items"]
            ba_cu = next(s["id"] for s in streets if s["name"] == "Ba Cu")
            huong = await register(
                c, agent, shop("Tạp hóa Hương", VCB, "0011001234567", "NGUYEN THI HUONG", ba_cu), True
            )
            ba = await register(c, agent, shop("Quán Bà Ba", VCB, "0011001234561", "TRAN THI BA"), True)
            silent = await register(c, agent, shop("Chưa đồng ý", VCB, "0011009999999", "LE THI NAM"), False)
            bay = await register(c, agent, shop("Cà phê Bảy", VIETIN, "101874521133", "LE VAN BAY"), True)
            qr = await c.post(f"/api/v1/merchants/{huong}/qr", json={"scheme": "vietqr"}, headers=agent)
            assert qr.status_code == 201, qr.text

            # pushes arrive: exactly the right bank, once per id, after Vietcombank's two failures
            vcb_feed, vietin_feed = await feed(c, vcb), await feed(c, vietin)
            assert {e["data"]["merchant_id"] for e in vcb_feed} == {huong, ba}
            assert {e["data"]["merchant_id"] for e in vietin_feed} == {bay}
            assert [e["type"] for e in vcb_feed if e["data"]["merchant_id"] == huong] == [
                "merchant.created",
                "qr.issued",
            ]
            inbox = await wait_for(lambda: delivered(vcb_rx, [e["id"] for e in vcb_feed]), within=30)
            assert inbox["accepted"] == {e["id"]: 1 for e in vcb_feed}
            assert [a["answer"] for a in inbox["attempts"]][:2] == [500, 500]
            assert all(a["verified_by"] == [0] for a in inbox["attempts"])
            vietin_inbox = await wait_for(lambda: delivered(vietin_rx, [e["id"] for e in vietin_feed]), within=30)
            assert vietin_inbox["accepted"] == {e["id"]: 1 for e in vietin_feed}
            assert silent not in {e["data"]["merchant_id"] for e in vcb_feed + vietin_feed}
            # the pull feed shows the same event ids, in order
            assert [e["id"] for e in vcb_feed] == [
                e["id"] for e in sorted(inbox["events"].values(), key=lambda e: e["seq"])
            ]
            assert [e["seq"] for e in vcb_feed] == list(range(1, len(vcb_feed) + 1))

            # the bank answers from its copy: one accepted, one rejected; the ward sees both
            copy = bank_copy(inbox)
            receipts = [
                {
                    "merchant_id": huong,
                    "version": copy[huong]["version"],
                    "result": "accepted",
                    "bank_merchant_id": "VCB-M-0001",
                    "bank_terminal_id": "T01",
                },
                {
                    "merchant_id": ba,
                    "version": copy[ba]["version"],
                    "result": "rejected",
                    "reason_code": "name_mismatch",
                    "reason": "Tên chủ tài khoản khác",
                },
            ]
            r = await c.post("/api/v1/bank/receipts", json={"receipts": receipts}, headers=vcb)
            assert [x["status"] for x in r.json()["results"]] == ["recorded", "recorded"], r.text
            seen = {
                m: (await c.get(f"/api/v1/merchants/{m}", headers=officer)).json()["bank_status"] for m in (huong, ba)
            }
            assert seen[huong]["state"] == "accepted" and seen[huong]["bank_merchant_id"] == "VCB-M-0001"
            assert seen[ba]["state"] == "rejected" and seen[ba]["reason_code"] == "name_mismatch"
            todo = await all_pages(c, "/api/v1/merchants", officer, bank_state="rejected")
            assert [m["id"] for m in todo] == [ba]

            # reconciliation: the bank's own XOR of recomputed hashes equals ours; a corrupted copy is located
            ours = (await c.get("/api/v1/bank/reconciliation?group=street", headers=vcb)).json()
            assert ours["count"] == len(copy) == 2 and ours["digest"] == xor(recomputed_hash(r) for r in copy.values())
            corrupted = {m: dict(r) for m, r in copy.items()}
            corrupted[huong]["phone"] = "0999999999"
            groups: dict[str, list[str]] = {}
            for r in corrupted.values():
                groups.setdefault(str(r["address"]["street_id"] or "none"), []).append(recomputed_hash(r))
            claim = {
                "count": len(corrupted),
                "digest": xor(h for hs in groups.values() for h in hs),
                "groups": [{"key": k, "count": len(v), "digest": xor(v)} for k, v in groups.items()],
            }
            answer = (await c.post("/api/v1/bank/reconciliation", json=claim, headers=vcb)).json()
            assert answer == {"match": False, "mismatched": [str(ba_cu)]}

            # the owner of Quán Bà Ba withdraws consent: the shop leaves the bank's list, feed and files
            consent_id = (await c.get(f"/api/v1/merchants/{ba}/consents", headers=agent)).json()[0]["id"]
            w = await c.post(f"/api/v1/consents/{consent_id}/withdraw", json={"reason": "Chủ đổi ý"}, headers=agent)
            assert w.status_code == 200, w.text
            last = (await feed(c, vcb))[-1]
            assert last["type"] == "merchant.consent_withdrawn" and last["data"] == {"merchant_id": ba}
            inbox = await wait_for(lambda: delivered(vcb_rx, [last["id"]]), within=30)
            copy = bank_copy(inbox)
            listed = await all_pages(c, "/api/v1/bank/merchants", vcb)
            assert [r["merchant_id"] for r in listed] == [huong] == list(copy)
            assert listed[0] == copy[huong]
            again = (await c.get("/api/v1/bank/reconciliation", headers=vcb)).json()
            assert again["digest"] == xor(recomputed_hash(r) for r in copy.values())

            # the files hold exactly the list
            csv_rows = list(
                csv.reader(io.StringIO((await c.get("/api/v1/bank/merchants.csv", headers=vcb)).text.lstrip("\ufeff")))
            )
            col = csv_rows[0].index("merchant_id")  # the header is the first row
            assert [row[col] for row in csv_rows[1:]] == [r["merchant_id"] for r in listed]
            xlsx = await c.get("/api/v1/bank/merchants.xlsx", headers=vcb)
            cells = list(
                openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
                .worksheets[0]
                .iter_rows(values_only=True)
            )
            col = list(cells[1]).index("merchant_id")
            assert [row[col] for row in cells[2:]] == [r["merchant_id"] for r in listed]

            # and the other bank never saw a Vietcombank shop, nor can it look
            assert (await c.get("/api/v1/bank/events?bin=970436", headers=vietin)).status_code == 403
            assert (
                await c.get(f"/api/v1/bank/webhooks/{hooks['vcb']['id']}/deliveries", headers=vietin)
            ).status_code == 404
