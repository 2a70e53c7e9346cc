"""A TypeScript client generated from the document the app serves (openapi-typescript + openapi-fetch) compiles
under `tsc --strict` and runs a field agent's flow under Node against a live server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.conftest import DEMO_PASSWORD, _seed, create_database
from tests.contract.node_tools import BIN, TS_DIR, require_node, run, write_schema
from tests.live_server import live_server


def test_typescript_client_compiles_strictly_and_runs_the_field_flow(tmp_path: Path) -> None:
    require_node()
    url, drop = create_database("sqlite", tmp_path)
    try:
        with live_server(url, tmp_path / "media", demo_password=DEMO_PASSWORD, webhook_dispatcher=False) as base:
            asyncio.run(_seed(url))
            schema = httpx.get(f"{base}/api/v1/openapi.json", timeout=10).json()
            path = write_schema(schema, tmp_path / "openapi.json")
            # inputs with defaults stay optional (responses already mark what is always present as required)
            generated = run(
                BIN / "openapi-typescript", path, "--default-non-nullable", "false", "-o", TS_DIR / "src" / "phoqr.d.ts"
            )
            assert generated.returncode == 0, generated.stderr[-4000:]
            compiled = run(BIN / "tsc", "-p", ".")
            assert compiled.returncode == 0, "tsc --strict:\n" + compiled.stdout[-6000:]
            flow = run("node", TS_DIR / "dist" / "field-flow.js", base, timeout=120)
            assert flow.returncode == 0, flow.stdout[-3000:] + flow.stderr[-3000:]
            assert "field flow OK" in flow.stdout
    finally:
        drop()
