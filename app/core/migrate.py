"""Alembic driven from code (the CLI and the tests), with the migrations folder found beside the app."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


async def schema_revision(conn: AsyncConnection) -> str | None:
    """The revision the database is at (what /health reports)."""
    revision = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    return None if revision is None else str(revision)


def alembic_config(url: str, pooler: str = "none") -> Config:
    cfg = Config()
    cfg.attributes["pooler"] = pooler
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["skip_logging"] = True
    return cfg


def upgrade(url: str, revision: str = "head", *, pooler: str = "none") -> None:
    command.upgrade(alembic_config(url, pooler), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
