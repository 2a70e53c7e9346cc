"""A Python client generated from the served /api/v1/openapi.json with openapi-python-client drives the field
flow: log in, register a shop (and replay it), sync a batch (and replay it), issue a QR, fetch its PNG.

Operations are found by their operationId in the served document and request bodies built with the generated
models' `from_dict`, so renaming an operation or a schema does not break the test, but breaking the contract does.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import typing
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from openapi_python_client.strings import snake_case

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


# What the generator gives up on in today's document, exactly (issue 11 fixes the document): two schemas are named
# UnitOut (app/units/schemas.py and app/bank/handoff_schemas.py; FastAPI then names one
# app__units__schemas__UnitOut), so the generator drops `Page_UnitOut_` ("Could not find reference") and leaves
# GET /units untyped.
KNOWN_GAPS = ("Could not find reference in parsed models or enums",)


def _gaps(generated: Generated) -> list[str]:
    """Binary bodies (PNG, SVG, PDF, XLSX) cannot be typed by this generator: expected, not a gap."""
    return [w for w in generated.warnings if "Unsupported content_type" not in w]


def test_generator_drops_nothing_but_the_known_gaps(generated: Generated) -> None:
    unknown = [
        w for w in _gaps(generated) if not any(k in w for k in KNOWN_GAPS) and "Could not find reference" not in w
    ]
    assert not unknown, "the generator dropped parts of the document:\n" + "\n".join(unknown)


def test_generator_drops_nothing(generated: Generated) -> None:
    assert not _gaps(generated), "\n".join(_gaps(generated))
