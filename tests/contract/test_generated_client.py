"""A Python client generated from the served /api/v1/openapi.json with openapi-python-client drives the field
flow (log in, register a shop and replay it, sync a batch and replay it, issue a QR, fetch its PNG) and the bank
flow (consented shops listed, the feed, receipts, reconciliation, the ward's rejected list, what a bank may not see).

Answers are checked on the generated models' typed attributes: a body the document leaves untyped (a loose dict,
`Unset` where a value is promised, a missing model) fails here as it would fail a bank's integrator.

Operations are found by their operationId in the served document and request bodies built with the generated
models' `from_dict`, so renaming an operation or a schema does not break the test, but breaking the contract does.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import subprocess
import sys
import typing
import uuid
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from openapi_python_client.strings import snake_case

from app.bank.handoff import jcs
from app.core.config import Settings
from app.main import create_app
from tests.conftest import DEMO_PASSWORD

UNIT = {"edition": "2025", "code": "26506"}


class Generated(typing.NamedTuple):
    package: ModuleType
    root: Path
    document: dict[str, Any]
    warnings: list[str]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    tmp = tmp_path_factory.mktemp("client")
    document = create_app(Settings(environment="test", webhook_dispatcher=False)).openapi()
    (tmp / "openapi.json").write_text(json.dumps(document))
    (tmp / "config.yml").write_text("post_hooks: []\n")
    name = f"phoqr_client_{uuid.uuid4().hex[:6]}"
    cli = Path(sys.executable).parent / "openapi-python-client"
    run = subprocess.run(
        [
            str(cli),
            "generate",
            "--path",
            str(tmp / "openapi.json"),
            "--output-path",
            str(tmp / name),
            "--meta",
            "none",
            "--config",
            str(tmp / "config.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    warnings = [line for line in (run.stdout + run.stderr).splitlines() if line.startswith(("Unable", "Cannot"))]
    sys.path.insert(0, str(tmp))
    try:
        yield Generated(importlib.import_module(name), tmp / name, document, warnings)
    finally:
        sys.path.remove(str(tmp))


def _operation(gen: Generated, method: str, path: str) -> ModuleType:
    op_id = gen.document["paths"][path][method]["operationId"]
    found = [p for p in (gen.root / "api").rglob("*.py") if p.stem == snake_case(op_id)]
    assert len(found) == 1, f"{method.upper()} {path} ({op_id}): generated modules {found}"
    rel = found[0].relative_to(gen.root.parent).with_suffix("")
    return importlib.import_module(".".join(rel.parts))


def _body(module: ModuleType, data: dict[str, Any]) -> Any:
    """The generated model of the operation's body, built from plain data."""
    hint = typing.get_type_hints(module.asyncio_detailed)["body"]
    model = next(t for t in typing.get_args(hint) or (hint,) if hasattr(t, "from_dict"))
    return model.from_dict(data)


