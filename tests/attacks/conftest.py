"""Generated attacks: the authorization matrix and schemathesis. `pytest -m attack` runs only these."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "attack: generated attacks (bounded by tests/attacks/budget.py)")
