"""Every query in a repository: no statement is built and no session query is run in app/ outside the
`repository.py` modules (and app/core, which holds the repository base and the database plumbing).

Checked on the source (AST, nothing imported): a call of `select`, `insert`, `update`, `delete` or `text` imported
from sqlalchemy or sqlmodel (also through `import sqlalchemy as sa`), a table's own `.insert()/.update()/.delete()`
(`Model.__table__.insert()`), and any `.execute/.exec/.scalar/.scalars/.stream/.stream_scalars` call (but an
HTTP client's `.stream("POST", url)`: SQLAlchemy 2 takes no SQL string there). A `text(...)` in a `models.py` is
the table's own schema (a partial index's predicate), not a query.

Every query of app/ is in a repository (issue 16, item 3): `REMAINING` is empty. It stays as the way to let a
file hold queries for a while, with how many; it may only shrink. A file not listed must have none; a listed file
may not gain any, and once it has none its entry must go (the test says so). Every repository is on
`app.core.repository.Repository[M]` too (`NOT_ON_BASE` is empty).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

BUILDERS = {"select", "insert", "update", "delete", "text"}
RUNNERS = {"execute", "exec", "scalar", "scalars", "stream", "stream_scalars"}
SQL_MODULES = ("sqlalchemy", "sqlmodel")

# file (relative to the repository root) -> the most queries it may still hold. Shrinks; never grows.
REMAINING: dict[str, int] = {}


def _is_sql_module(name: str) -> bool:
    return any(name == m or name.startswith(f"{m}.") for m in SQL_MODULES)


def queries_in(source: str) -> list[tuple[int, str]]:
    """(line, what) for every query construction or run in `source`."""
    tree = ast.parse(source)
    builders: set[str] = set()  # local names bound to sqlalchemy/sqlmodel's select, insert...
    modules: set[str] = set()  # local names of sqlalchemy/sqlmodel modules (`import sqlalchemy as sa`)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and _is_sql_module(node.module):
            builders |= {alias.asname or alias.name for alias in node.names if alias.name in BUILDERS}
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _is_sql_module(alias.name):
                    modules.add(alias.asname or alias.name.split(".")[0])
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in builders:
            found.append((node.lineno, f"{func.id}(...)"))
        elif isinstance(func, ast.Attribute):
            owner = func.value
            root = owner
            while isinstance(root, ast.Attribute):
                root = root.value
            http = bool(node.args) and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
            if func.attr in RUNNERS and not http:  # client.stream("POST", url) is httpx, not a query
                found.append((node.lineno, f".{func.attr}(...)"))
            elif (func.attr in BUILDERS and isinstance(root, ast.Name) and root.id in modules) or (
                func.attr in BUILDERS - {"text", "select"} and ast.unparse(owner).endswith("__table__")
            ):
                found.append((node.lineno, f"{ast.unparse(func)}(...)"))
    return sorted(found)


def outside_repositories(base: Path) -> dict[str, list[tuple[int, str]]]:
    found = {}
    for path in sorted((base / "app").rglob("*.py")):
        rel = path.relative_to(base)
        if path.name == "repository.py" or rel.parts[:2] == ("app", "core"):
            continue
        hits = queries_in(path.read_text(encoding="utf-8"))
        if path.name == "models.py":  # a table's own SQL (a partial index's predicate) is schema, not a query
            hits = [(line, what) for line, what in hits if what != "text(...)"]
        if hits:
            found[rel.as_posix()] = hits
    return found


def problems(found: dict[str, list[tuple[int, str]]], remaining: dict[str, int]) -> list[str]:
    bad = []
    for rel, hits in sorted(found.items()):
        allowed = remaining.get(rel, 0)
        if len(hits) > allowed:
            where = ", ".join(f"line {line}: {what}" for line, what in hits)
            bad.append(f"{rel}: {len(hits)} queries outside a repository (allowed {allowed}): {where}")
    for rel in sorted(set(remaining) - set(found)):
        bad.append(f"{rel} holds no query any more: remove it from REMAINING")
    return bad


def test_every_query_is_in_a_repository() -> None:
    assert problems(outside_repositories(ROOT), REMAINING) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from sqlmodel import select\nselect(A)\n", [(2, "select(...)")]),
        ("from sqlalchemy import update as up\nup(A).values(x=1)\n", [(2, "up(...)")]),
        ("import sqlalchemy as sa\nsa.text('SELECT 1')\n", [(2, "sa.text(...)")]),
        ("from sqlalchemy.dialects.postgresql import insert\ninsert(T)\n", [(2, "insert(...)")]),
        ("M.__table__.insert().values(a=1)\n", [(1, "M.__table__.insert(...)")]),
        ("async def f(s):\n    await s.execute(q)\n", [(2, ".execute(...)")]),
        ("async def f(s):\n    return (await s.scalars(q)).all()\n", [(2, ".scalars(...)")]),
        ("async def f(s):\n    async for r in await s.stream(q): pass\n", [(2, ".stream(...)")]),
        # not queries: a dict's update, a list's insert, a str called text, a local select
        ("d = {}\nd.update(a=1)\n[].insert(0, 1)\n", []),
        ("def text(x): return x\ntext('a')\n", []),
        ("from app.x import select\nselect(1)\n", []),
        ("async def f(c):\n    async with c.stream('POST', url) as r: pass\n", []),
    ],
)
def test_the_check_sees_queries_and_only_queries(source: str, expected: list[tuple[int, str]]) -> None:
    assert queries_in(source) == expected


def test_the_allowlist_only_shrinks(tmp_path: Path) -> None:
    (tmp_path / "app" / "x").mkdir(parents=True)
    (tmp_path / "app" / "core").mkdir()
    (tmp_path / "app" / "x" / "repository.py").write_text("from sqlmodel import select\nselect(A)\n")
    (tmp_path / "app" / "core" / "db.py").write_text("async def f(s):\n    await s.execute(q)\n")
    (tmp_path / "app" / "x" / "service.py").write_text("async def f(s):\n    await s.execute(q)\n")
    found = outside_repositories(tmp_path)
    assert list(found) == ["app/x/service.py"]
    assert problems(found, {"app/x/service.py": 1}) == []
    assert problems(found, {}) == [
        "app/x/service.py: 1 queries outside a repository (allowed 0): line 2: .execute(...)"
    ]
    assert problems({}, {"app/x/service.py": 1}) == [
        "app/x/service.py holds no query any more: remove it from REMAINING"
    ]


# Repositories not on the base (none: a read-side repository over several tables is typed by the table it is
# about and reads its neighbours too). Like REMAINING, it may only shrink.
NOT_ON_BASE: set[str] = set()


def repositories_off_base(base: Path) -> set[str]:
    """Classes named *Repository in repository.py modules of app/ that do not subclass Repository[...]."""
    off = set()
    for path in sorted((base / "app").rglob("repository.py")):
        if path.parent.name == "core":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Repository"):
                bases = {ast.unparse(b).split("[")[0] for b in node.bases}
                if "Repository" not in bases:
                    off.add(node.name)
    return off


def test_every_repository_builds_on_the_typed_base() -> None:
    assert repositories_off_base(ROOT) == NOT_ON_BASE


def test_a_repository_off_the_base_is_seen(tmp_path: Path) -> None:
    (tmp_path / "app" / "x").mkdir(parents=True)
    (tmp_path / "app" / "x" / "repository.py").write_text(
        "class XRepository(Repository[X]):\n    pass\n\nclass YRepository:\n    pass\n"
    )
    assert repositories_off_base(tmp_path) == {"YRepository"}