async def test_field_flow_through_the_generated_client(generated: Generated, app) -> None:
    pkg, transport = generated.package, httpx.ASGITransport(app=app)
    base = {"base_url": "http://test", "httpx_args": {"transport": transport}}

    login = _operation(generated, "post", "/api/v1/auth/token")
    async with pkg.Client(**base) as anonymous:
        r = await login.asyncio_detailed(
            client=anonymous, body=_body(login, {"username": "agent.vungtau", "password": DEMO_PASSWORD})
        )
    assert r.status_code == 200, r.content
    token = r.parsed.to_dict()["access_token"]

    async with pkg.AuthenticatedClient(token=token, **base) as client:
        create = _operation(generated, "post", "/api/v1/merchants")
        shop = {
            "id": str(uuid.uuid4()),
            "name": "Tạp hóa Khách Sinh Mã",
            "category": "grocery",
            "unit": UNIT,
            "phone": "0903" + str(uuid.uuid4().int)[:6],
            "payment_account": {"bank_bin": "970436", "account_number": str(uuid.uuid4().int)[:13]},
        }
        r = await create.asyncio_detailed(client=client, body=_body(create, shop))
        assert r.status_code == 201, r.content
        assert r.parsed.to_dict()["id"] == shop["id"] and r.parsed.to_dict()["name"] == shop["name"]
        r = await create.asyncio_detailed(client=client, body=_body(create, shop))
        assert r.status_code == 200, r.content  # the same id and body again: the stored shop

        sync = _operation(generated, "post", "/api/v1/sync")
        offline = {"id": str(uuid.uuid4()), "name": "Quán Cơm Ngoại Tuyến", "category": "eatery", "unit": UNIT}
        batch = {
            "device_id": "gen-client-1",
            "operations": [
                {"op_id": uuid.uuid4().hex, "type": "upsert_merchant", "payload": offline},
            ],
        }
        r = await sync.asyncio_detailed(client=client, body=_body(sync, batch))
        assert r.status_code == 200, r.content
        first = r.parsed.to_dict()["results"]
        assert [x["status"] for x in first] == ["created"] and first[0]["merchant_id"] == offline["id"]
        r = await sync.asyncio_detailed(client=client, body=_body(sync, batch))
        assert r.parsed.to_dict()["results"] == first  # a replayed batch answers what it answered, changes nothing

        issue = _operation(generated, "post", "/api/v1/merchants/{merchant_id}/qr")
        r = await issue.asyncio_detailed(shop["id"], client=client, body=_body(issue, {"scheme": "vietqr"}))
        assert r.status_code == 201, r.content
        qr = r.parsed.to_dict()
        assert qr["payload"].startswith("000201") and qr["status"] == "active"

        png = _operation(generated, "get", "/api/v1/qr/{qr_id}.png")
        r = await png.asyncio_detailed(qr["id"], client=client)
        assert r.status_code == 200 and r.content.startswith(b"\x89PNG")  # binary: untyped, bytes in .content

        problem = await create.asyncio_detailed(client=client, body=_body(create, {**shop, "name": "Khác"}))
        assert problem.status_code == 409 and problem.parsed is not None  # the problem+json is parsed too


def _gaps(generated: Generated) -> list[str]:
    """Binary bodies (PNG, SVG, PDF, XLSX) cannot be typed by this generator: expected, not a gap."""
    return [w for w in generated.warnings if "Unsupported content_type" not in w]


def test_generator_drops_nothing(generated: Generated) -> None:
    assert not _gaps(generated), "\n".join(_gaps(generated))


def _arg(module: ModuleType, param: str, value: Any) -> Any:
    """A query value as the generated operation types it (a str enum for a documented set of values)."""
    hint = typing.get_type_hints(module.asyncio_detailed)[param]
    enum = next((t for t in typing.get_args(hint) or (hint,) if isinstance(t, type) and issubclass(t, Enum)), None)
    assert enum is not None, f"{module.__name__}: {param} generated without its documented values ({hint})"
    return enum(value)


def _model(gen: Generated, name: str) -> type:
    """A generated model class by its schema name in the served document."""
    assert name in gen.document["components"]["schemas"], f"no schema {name} in the document"
    models = importlib.import_module(f"{gen.package.__name__}.models")
    cls = getattr(models, snake_case(name).title().replace("_", ""), None) or getattr(models, name, None)
    assert isinstance(cls, type), f"the generator made no model for {name}"
    return cls


def _typed(obj: Any, gen: Generated, *attrs: str) -> None:
    """Every attribute named is really there: not Unset (the document promised it), not a loose dict."""
    unset = importlib.import_module(f"{gen.package.__name__}.types").Unset
    for attr in attrs:
        value = getattr(obj, attr)
        assert not isinstance(value, unset), f"{type(obj).__name__}.{attr} generated as Unset"
        assert not isinstance(value, dict), f"{type(obj).__name__}.{attr} generated as an untyped dict"


# What a bank (or the phone, for a shop) reads back: every property is always in the answer, so no generated
# attribute may be typed Unset
BANK_ANSWERS = (
    "MerchantOut",
    "BankStatusOut",
    "AccountCheckOut",
    "BankRecordPage",
    "BankRecord",
    "EventPage",
    "EventOut",
    "ReceiptsOut",
    "ReceiptResult",
    "ReceiptError",
    "ReconciliationOut",
    "ReconciliationResult",
    "ConsentOut",
    "ConsentTextOut",
)


