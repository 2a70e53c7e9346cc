"""Every operation of the served OpenAPI document x every role x a resource in the caller's unit (or bank) and in
another: the expected answer comes from `rules.py`, never from a per-endpoint table.

Also a leak detector: no answer a role receives may contain the name or account number of a shop that role may
not see (canaries), whatever the endpoint.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User, UserUnit
from app.history.snapshot import take_snapshot
from tests.attacks.bodies import TINY_PNG, Builder
from tests.attacks.rules import (
    HOME_BIN,
    HOME_UNIT,
    KIND_OF_PARAM,
    MERCHANT_LIKE,
    OTHER_BIN,
    OTHER_PROVINCE_UNIT,
    OTHER_UNIT,
    ROLES,
    Expect,
    Resource,
    Who,
    expect,
    rule_for,
    satisfied,
    sees,
)
from tests.factories import make_merchant

pytestmark = pytest.mark.attack

USERNAMES = {
    Who.FIELD_AGENT: "agent.vungtau",
    Who.WARD_OFFICER: "officer.vungtau",
    Who.PROVINCE_OFFICER: "officer.hcmc",
    Who.CITY_ADMIN: "admin",
    Who.BANK_PARTNER: "bank.vcb",
    Who.AUDITOR: "auditor",
}
METHOD_ORDER = {"get": 0, "post": 1, "patch": 2, "put": 2, "delete": 3}  # reads first, removals last


@dataclass
class Shop:
    res: Resource
    id: str
    canary: str
    account: str
    ids: dict[str, str] = field(default_factory=dict)  # kind -> id of its qr, photo, consent
    payload: str = ""


@dataclass
class World:
    shops: dict[str, Shop]  # home, other_unit, other_bank
    streets: dict[str, int]  # home, other, other_province
    webhooks: dict[str, str]  # home, other (bank-owned)
    headers: dict[Who, dict[str, str]]
    users: dict[str, int] = field(default_factory=dict)  # home, other: a field agent of each unit


async def _shop(session: AsyncSession, client, admin: dict[str, str], unit: str, bank_bin: str, tag: str) -> Shop:
    canary = f"Canary {tag} {uuid.uuid4().hex[:10]}"
    account = str(uuid.uuid4().int)[:14]
    m = await make_merchant(
        session,
        name=canary,
        unit_code=unit,
        unit_code_2020=None,
        bank_bin=bank_bin,
        account_number=account,
        account_name="CANARY TEST",
    )
    shop = Shop(Resource(unit, bank_bin), m.id, canary, account)
    texts = (await client.get("/api/v1/consent-texts", headers=admin)).json()
    r = await client.post(
        f"/api/v1/merchants/{m.id}/consents",
        headers=admin,
        json={"text_version": texts[0]["version"], "channel": "paper_form", "given_by_name": "Chủ"},
    )
    assert r.status_code == 201, r.text
    shop.ids["consent"] = r.json()["id"]
    r = await client.post(f"/api/v1/merchants/{m.id}/qr", headers=admin, json={"scheme": "vietqr"})
    assert r.status_code == 201, r.text
    shop.ids["qr"], shop.payload = r.json()["id"], r.json()["payload"]
    r = await client.post(
        f"/api/v1/merchants/{m.id}/photos", headers=admin, files={"file": ("p.png", TINY_PNG, "image/png")}
    )
    assert r.status_code == 201, r.text
    shop.ids["photo"] = r.json()["id"]
    return shop


async def _street(client, admin: dict[str, str], unit: str) -> int:
    body = {
        "kind": "street",
        "name": f"Đường Ma Trận {uuid.uuid4().hex[:8]}",
        "units": [{"edition": "2025", "code": unit}],
    }
    r = await client.post("/api/v1/streets", headers=admin, json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture
async def world(session: AsyncSession, client, auth) -> World:
    headers = {who: await auth(name) for who, name in USERNAMES.items()}
    headers[Who.ANONYMOUS] = {}
    # a second bank, so "another bank's" webhook exists
    other_bank = User(
        username=f"bank.other.{uuid.uuid4().hex[:6]}",
        full_name="Other bank",
        password_hash="x",
        role="bank_partner",
        bank_bin=OTHER_BIN,
    )
    session.add(other_bank)
    await session.commit()
    other_headers = await auth(other_bank.username)
    admin = headers[Who.CITY_ADMIN]
    shops = {
        "home": await _shop(session, client, admin, HOME_UNIT, HOME_BIN, "home"),
        "other_unit": await _shop(session, client, admin, OTHER_UNIT, HOME_BIN, "unit"),
        "other_bank": await _shop(session, client, admin, HOME_UNIT, OTHER_BIN, "bank"),
        "other_province": await _shop(session, client, admin, OTHER_PROVINCE_UNIT, HOME_BIN, "province"),
    }
    webhooks = {}
    for key, h in (("home", headers[Who.BANK_PARTNER]), ("other", other_headers)):
        r = await client.post("/api/v1/bank/webhooks", headers=h, json={"url": "http://127.0.0.1:9/hook"})
        assert r.status_code == 201, r.text
        webhooks[key] = r.json()["id"]
    streets = {"home": await _street(client, admin, HOME_UNIT), "other": await _street(client, admin, OTHER_UNIT)}
    users = {}
    for key, unit in (("home", HOME_UNIT), ("other", OTHER_UNIT)):
        name = f"agent.matrix.{key}.{uuid.uuid4().hex[:6]}"
        agent = User(username=name, full_name="CTV", password_hash="x", role="field_agent")
        session.add(agent)
        await session.flush()
        session.add(UserUnit(user_id=agent.id or 0, edition="2025", code=unit))
        users[key] = agent.id or 0
    streets["other_province"] = await _street(client, admin, OTHER_PROVINCE_UNIT)
    await take_snapshot(session, source="test")  # the periodic reports read the day's snapshot
    await session.commit()
    return World(shops, streets, webhooks, headers, users)


def _shop_for(world: World, role: Who, variant: str) -> Shop:
    if variant == "own":
        return world.shops["home"]
    if role is Who.PROVINCE_OFFICER:  # every commune of the province is its own: the other is in Hà Nội
        return world.shops["other_province"]
    return world.shops["other_bank" if role is Who.BANK_PARTNER else "other_unit"]


def _other_unit(role: Who) -> str:
    return OTHER_PROVINCE_UNIT if role is Who.PROVINCE_OFFICER else OTHER_UNIT


def _street_key(role: Who, variant: str) -> str:
    return "home" if variant == "own" else "other_province" if role is Who.PROVINCE_OFFICER else "other"


def _aim(world: World, role: Who, variant: str, params: list[str]) -> tuple[dict[str, Any], str | None, Resource]:
    """Path values, the resource kind the operation acts on (deepest parameter) and that resource."""
    shop = _shop_for(world, role, variant)
    values: dict[str, Any] = {}
    kind, res = None, shop.res
    for p in params:
        k = KIND_OF_PARAM.get(p)
        if k is None:
            pytest.fail(f"path parameter {p!r} has no resource kind in tests/attacks/rules.py KIND_OF_PARAM")
        kind = k
        if k == "merchant":
            values[p] = shop.id
        elif k in MERCHANT_LIKE:
            values[p] = shop.ids[k]
        elif k == "street":
            values[p] = world.streets[_street_key(role, variant)]
            res = Resource(HOME_UNIT if variant == "own" else _other_unit(role), HOME_BIN)
        elif k == "unit":  # reference data: any unit of either edition
            values[p] = "2025" if p == "edition" else HOME_UNIT if variant == "own" else _other_unit(role)
            res = Resource(values[p], HOME_BIN)
        elif k == "user":
            values[p] = world.users["home" if variant == "own" else "other"]
            res = Resource(HOME_UNIT if variant == "own" else OTHER_UNIT, HOME_BIN)
        elif k == "webhook":
            values[p] = world.webhooks["home" if variant == "own" else "other"]
            res = Resource(HOME_UNIT, HOME_BIN if variant == "own" else OTHER_BIN)
        else:  # delivery: none exists in this world; a missing id must still be 404 to its bank, never 5xx
            values[p] = str(uuid.uuid4())
            res = Resource(HOME_UNIT, OTHER_BIN)
    return values, kind, res


def _targets(world: World, role: Who, variant: str) -> dict[str, Any]:
    shop = _shop_for(world, role, variant)
    unit = HOME_UNIT if variant == "own" else _other_unit(role)
    return {
        "unit": {"edition": "2025", "code": unit},
        "units": [{"edition": "2025", "code": unit}],
        "street_id": world.streets[_street_key(role, variant)],
        "merchant_id": shop.id,
        "payload": shop.payload,
        "username": "nobody-" + uuid.uuid4().hex[:6],
        "password": "wrong-password-x",
    }


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    ops = [(m, p, o) for p, item in document["paths"].items() for m, o in item.items() if m in METHOD_ORDER]
    return sorted(ops, key=lambda x: (METHOD_ORDER[x[0]], x[1]))


async def test_every_operation_every_role_every_scope(app, client, world: World) -> None:
    document = app.openapi()
    uncovered, failures, cells = [], [], 0
    canaries = {k: (s.canary, s.account) for k, s in world.shops.items()}
    for method, path, op in _operations(document):
        rule = rule_for(method, path)
        if rule is None:
            uncovered.append(f"{method.upper()} {path}")
            continue
        params = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
        body_props = _body_fields(document, op)
        scoped = bool(params) or bool(body_props & {"unit", "units", "street_id"})
        for role in ROLES:
            for variant in ("own", "other") if scoped and role is not Who.ANONYMOUS else ("own",):
                values, kind, res = _aim(world, role, variant, params)
                builder = Builder(document, _targets(world, role, variant))
                # a body naming units aims at another place too: an account given a unit outside one's scope
                aimed_other = variant == "other" and (not params or (kind == "user" and "units" in body_props))
                expectation = expect(rule, role, method.upper(), kind, res if params else None, aimed_other)
                hidden = kind is not None and not sees(role, kind, res)
                query = {
                    p["name"]: builder.value(p.get("schema", {}), p["name"], 1)
                    for p in op.get("parameters", [])
                    if p["in"] == "query" and p.get("required")
                }
                headers = dict(world.headers[role])
                for p in op.get("parameters", []):
                    if p["in"] == "header" and (p.get("required") or p["name"].lower() == "if-match"):
                        headers[p["name"]] = '"1"' if p["name"].lower() == "if-match" else "x"
                r = await client.request(
                    method.upper(), path.format(**values), params=query, headers=headers, **builder.request_body(op)
                )
                cells += 1
                where = f"{method.upper()} {path} as {role} ({variant}): {r.status_code}, expected {expectation}"
                if not satisfied(expectation, r.status_code, hidden):
                    failures.append(f"{where} {r.text[:200]}")
                text = r.text if _is_text(r.headers.get("content-type", "")) else ""
                for key, (name, account) in canaries.items():
                    shop = world.shops[key]
                    if sees(role, "merchant", shop.res):
                        continue
                    if account in text or (name in text and not rule.shows_shop_names):
                        failures.append(f"LEAK {where}: shows {key} shop")
    assert not uncovered, "operations with no rule in tests/attacks/rules.py: " + ", ".join(uncovered)
    assert cells > 6 * len(_operations(document)) // 2
    assert not failures, f"{len(failures)} of {cells} cells wrong:\n" + "\n".join(failures)


def _is_text(content_type: str) -> bool:
    return any(t in content_type for t in ("json", "text/", "csv"))


def _body_fields(document: dict[str, Any], op: dict[str, Any]) -> set[str]:
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    schema = Builder(document, {}).resolve(schema)
    return set(schema.get("properties", {}))


def test_rules_refuse_an_unknown_endpoint() -> None:
    assert rule_for("GET", "/api/v1/secret-new-thing") is None
    assert rule_for("POST", "/api/v1/bank/receipts") is not None
    assert (
        expect(
            rule_for("PATCH", "/api/v1/merchants/{merchant_id}"),
            Who.AUDITOR,
            "PATCH",
            "merchant",
            Resource(HOME_UNIT, HOME_BIN),
            False,
        )
        is Expect.FORBIDDEN
    )
