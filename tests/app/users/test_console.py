"""`phoqr users ...` on a fresh production database: the first city admin is made at the console, its password
never on the command line; list, deactivate and reset-password act at once."""

from __future__ import annotations

import asyncio
import io

import httpx
import pytest
from sqlalchemy import select

from app.auth.models import RefreshToken, User
from app.cli import main as phoqr
from app.core.config import Settings, get_settings
from app.core.db import make_engine, make_sessionmaker
from app.main import create_app


@pytest.fixture
def prod_db(monkeypatch, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'prod.db'}"
    monkeypatch.chdir(tmp_path)
    env = {"ENVIRONMENT": "production", "DEMO_USERS": "false", "JWT_SECRET": "p" * 48, "DATABASE_URL": url}
    for k, v in env.items():
        monkeypatch.setenv(f"PHOQR_{k}", v)
    for k in ("SNAPSHOT_DAILY", "ACCOUNT_CHECKS", "WEBHOOK_DISPATCHER"):
        monkeypatch.setenv(f"PHOQR_{k}", "false")
    get_settings.cache_clear()
    phoqr(["setup"])
    yield url
    get_settings.cache_clear()


def _query(url: str, stmt):
    async def run():
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as s:
                return (await s.execute(stmt)).scalars().all()
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def _login(url: str, username: str, password: str) -> int:
    app = create_app(Settings())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            r = await c.post("/api/v1/auth/token", data={"username": username, "password": password})
            return r.status_code


def test_the_first_city_admin_of_a_production_install(prod_db, capsys, monkeypatch):
    assert _query(prod_db, select(User)) == []  # setup in production made no demo user
    phoqr(["users", "create", "qt.thanhpho", "--full-name", "Quản trị TP", "--role", "city_admin"])
    out = capsys.readouterr().out
    password = out.strip().splitlines()[-1].rsplit(": ", 1)[1]
    [admin] = _query(prod_db, select(User).where(User.username == "qt.thanhpho"))
    assert admin.role == "city_admin" and admin.must_change_password and not admin.is_demo
    assert password not in admin.password_hash
    assert asyncio.run(_login(prod_db, "qt.thanhpho", password)) == 200

    monkeypatch.setattr("sys.stdin", io.StringIO("Mat-khau-cua-toi-123\n"))
    phoqr(
        [
            "users",
            "create",
            "cb.vungtau",
            "--full-name",
            "Cán bộ",
            "--role",
            "ward_officer",
            "--unit",
            "2025:26506",
            "--password-stdin",
        ]
    )
    assert "one-time password" not in capsys.readouterr().out
    assert asyncio.run(_login(prod_db, "cb.vungtau", "Mat-khau-cua-toi-123")) == 200

    phoqr(["users", "list"])
    listing = capsys.readouterr().out
    assert "qt.thanhpho\tcity_admin" in listing and "cb.vungtau\tward_officer\t2025:26506\tactive" in listing

    phoqr(["users", "deactivate", "cb.vungtau"])
    assert "deactivated" in capsys.readouterr().out
    assert asyncio.run(_login(prod_db, "cb.vungtau", "Mat-khau-cua-toi-123")) == 401
    tokens = _query(prod_db, select(RefreshToken))
    assert all(t.revoked_at is not None for t in tokens if t.user_id != admin.id)
    phoqr(["users", "list"])
    assert "cb.vungtau" not in capsys.readouterr().out

    phoqr(["users", "reset-password", "qt.thanhpho"])
    fresh = capsys.readouterr().out.strip().splitlines()[-1].rsplit(": ", 1)[1]
    assert asyncio.run(_login(prod_db, "qt.thanhpho", password)) == 401
    assert asyncio.run(_login(prod_db, "qt.thanhpho", fresh)) == 200


def test_the_console_refuses_bad_input_and_has_no_password_argument(prod_db, capsys):
    with pytest.raises(SystemExit) as refused:
        phoqr(["users", "create", "x.agent", "--full-name", "X", "--role", "field_agent"])
    assert "units" in str(refused.value.code)
    with pytest.raises(SystemExit):  # argparse: no such option, so no password ever lands in shell history
        phoqr(["users", "create", "y.admin", "--full-name", "Y", "--role", "city_admin", "--password", "secret-123456"])
    with pytest.raises(SystemExit) as missing:
        phoqr(["users", "deactivate", "nobody"])
    assert "no user" in str(missing.value.code)
    assert _query(prod_db, select(User)) == []