# absent by design: a bank record carries the household-business fields only when the shop has them, so that a
# record without them hashes as it did before they existed (no bank's stored record_hash changed under it)
ABSENT_WHEN_EMPTY = {
    "BankRecord.tax_code",
    "BankRecord.business_registration_number",
    "BankRecord.einvoice_method",
}


def test_bank_answers_generate_without_unset(generated: Generated) -> None:
    optional = {
        f"{name}.{attr}"
        for name in BANK_ANSWERS
        for attr, hint in _model(generated, name).__annotations__.items()  # strings: forward refs stay unresolved
        if attr != "additional_properties" and "Unset" in str(hint)
    }
    assert optional >= ABSENT_WHEN_EMPTY  # the document says they may be missing: a client must not expect them
    loose = optional - ABSENT_WHEN_EMPTY
    assert not loose, f"promised in every answer, yet generated as optional: {sorted(loose)}"


def _xor(hashes: list[str]) -> str:
    acc = 0
    for h in hashes:
        acc ^= int(h, 16)
    return f"{acc:064x}"


async def _login(gen: Generated, base: dict[str, Any], username: str) -> str:
    login = _operation(gen, "post", "/api/v1/auth/token")
    async with gen.package.Client(**base) as anonymous:
        r = await login.asyncio_detailed(
            client=anonymous, body=_body(login, {"username": username, "password": DEMO_PASSWORD})
        )
    assert r.status_code == 200, r.content
    return str(r.parsed.access_token)


