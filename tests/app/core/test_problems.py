"""The one registry of problem codes (`app.core.problems`): every code raised in app/ or documented in the OpenAPI
document has an entry, and is answered with the status its entry declares. The checker is tested on synthetic
sources first, so a rule that could never fire would be seen."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import app
from app.core import errors
from app.core.i18n import TITLES
from app.core.problems import ALSO, DECLARED, PROBLEMS, problem, titles
from app.main import create_app

ROOT = Path(__file__).resolve().parents[3]


def _import_all() -> None:
    for info in pkgutil.walk_packages(app.__path__, "app."):
        importlib.import_module(info.name)


def _error_classes() -> dict[str, type[errors.AppError]]:
    _import_all()
    found: dict[str, type[errors.AppError]] = {}
    stack = [errors.AppError]
    while stack:
        cls = stack.pop()
        found[cls.__name__] = cls
        stack.extend(cls.__subclasses__())
    return found


def raised_codes(source: str, classes: dict[str, type[errors.AppError]]) -> list[tuple[str, int | None, int]]:
    """(code, status or None, line) of every `SomeAppError(..., code="literal")`, `OpError(code="literal")` and
    `problem("literal")` in the source."""
    out: list[tuple[str, int | None, int]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name == "problem" and node.args and isinstance(node.args[0], ast.Constant):
            out.append((str(node.args[0].value), None, node.lineno))
            continue
        if name not in classes and name != "OpError":
            continue
        for kw in node.keywords:
            if kw.arg == "code" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                status = classes[name].status if name in classes else None
                out.append((kw.value.value, status, node.lineno))
    return out


def problems_in(source: str, classes: dict[str, type[errors.AppError]]) -> list[str]:
    bad = []
    for code, status, line in raised_codes(source, classes):
        entry = PROBLEMS.get(code)
        if entry is None:
            bad.append(f"line {line}: {code} has no entry in app.core.problems.DECLARED")
        elif status is not None and status not in entry.statuses:
            bad.append(f"line {line}: {code} raised with {status}, declared {entry.statuses}")
    return bad


def test_the_checker_finds_an_undeclared_code_and_a_wrong_status():
    classes = _error_classes()
    source = (
        "raise Conflict('x', code='no_such_code')\n"
        "raise NotFound('x', code='duplicate_phone')\n"
        "raise Conflict('x', code='duplicate_phone')\n"
        "OpError(field=None, message='m', code='nor_this')\n"
        "problem('neither_this')\n"
    )
    assert problems_in(source, classes) == [
        "line 1: no_such_code has no entry in app.core.problems.DECLARED",
        "line 2: duplicate_phone raised with 404, declared (409,)",
        "line 4: nor_this has no entry in app.core.problems.DECLARED",
        "line 5: neither_this has no entry in app.core.problems.DECLARED",
    ]


def test_every_code_raised_in_app_has_an_entry_with_its_status():
    classes = _error_classes()
    bad = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        bad += [f"{path.relative_to(ROOT)} {b}" for b in problems_in(path.read_text(encoding="utf-8"), classes)]
    assert bad == []


def test_every_error_class_code_has_an_entry_with_its_status():
    bad = {
        name: (cls.code, cls.status)
        for name, cls in _error_classes().items()
        if cls.code not in PROBLEMS or cls.status not in PROBLEMS[cls.code].statuses
    }
    assert bad == {}


def test_every_code_the_openapi_document_lists_has_an_entry_with_that_status(settings):
    schema = create_app(settings).openapi()
    bad = set()
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            for status, response in op.get("responses", {}).items():
                for code in response.get("x-problem-codes", ()):
                    entry = PROBLEMS.get(code)
                    if entry is None or int(status) not in entry.statuses:
                        bad.add((method.upper(), path, int(status), code))
    assert sorted(bad) == []


def test_titles_come_from_the_registry_in_their_old_shape():
    assert TITLES == titles() == {code: (vi, en) for code, (_, vi, en) in DECLARED.items()}
    assert set(ALSO) <= set(DECLARED)
    for code, (status, vi, en) in DECLARED.items():
        assert 400 <= status <= 599 and vi and en and vi != en, code


def test_a_raise_site_names_its_entry_and_gets_its_status():
    exc = problem("duplicate_street").error()
    assert (type(exc), exc.status, exc.code, exc.detail_en) == (
        errors.Conflict,
        409,
        "duplicate_street",
        "Street already exists",
    )
    with pytest.raises(KeyError):
        problem("never_declared")
