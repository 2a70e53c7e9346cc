"""The served OpenAPI document passes @redocly/cli lint with the checked-in ruleset (tests/contract/redocly.yaml)."""

from __future__ import annotations

from pathlib import Path

from app.core.config import Settings
from app.main import create_app
from tests.contract.node_tools import BIN, TS_DIR, require_node, run, write_schema


def test_document_passes_redocly_lint(tmp_path: Path) -> None:
    require_node()
    schema = create_app(Settings(environment="test")).openapi()
    path = write_schema(schema, tmp_path / "openapi.json")
    result = run(BIN / "redocly", "lint", "--config", TS_DIR.parent / "redocly.yaml", path, "--format", "stylish")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_schema_names_are_unique_and_plain() -> None:
    """Two models with one name come out as `app__x__schemas__Name` and generators drop one of them."""
    schema = create_app(Settings(environment="test")).openapi()
    qualified = [name for name in schema["components"]["schemas"] if "__" in name]
    assert not qualified, f"rename these models so each schema name is unique: {qualified}"


def test_examples_are_valid_requests() -> None:
    """The Vietnamese examples integrators copy are accepted by the models that parse those requests."""
    from app.bank.handoff.schemas import ReceiptsIn
    from app.merchants.schemas import MerchantCreate
    from app.sync.schemas import SyncIn

    schemas = create_app(Settings(environment="test")).openapi()["components"]["schemas"]
    for name, model in (("MerchantCreate", MerchantCreate), ("SyncIn", SyncIn), ("ReceiptsIn", ReceiptsIn)):
        for example in schemas[name]["examples"]:
            model.model_validate(example)
