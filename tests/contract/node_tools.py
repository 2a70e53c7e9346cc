"""The Node side of the contract checks: the pinned tools in tests/contract/ts (npm ci when missing)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

TS_DIR = Path(__file__).resolve().parent / "ts"
BIN = TS_DIR / "node_modules" / ".bin"


def require_node() -> None:
    """Node tools or a skip outside CI; in CI a missing toolchain fails the run."""
    if shutil.which("node") and shutil.which("npm"):
        if not (BIN / "tsc").exists():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=TS_DIR, check=True, timeout=600)
        return
    if os.environ.get("CI"):
        pytest.fail("Node.js and npm are required in CI for the TypeScript client and OpenAPI lint")
    pytest.skip("Node.js/npm not installed")


def run(*args: str | Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=TS_DIR, capture_output=True, text=True, timeout=timeout, check=False
    )


def write_schema(schema: dict[str, object], path: Path) -> Path:
    path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    return path
