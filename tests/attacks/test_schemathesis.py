"""Schemathesis against the app in-process: every operation of the served document, valid and invalid input,
as a field agent and as city_admin. Zero 5xx; every answer a JSON/declared media type the document allows.

Bounded by tests/attacks/budget.py. The app runs with its own engine on a fresh database (requests really commit),
inside schemathesis's ASGI client (one event loop for the whole run).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.core.config import Settings
from app.core.db import make_engine
from app.core.migrate import upgrade
from app.core.security import encode_token
from app.main import create_app
from tests.attacks.budget import CALLERS, DEADLINE, MAX_EXAMPLES, SEED
from tests.conftest import BACKENDS, DEMO_PASSWORD, _seed, create_database

pytestmark = pytest.mark.attack

# Checks every answer must pass. Status-code and body-schema conformance are left to issue 11 (the document
# does not list every problem status yet): PHOQR_ATTACK_STRICT=1 adds them, to see where the document is behind.
CHECKS = [not_a_server_error, content_type_conformance]
if os.environ.get("PHOQR_ATTACK_STRICT"):
    CHECKS += [status_code_conformance, response_schema_conformance, response_headers_conformance]


async def _user_ids(url: str) -> dict[str, int]:
    engine = make_engine(url)
    async with AsyncSession(engine) as s:
        rows = (await s.execute(select(User.username, User.id).where(User.username.in_(CALLERS)))).all()
    await engine.dispose()
    return {name: uid for name, uid in rows}


@pytest.fixture(scope="module", params=BACKENDS)
def target(request: pytest.FixtureRequest, tmp_root: Path) -> Iterator[tuple[str, Any, dict[str, str]]]:
    url, drop = create_database(request.param, tmp_root)
    upgrade(url)
    asyncio.run(_seed(url))
    settings = Settings(
        environment="test",
        database_url=url,
        database_pool_size=5,
        jwt_secret="attack-secret-" + "y" * 40,
        media_dir=tmp_root / "attack-media",
        demo_password=DEMO_PASSWORD,
        webhook_dispatcher=False,
        snapshot_daily=False,
    )
    ids = asyncio.run(_user_ids(url))
    tokens = {name: encode_token(settings, str(ids[name]), "access", ttl=timedelta(hours=2))[0] for name in CALLERS}
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(settings))
    try:
        yield request.param, schema, tokens
    finally:
        from schemathesis.python import asgi

        asgi.shutdown_lifespans()  # close the app's engine before its database goes
        drop()


@pytest.mark.parametrize("caller", CALLERS)
def test_no_server_error_anywhere(target: tuple[str, Any, dict[str, str]], caller: str) -> None:
    backend, schema, tokens = target
    headers = {"Authorization": f"Bearer {tokens[caller]}"}
    failures: list[str] = []
    timings: list[tuple[float, str]] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30

    for operation in operations:
        strategy = st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )

        @hypothesis.settings(
            max_examples=MAX_EXAMPLES[backend],
            deadline=DEADLINE,
            database=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time; the failure shows the case
            suppress_health_check=list(HealthCheck),
        )
        @hypothesis.seed(SEED)
        @hypothesis.given(case=strategy)
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)

        started = time.perf_counter()
        try:
            run()
        except (Exception, FailureGroup) as exc:  # collect every operation's failure, report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {_describe(exc)[:3000]}")
        timings.append((time.perf_counter() - started, f"{operation.method.upper()} {operation.path}"))
    print("slowest operations:", sorted(timings, reverse=True)[:5])
    assert not failures, f"{len(failures)} operations failed as {caller} on {backend}:\n\n" + "\n\n".join(failures)


def _describe(exc: BaseException) -> str:
    """The failure and, for groups (schemathesis failures, hypothesis flaky runs), what is inside them."""
    text = str(exc)
    for inner in getattr(exc, "exceptions", ()):
        text += "\n  - " + _describe(inner).replace("\n", "\n    ")
    return text
