"""`make bench` prints its figures, not the access log of the apps it drives nor alembic's migration lines."""

from __future__ import annotations

import asyncio
import logging

import httpx

import bench.__main__ as bench_main
from app.main import create_app
from bench.common import Row

SETTINGS = []


def run() -> list[Row]:
    """A benchmark module in miniature: an app built and asked, as bench/service_bench.py does."""

    async def ask() -> int:
        application = create_app(SETTINGS[0])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://t") as c:
            return (await c.get("/api/v1/no-such-page")).status_code

    asyncio.run(ask())
    logging.getLogger("alembic.runtime.migration").info("Running upgrade  -> 0001, initial schema")
    return [Row("probe (s)", 1.0, "s", "none", None)]


def test_bench_prints_its_table_and_no_log_line(settings, capfd, monkeypatch):
    # outside "test" the app configures its JSON logs, as it does in the benchmarks
    SETTINGS[:] = [settings.model_copy(update={"environment": "development"})]
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    monkeypatch.setattr(bench_main, "MODULES", [__name__])
    monkeypatch.setattr("sys.argv", ["bench"])
    try:
        bench_main.main()
    finally:
        logging.disable(logging.NOTSET)
        root.handlers[:] = handlers
        root.setLevel(level)
    out, err = capfd.readouterr()
    assert "probe (s)" in out
    printed = (out + err).splitlines()
    assert not [line for line in printed if line.lstrip().startswith("{")]