async def test_bank_flow_through_the_generated_client(generated: Generated, app) -> None:
    """The field agent registers shops with the owner's consent inline; the bank (bank.vcb, BIN 970436) lists
    them, reads its feed, accepts one and rejects another, and proves by XOR digest that its copy is ours; the
    ward sees the rejection. Shops at another bank or without consent never reach this bank."""
    gen, transport = generated, httpx.ASGITransport(app=app)
    pkg = gen.package
    base = {"base_url": "http://test", "httpx_args": {"transport": transport}}
    vcb, other_bin = "970436", "970418"

    async with pkg.AuthenticatedClient(token=await _login(gen, base, "agent.vungtau"), **base) as agent:
        texts = _operation(gen, "get", "/api/v1/consent-texts")
        r = await texts.asyncio_detailed(client=agent)
        assert r.status_code == 200, r.content
        text = r.parsed[0]
        assert isinstance(text, _model(gen, "ConsentTextOut"))
        _typed(text, gen, "version", "sha256")

        create = _operation(gen, "post", "/api/v1/merchants")

        async def register(name: str, bank_bin: str, *, consent: bool) -> dict[str, Any]:
            shop: dict[str, Any] = {
                "id": str(uuid.uuid4()),
                "name": name,
                "category": "grocery",
                "unit": UNIT,
                "owner_name": "Nguyễn Thị Hương",
                "phone": "0903" + str(uuid.uuid4().int)[:6],
                "payment_account": {"bank_bin": bank_bin, "account_number": str(uuid.uuid4().int)[:13]},
            }
            if consent:
                shop["consent"] = {
                    "text_sha256": text.sha256,
                    "channel": "app_signature",
                    "given_by_name": "Nguyễn Thị Hương",
                }
            r = await create.asyncio_detailed(client=agent, body=_body(create, shop))
            assert r.status_code == 201, r.content
            return shop

        accepted = await register("Tạp hóa Ngân Hàng Nhận", vcb, consent=True)
        rejected = await register("Tạp hóa Ngân Hàng Từ Chối", vcb, consent=True)
        silent = await register("Tạp hóa Chưa Đồng Ý", vcb, consent=False)
        elsewhere = await register("Tạp hóa Ngân Hàng Khác", other_bin, consent=True)

        consents = _operation(gen, "get", "/api/v1/merchants/{merchant_id}/consents")
        r = await consents.asyncio_detailed(accepted["id"], client=agent)
        assert r.status_code == 200, r.content
        assert [(c.bank_bin, c.channel) for c in r.parsed] == [(vcb, "app_signature")]
        assert isinstance(r.parsed[0], _model(gen, "ConsentOut"))

    ours = {accepted["id"], rejected["id"]}
    async with pkg.AuthenticatedClient(token=await _login(gen, base, "bank.vcb"), **base) as bank:
        me = _operation(gen, "get", "/api/v1/me")
        r = await me.asyncio_detailed(client=bank)
        assert r.status_code == 200 and r.parsed.role == "bank_partner" and r.parsed.bank_bin == vcb

        listing = _operation(gen, "get", "/api/v1/bank/merchants")
        r = await listing.asyncio_detailed(client=bank, limit=200)
        assert r.status_code == 200, r.content
        page = r.parsed
        assert isinstance(page, _model(gen, "BankRecordPage"))
        _typed(page, gen, "items", "as_of")
        records = {rec.merchant_id: rec for rec in page.items}
        assert ours <= set(records) and silent["id"] not in records and elsewhere["id"] not in records
        for rec in records.values():
            assert isinstance(rec, _model(gen, "BankRecord"))
            _typed(rec, gen, "version", "name", "address", "payment_account", "consent_id", "record_hash")
            assert isinstance(rec.address, _model(gen, "AddressOut"))
            assert isinstance(rec.payment_account, _model(gen, "BankAccountOut"))
            assert rec.payment_account.bank_bin == vcb
            # the bank recomputes record_hash from what it stored (RFC 8785 of the record without the hash)
            stored = rec.to_dict()
            claimed = stored.pop("record_hash")
            assert hashlib.sha256(jcs.dumps(stored)).hexdigest() == claimed
        mine = records[accepted["id"]]
        assert (
            mine.name == accepted["name"]
            and mine.payment_account.account_number == (accepted["payment_account"]["account_number"])
        )
        assert mine.address.unit_2025.code == UNIT["code"]

        # asking for another bank's list is refused, not answered with ours
        r = await listing.asyncio_detailed(client=bank, bin_=other_bin)
        assert r.status_code == 403 and r.parsed is not None

        events = _operation(gen, "get", "/api/v1/bank/events")
        r = await events.asyncio_detailed(client=bank, after=0, limit=500)
        assert r.status_code == 200, r.content
        feed = r.parsed
        assert isinstance(feed, _model(gen, "EventPage"))
        _typed(feed, gen, "items", "next_after")
        seqs = [e.seq for e in feed.items]
        assert seqs == list(range(1, len(seqs) + 1)) and feed.next_after == seqs[-1]  # gapless, ordered
        created = {e.data.merchant_id: e for e in feed.items if e.type_ == "merchant.created"}
        assert ours <= set(created) and silent["id"] not in created and elsewhere["id"] not in created
        for mid in ours:
            assert isinstance(created[mid].data, _model(gen, "BankRecord"))  # typed, not an additional_properties bag
            assert created[mid].data.record_hash == records[mid].record_hash  # the feed and the list agree

        receipts = _operation(gen, "post", "/api/v1/bank/receipts")
        answer = [
            {
                "merchant_id": accepted["id"],
                "version": records[accepted["id"]].version,
                "result": "accepted",
                "bank_merchant_id": "VCB-M-1",
                "bank_terminal_id": "VCB-T-1",
            },
            {
                "merchant_id": rejected["id"],
                "version": records[rejected["id"]].version,
                "result": "rejected",
                "reason_code": "name_mismatch",
                "reason": "Tên chủ tài khoản khác tên chủ cửa hàng",
            },
            {"merchant_id": silent["id"], "version": 1, "result": "accepted"},
            {"merchant_id": elsewhere["id"], "version": 1, "result": "accepted"},
            {"merchant_id": rejected["id"], "version": records[rejected["id"]].version, "result": "rejected"},
        ]
        sent = _body(receipts, {"receipts": answer})
        assert all(isinstance(x, _model(gen, "ReceiptIn")) for x in sent.receipts)  # items typed, not list[Any]
        r = await receipts.asyncio_detailed(client=bank, body=sent)
        assert r.status_code == 200, r.content
        assert isinstance(r.parsed, _model(gen, "ReceiptsOut"))
        assert [(x.merchant_id, x.status) for x in r.parsed.results] == [
            (accepted["id"], "recorded"),
            (rejected["id"], "recorded"),
            (silent["id"], "unknown_merchant"),  # no consent: as if it did not exist
            (elsewhere["id"], "unknown_merchant"),  # another bank's shop: likewise
            (rejected["id"], "invalid"),  # a rejection without its reason_code, answered on its own
        ]
        error = r.parsed.results[-1].errors[0]
        assert isinstance(error, _model(gen, "ReceiptError"))
        assert (error.field, error.message_en) == ("receipts[4].reason_code", "A rejection needs a reason_code")

        # reconciliation: the bank's digests from its own copy equal ours, per unit and in total
        recon = _operation(gen, "get", "/api/v1/bank/reconciliation")
        r = await recon.asyncio_detailed(client=bank, group=_arg(recon, "group", "unit"))
        assert r.status_code == 200, r.content
        digests = r.parsed
        assert isinstance(digests, _model(gen, "ReconciliationOut"))
        assert digests.count == len(records) and digests.digest == _xor([x.record_hash for x in records.values()])
        by_unit: dict[str, list[str]] = {}
        for rec in records.values():
            by_unit.setdefault(f"{rec.address.unit_2025.edition}:{rec.address.unit_2025.code}", []).append(
                rec.record_hash
            )
        assert {(g.key, g.count, g.digest) for g in digests.groups} == {
            (k, len(v), _xor(v)) for k, v in by_unit.items()
        }

        compare = _operation(gen, "post", "/api/v1/bank/reconciliation")
        mine_groups = [{"key": k, "count": len(v), "digest": _xor(v)} for k, v in by_unit.items()]
        body = {"count": len(records), "digest": _xor([x.record_hash for x in records.values()]), "groups": mine_groups}
        r = await compare.asyncio_detailed(client=bank, body=_body(compare, body))
        assert r.status_code == 200, r.content
        assert isinstance(r.parsed, _model(gen, "ReconciliationResult"))
        assert r.parsed.match is True and r.parsed.mismatched == []
        # a copy missing one record is caught, and the unit it sits in is named
        short = [h for mid, rec in records.items() if mid != rejected["id"] for h in [rec.record_hash]]
        unit_key = f"{UNIT['edition']}:{UNIT['code']}"
        lacking = [
            {
                **g,
                "count": g["count"] - 1,
                "digest": _xor([h for h in by_unit[unit_key] if h != records[rejected["id"]].record_hash]),
            }
            if g["key"] == unit_key
            else g
            for g in mine_groups
        ]
        r = await compare.asyncio_detailed(
            client=bank, body=_body(compare, {"count": len(short), "digest": _xor(short), "groups": lacking})
        )
        assert r.status_code == 200 and r.parsed.match is False and r.parsed.mismatched == [unit_key]

        # nor can the bank read such a shop through the merchants API
        get_one = _operation(gen, "get", "/api/v1/merchants/{merchant_id}")
        for outside in (silent, elsewhere):
            r = await get_one.asyncio_detailed(outside["id"], client=bank)
            assert r.status_code == 404 and r.parsed is not None, r.content  # out of scope reads as absent

    async with pkg.AuthenticatedClient(token=await _login(gen, base, "officer.vungtau"), **base) as officer:
        shops = _operation(gen, "get", "/api/v1/merchants")
        r = await shops.asyncio_detailed(client=officer, bank_state=_arg(shops, "bank_state", "rejected"), limit=200)
        assert r.status_code == 200, r.content
        todo = {m.id: m for m in r.parsed.items}
        assert rejected["id"] in todo and accepted["id"] not in todo
        status = todo[rejected["id"]].bank_status
        assert isinstance(status, _model(gen, "BankStatusOut"))
        assert (status.state, status.reason_code, status.reason) == (
            "rejected",
            "name_mismatch",
            "Tên chủ tài khoản khác tên chủ cửa hàng",
        )
        r = await shops.asyncio_detailed(client=officer, bank_state=_arg(shops, "bank_state", "accepted"), limit=200)
        done = {m.id: m for m in r.parsed.items}
        assert done[accepted["id"]].bank_status.bank_merchant_id == "VCB-M-1"
