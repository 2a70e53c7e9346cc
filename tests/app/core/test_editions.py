"""Code compares editions with `app.core.editions.Edition` (or `EDITIONS`), never with the literals "2020"/"2025":
one spelling of the two maps, so a search for `Edition.Y2020` finds every place that treats old wards apart."""

from __future__ import annotations

import ast
from pathlib import Path

from app.core.editions import EDITIONS, Edition

ROOT = Path(__file__).resolve().parents[3]
LITERALS = {"2020", "2025"}


def _is_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in LITERALS
    return isinstance(node, ast.Tuple | ast.List | ast.Set) and any(_is_literal(e) for e in node.elts)


def literal_comparisons(source: str) -> list[int]:
    """Lines comparing with "2020"/"2025" (==, !=, in, not in)."""
    return sorted(
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Compare) and any(_is_literal(x) for x in (node.left, *node.comparators))
    )


def test_the_check_finds_literal_comparisons() -> None:
    source = 'a = x == "2025"\nb = "2020" != y\nc = e in ("2025", "2020")\nd = ("2025", c) in refs\n'
    assert literal_comparisons(source) == [1, 2, 3, 4]
    assert literal_comparisons('f(edition="2025")\ne = x == Edition.Y2025\nu = ("2025", c)\n') == []


def test_editions_are_compared_by_the_enum() -> None:
    found = {
        str(f.relative_to(ROOT)): lines
        for f in sorted((ROOT / "app").rglob("*.py"))
        if (lines := literal_comparisons(f.read_text()))
    }
    assert not found


def test_the_enum_compares_equal_to_the_stored_strings() -> None:
    assert Edition.Y2025 == "2025" and "2020" in EDITIONS and "2024" not in EDITIONS
    assert list(EDITIONS) == ["2020", "2025"]  # oldest first, as loaders walk them
