"""The import direction, checked on the source (AST, no imports executed).

app/core ← app/auth ← domain packages in a declared order; a package imports only packages of LOWER layers
(so no cycles); qr/ and integrations/ import nothing of app. The composition roots (app/main.py, api.py,
cli.py, models.py, subscribers.py, seed.py, health.py) may import anything and nothing imports them.
A new package must be given its layer here; the README's "Architecture" section says the same in words.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LAYERS: list[set[str]] = [
    {"core"},  # settings, db, errors, i18n, text, events, ratelimit, repository base
    {"auth"},  # principal, roles, permission dependencies
    {"observability"},  # request id, logs, metrics
    {"audit", "idempotency"},  # cross-cutting services every domain may use
    {"units"},
    {"streets", "banks"},
    {"consents", "users"},  # users: accounts a city runs (reads units and banks to check what it grants)
    {"merchants"},  # shops, payment accounts, the QR record and its revoke path
    {"qrcodes"},  # issuing, rendering, decoding, verifying
    {"coverage"},  # subscribes to ShopChanged; reads merchants
    {"history"},
    {"bank"},  # bank hand-off: outbox (subscribes to ShopChanged), webhooks
    {"sync", "reports"},
    {"imports"},  # spreadsheet import: rows through the merchants' write path, above sync
    {"dashboard"},  # a UI composing the domains below it (the report files included)
    {"field"},  # the phone web app at /field and its work list
    {"demo"},
]
ROOTS = {"main", "api", "cli", "models", "subscribers", "seed", "health", "__init__"}
STANDALONE = ("qr", "integrations")  # libraries usable without the app


def layer_of(package: str) -> int | None:
    return next((i for i, names in enumerate(LAYERS) if package in names), None)


def _imports(path: Path, base: Path) -> set[str]:
    """Absolute module names imported anywhere in the file (function-level imports included)."""
    parts = list(path.relative_to(base).with_suffix("").parts)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                anchor = parts[: len(parts) - node.level]
                module = ".".join(anchor + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{a.name}" for a in node.names}
    return found


def package_graph(base: Path) -> dict[str, set[str]]:
    """app's first-level package (or root module) -> the app packages it imports."""
    graph: dict[str, set[str]] = {}
    for path in sorted((base / "app").rglob("*.py")):
        rel = path.relative_to(base / "app").with_suffix("").parts
        owner = rel[0]
        targets = graph.setdefault(owner, set())
        for name in _imports(path, base):
            bits = name.split(".")
            if bits[0] == "app" and len(bits) > 1 and bits[1] != owner:
                targets.add(bits[1])
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def violations(base: Path) -> list[str]:
    graph = package_graph(base)
    found = []
    for owner, targets in sorted(graph.items()):
        if owner in ROOTS:
            continue
        mine = layer_of(owner)
        if mine is None:
            found.append(f"app.{owner} has no declared layer (add it to LAYERS in tests/test_architecture.py)")
            continue
        for target in sorted(targets):
            if target in ROOTS:
                found.append(f"app.{owner} imports the composition root app.{target}")
                continue
            theirs = layer_of(target)
            if theirs is None or theirs >= mine:
                found.append(f"app.{owner} (layer {mine}) imports app.{target} (layer {theirs}): only lower layers")
    domains = {k: {t for t in v if t not in ROOTS} for k, v in graph.items() if k not in ROOTS}
    found += [f"import cycle: {' -> '.join(c)}" for c in _cycles(domains)]
    for lib in STANDALONE:
        for path in sorted((base / lib).rglob("*.py")):
            for name in _imports(path, base):
                if name == "app" or name.startswith("app."):
                    found.append(f"{path.relative_to(base)} imports {name}: {lib}/ must not use the app")
    return found


def test_import_direction_holds() -> None:
    assert violations(ROOT) == []


def test_core_and_auth_import_no_domain() -> None:
    graph = package_graph(ROOT)
    assert graph["core"] == set()
    assert graph["auth"] <= {"core"}


def _write(base: Path, rel: str, source: str) -> None:
    path = base / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")


