"""Every `python` block of docs/integration-guide.md runs, in order, against a live server: the guide never rots."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from tests.conftest import DEMO_PASSWORD, _seed, create_database
from tests.live_server import live_server

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "integration-guide.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def test_guide_has_examples() -> None:
    assert len(BLOCK.findall(GUIDE.read_text(encoding="utf-8"))) >= 8


@pytest.mark.parametrize("backend", ["sqlite"])
def test_guide_examples_run(backend: str, tmp_path: Path) -> None:
    url, drop = create_database(backend, tmp_path)
    try:
        with live_server(url, tmp_path / "media", demo_password=DEMO_PASSWORD, webhook_dispatcher=False) as base:
            asyncio.run(_seed(url))
            namespace: dict[str, object] = {}
            for number, block in enumerate(BLOCK.findall(GUIDE.read_text(encoding="utf-8")), 1):
                code = block.replace('BASE = "http://127.0.0.1:8000"', f'BASE = "{base}"')
                try:
                    exec(compile(code, f"integration-guide.md block {number}", "exec"), namespace)
                except Exception as exc:
                    raise AssertionError(f"block {number} of the guide failed:\n{block}") from exc
    finally:
        drop()
