"""Dashboard links name their routes: no literal `/dashboard...` path in a template or in the Python that
builds pages (app/dashboard, app/field), but the one `PREFIX` every route, cookie and header derives from."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request

from app.dashboard import PREFIX
from app.dashboard.web import link, route_path
from tests.app.dashboard.support import sign_in

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "app" / "dashboard" / "templates"
PYTHON = [ROOT / "app" / "dashboard", ROOT / "app" / "field"]
LITERAL = re.compile(r"(?<![\w./-])/dashboard(?![\w.-])")  # the path, not "app/dashboard" or "dashboard.css"
ROUTE_NAME = re.compile(r"""\b(?:url|action)\(\s*(['"])([^'"]+)\1""")


def template_literals(text: str) -> list[int]:
    """Line numbers of literal dashboard paths in a template."""
    return [n for n, line in enumerate(text.splitlines(), 1) if LITERAL.search(line)]


def python_literals(source: str) -> list[int]:
    """Line numbers of string constants (f-string parts included) holding a dashboard path; docstrings and the
    module-level `PREFIX = ...` assignment are not links."""
    tree = ast.parse(source)
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            skip.add(id(first.value))  # a docstring
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["PREFIX"]:
            skip.add(id(node.value))
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and LITERAL.search(node.value)
    )


def test_the_checks_find_literal_paths() -> None:
    assert template_literals('<a href="/dashboard">\n<a href="{{ url(\'/dashboard/map\') }}">') == [1, 2]
    assert template_literals('<form action="/dashboard?x=1">\n<a href="{{ url(\'dashboard.map\') }}">') == [1]
    assert template_literals("<link href=\"{{ static('dashboard.css') }}\">\napp/dashboard/x") == []
    bad = 'def f(x):\n    return redirect("/dashboard/login")\n\ndef g(x):\n    return f"/dashboard/streets/{x}"\n'
    assert python_literals(bad) == [2, 5]
    assert python_literals('"""Pages at /dashboard."""\nPREFIX = "/dashboard"\nA = PREFIX + "/static"\n') == []
    assert python_literals('OTHER = "/dashboard"\n') == [1]


def test_no_literal_dashboard_path_in_templates() -> None:
    found = {p.name: template_literals(p.read_text()) for p in sorted(TEMPLATES.glob("*.html"))}
    assert found and not {name: lines for name, lines in found.items() if lines}


def test_no_literal_dashboard_path_in_python() -> None:
    files = [f for folder in PYTHON for f in sorted(folder.rglob("*.py"))]
    found = {str(f.relative_to(ROOT)): python_literals(f.read_text()) for f in files}
    assert len(found) > 10 and not {name: lines for name, lines in found.items() if lines}


def request_to(app: object, lang: str = "vi") -> Request:
    return Request({"type": "http", "app": app, "query_string": f"lang={lang}".encode(), "headers": []})


def test_every_route_name_in_a_template_is_a_dashboard_route(app: object) -> None:
    names = {m.group(2) for p in TEMPLATES.glob("*.html") for m in ROUTE_NAME.finditer(p.read_text())}
    assert {"dashboard.overview", "dashboard.report", "dashboard.import_errors"} <= names
    sample = {"edition": "2025", "code": "26506", "street_id": 7, "ext": "csv", "import_id": "x"}
    for name in sorted(names):  # an unknown name raises NoMatchFound
        assert route_path(request_to(app), name, **sample).startswith(PREFIX + "/") or name == "dashboard.overview"


@pytest.mark.parametrize(
    ("name", "params", "lang", "expected"),
    [
        ("dashboard.overview", {}, "vi", "/dashboard"),
        ("dashboard.overview", {"edition": "2020"}, "en", "/dashboard?edition=2020&lang=en"),
        ("dashboard.unit", {"edition": "2025", "code": "26506"}, "vi", "/dashboard/units/2025/26506"),
        ("dashboard.street", {"street_id": 7, "unit": "2025:26506"}, "vi", "/dashboard/streets/7?unit=2025%3A26506"),
        ("dashboard.trends", {"street_id": 7, "unit": None}, "en", "/dashboard/trends?street_id=7&lang=en"),
        ("dashboard.import_errors", {"import_id": "ab"}, "vi", "/dashboard/imports/ab/errors.xlsx"),
        ("dashboard.login_form", {"next": "/dashboard/map"}, "vi", "/dashboard/login?next=%2Fdashboard%2Fmap"),
    ],
)
async def test_links_are_the_paths_they_always_were(
    app: object, name: str, params: dict[str, object], lang: str, expected: str
) -> None:
    assert link(request_to(app, lang), name, **params) == expected


async def test_the_report_form_posts_to_the_named_report_route(web: httpx.AsyncClient) -> None:
    await sign_in(web, "officer.vungtau")
    page = (await web.get("/dashboard")).text
    assert 'action="/dashboard/reports/coverage.xlsx"' in page
    assert 'formaction="/dashboard/reports/coverage.csv"' in page
    assert 'href="/dashboard/static/dashboard.css"' in page
