"""A real uvicorn server on a free port over a fresh SQLite database, and Debian's Chromium driven by Playwright.

The database is built the way a newcomer builds theirs (`phoqr setup`, `phoqr demo-data`, which also backfills
the history snapshots), then a field agent registers shops and issues a QR through the JSON API.
No browser is downloaded: Playwright launches /usr/bin/chromium. Without it these tests are skipped, except in
CI (CI=true), where a missing browser fails the run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = os.environ.get("PHOQR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PASSWORD = "phoqr-demo"
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("PHOQR_SCREENSHOTS", ROOT / "var" / "screenshots"))  # e.g. /tmp/shots to look at them
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _why_not() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} not installed (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


REASON = _why_not()
if REASON and os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    raise RuntimeError(f"browser tests are required in CI: {REASON}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _build_database(url: str, media: Path) -> None:
    """`phoqr setup` then `phoqr demo-data --merchants 400` (which backfills the history), in this process."""
    import argparse

    from app.cli import cmd_demo_data, cmd_setup
    from app.core.config import Settings

    settings = Settings(
        environment="development", database_url=url, media_dir=media, demo_password=PASSWORD, jwt_secret="x" * 40
    )
    cmd_setup(settings, argparse.Namespace())
    cmd_demo_data(settings, argparse.Namespace(merchants=400, seed=7, history_days=90, province=None))


class Server:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base, timeout=30)
        self._tokens: dict[str, str] = {}

    def token(self, username: str) -> dict[str, str]:
        if username not in self._tokens:  # one login per user: Argon2 is slow on purpose
            r = self.http.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            r.raise_for_status()
            self._tokens[username] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[username]}"}

    def api(self, path: str, username: str, **params: object) -> dict:
        r = self.http.get(f"/api/v1{path}", params=params, headers=self.token(username))
        r.raise_for_status()
        return r.json()


def _register_shops(server: Server) -> None:
    """A field day in small: the agent registers shops on a model street and gives one a QR."""
    agent = server.token("agent.vungtau")
    streets = server.http.get("/api/v1/streets", params={"unit": "2025:26506", "model": "true"}, headers=agent)
    street = streets.json()["items"][0]["id"]
    for i, name in enumerate(["Tạp hóa Trình Duyệt", "Cà phê Kiểm Thử"]):
        body = {
            "id": str(uuid.uuid4()),
            "name": name,
            "category": "grocery" if i == 0 else "cafe",
            "phone": f"09{uuid.uuid4().int % 10**8:08d}",
            "house_number": str(100 + i),
            "street_id": street,
            "location": {"lat": 10.3465 + i * 0.0003, "lon": 107.0842, "accuracy_m": 8},
            "payment_account": {"bank_bin": "970436", "account_number": f"77{uuid.uuid4().int % 10**10:010d}"},
        }
        r = server.http.post("/api/v1/merchants", json=body, headers=agent)
        assert r.status_code == 201, r.text
        if i == 0:
            q = server.http.post(f"/api/v1/merchants/{body['id']}/qr", json={"scheme": "vietqr"}, headers=agent)
            assert q.status_code == 201, q.text


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    tmp = Path(tempfile.mkdtemp(prefix="phoqr-browser-"))
    port = _free_port()
    env = {
        **os.environ,
        "PHOQR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'phoqr.db'}",
        "PHOQR_MEDIA_DIR": str(tmp / "media"),
        "PHOQR_JWT_SECRET": "browser-test-secret-" + "x" * 32,
        "PHOQR_ENVIRONMENT": "development",
        "PHOQR_DEMO_PASSWORD": PASSWORD,
    }
    _build_database(env["PHOQR_DATABASE_URL"], tmp / "media")
    # the server runs as production would set its cookie: Secure (Chromium accepts it on localhost)
    env["PHOQR_ENVIRONMENT"] = "test"
    cmd = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
    # the server's log goes to a file: an unread pipe fills up and blocks the server mid-request
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://localhost:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                raise RuntimeError((tmp / "server.log").read_text(errors="replace")[-4000:])
            time.sleep(0.2)
        srv = Server(base)
        _register_shops(srv)
        yield srv
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Module-scoped on purpose: while Playwright's sync API is open, its event loop counts as running in this
    thread, and every later test that calls asyncio.run() would fail."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