@pytest.mark.parametrize(
    ("rel", "source", "expected"),
    [
        ("app/core/ratelimit.py", "from app.auth.models import User\n", "app.core (layer 0) imports app.auth"),
        ("app/auth/deps.py", "from app.merchants import access\n", "app.auth (layer 1) imports app.merchants"),
        ("app/merchants/x.py", "def f():\n    from app.qrcodes.service import issue\n", "app.merchants (layer 7)"),
        ("app/merchants/y.py", "from ..coverage.counters import track\n", "imports app.coverage"),
        ("app/units/z.py", "import app.main\n", "imports the composition root app.main"),
        ("app/newdomain/service.py", "import app.core.db\n", "app.newdomain has no declared layer"),
        ("qr/build.py", "from app.core.text import fold\n", "qr/ must not use the app"),
        ("integrations/base.py", "import app\n", "integrations/ must not use the app"),
    ],
)
def test_a_synthetic_violation_is_caught(tmp_path: Path, rel: str, source: str, expected: str) -> None:
    """The checker on a small tree: clean, then with one bad import added."""
    _write(tmp_path, "app/core/db.py", "import sqlalchemy\n")
    _write(tmp_path, "app/auth/deps.py", "from app.core.db import x\n")
    _write(tmp_path, "app/merchants/service.py", "from app.auth import Principal\nfrom app.core import db\n")
    _write(tmp_path, "app/qrcodes/service.py", "from app.merchants.service import create\n")
    _write(tmp_path, "app/api.py", "from app.qrcodes import service\n")
    _write(tmp_path, "qr/__init__.py", "")
    _write(tmp_path, "integrations/__init__.py", "import qr\n")
    assert violations(tmp_path) == []
    _write(tmp_path, rel, source)
    found = violations(tmp_path)
    assert any(expected in v for v in found), found


def test_a_cycle_is_named() -> None:
    assert _cycles({"merchants": {"qrcodes"}, "qrcodes": {"merchants"}, "units": set()}) == [
        ["merchants", "qrcodes", "merchants"]
    ]


# Inside app/bank the rooms point one way too: the hand-off (records, files, receipts) knows nothing of the
# outbox, the outbox nothing of the webhooks that deliver it; the consent endpoints and the account-name
# inquiry sit on top. A flat module of app/bank is a room of its own name.
BANK_ROOMS: list[set[str]] = [{"handoff"}, {"outbox"}, {"webhooks"}, {"consents", "account_names"}]
MAX_MODULES = 20  # a folder that is a list of more files is a room nobody can see: group it


def room_violations(base: Path, package: str = "bank", rooms: list[set[str]] = BANK_ROOMS) -> list[str]:
    found = []
    for path in sorted((base / "app" / package).rglob("*.py")):
        rel = path.relative_to(base / "app" / package).with_suffix("").parts
        if rel == ("__init__",):
            continue
        mine = next((i for i, names in enumerate(rooms) if rel[0] in names), None)
        if mine is None:
            found.append(f"app.{package}.{rel[0]} has no declared room (add it to BANK_ROOMS)")
            continue
        for name in sorted(_imports(path, base)):
            bits = name.split(".")
            if bits[:2] != ["app", package] or len(bits) < 3 or bits[2] == rel[0]:
                continue
            theirs = next((i for i, names in enumerate(rooms) if bits[2] in names), None)
            if theirs is None or theirs >= mine:
                found.append(f"app.{package}.{rel[0]} imports {'.'.join(bits[:3])}: only lower rooms")
    return sorted(set(found))


def crowded_folders(base: Path) -> list[str]:
    return [
        f"{folder.relative_to(base)} holds {count} modules (at most {MAX_MODULES}): group them in sub-packages"
        for folder in sorted(p for p in (base / "app").rglob("*") if p.is_dir() and p.name != "__pycache__")
        if (count := len(list(folder.glob("*.py")))) > MAX_MODULES
    ]


def test_bank_rooms_point_one_way() -> None:
    assert room_violations(ROOT) == []


def test_no_folder_of_app_is_a_long_list() -> None:
    assert crowded_folders(ROOT) == []


def test_room_and_folder_checks_catch_synthetic_violations(tmp_path: Path) -> None:
    _write(tmp_path, "app/bank/handoff/records.py", "import app.core.db\n")
    _write(tmp_path, "app/bank/outbox/service.py", "from app.bank.handoff.records import x\n")
    assert room_violations(tmp_path) == []
    _write(tmp_path, "app/bank/handoff/exports.py", "def f():\n    from app.bank.outbox import service\n")
    _write(tmp_path, "app/bank/loose.py", "")
    assert room_violations(tmp_path) == [
        "app.bank.handoff imports app.bank.outbox: only lower rooms",
        "app.bank.loose has no declared room (add it to BANK_ROOMS)",
    ]
    assert crowded_folders(tmp_path) == []
    for i in range(MAX_MODULES + 1):
        _write(tmp_path, f"app/units/m{i}.py", "")
    assert crowded_folders(tmp_path) == ["app/units holds 21 modules (at most 20): group them in sub-packages"]
