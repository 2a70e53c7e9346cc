"""The OpenAPI document as integrators receive it: names a generator turns into good code, one tag per domain,
RFC 9457 problems (never FastAPI's HTTPValidationError) on every operation for the statuses it can answer, with
their stable codes, and binary responses declared with their media types.

Operation ids and tags come from where an endpoint lives (`app/<domain>/router.py`, function `create_merchant`
→ tag `merchants`, id `merchants_create`), so a new endpoint is named the day it is added. Error statuses come
from what the route depends on (a bearer token → 401, a role check → 403, a path id → 404, a body → 413/422,
`If-Match` → 412/428, `Idempotency-Key` → 409, the database → 503), plus the codes a route declares in
`responses=` or in `openapi_tables.EXTRA`. `tests/contract/` compares every status and code the suite saw with this.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import fastapi.routing as fastapi_routing
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from app.core.errors import PROBLEM_JSON
from app.core.http.openapi_tables import BASE_CODES, BINARY_SUFFIXES, EXTRA, SCHEMA_EXAMPLES, STATUS_TEXT

API_PREFIX = "/api/v1"
DOMAIN_RE = re.compile(r"^app\.([a-z_]+)")
# a domain's words that a function name repeats: create_merchant in merchants → create
_DOMAIN_WORDS = {
    "merchants": ("merchants", "merchant"),
    "qrcodes": ("qr",),
    "streets": ("streets", "street"),
    "units": ("units", "unit"),
    "banks": ("banks", "bank"),
    "coverage": ("coverage",),
    "audit": ("audit",),
    "auth": (),
    "sync": ("sync",),
    "consents": ("consents", "consent"),
    "bank": ("bank",),
    "history": ("history",),
    "reports": ("reports", "report"),
    "health": ("health",),
    "dashboard": ("dashboard",),
    "users": ("users", "user"),
    "imports": ("imports", "import"),
}
# an endpoint named only by its domain (`def sync` in app/sync) is named by what its method does
_METHOD_VERBS = {"GET": "get", "POST": "submit", "PUT": "replace", "PATCH": "update", "DELETE": "delete"}
# the tag a domain's package is shown under (package names are for code, tags for people)
TAGS = {"qrcodes": "qr", "bank": "bank_handoff"}


class ProblemFieldError(BaseModel):
    field: str = Field(description="Dotted path of the failing input, e.g. `payment_account.account_number`")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details. `code` is stable and machine-readable; `title` and `detail` follow
    `Accept-Language` (Vietnamese by default, English on `en`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:phoqr:problem:duplicate_account",
                    "title": "Tài khoản đã được đăng ký",
                    "status": 409,
                    "detail": "Tài khoản ngân hàng này đã thuộc một cửa hàng khác",
                    "code": "duplicate_account",
                    "errors": [{"field": "payment_account.account_number", "message": "Đã được dùng"}],
                    "instance": "/api/v1/merchants",
                }
            ]
        }
    )

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[ProblemFieldError] = []
    instance: str | None = None


def domain_of(route: APIRoute) -> str:
    match = DOMAIN_RE.match(getattr(route.endpoint, "__module__", "") or "")
    return match.group(1) if match else "service"


def operation_id(route: APIRoute) -> str:
    """`{domain tag}_{action}`: create_merchant in app/merchants → merchants_create."""
    domain = domain_of(route)
    words = [w for w in route.name.split("_") if w not in _DOMAIN_WORDS.get(domain, ())]
    verb = _METHOD_VERBS.get(sorted(route.methods)[0], "call") if route.methods else "call"
    return f"{TAGS.get(domain, domain)}_{'_'.join(words) or verb}"


def _dependency_names(route: APIRoute) -> set[str]:
    names: set[str] = set()
    stack = [route.dependant]
    while stack:
        dep = stack.pop()
        call = dep.call
        if call is not None:
            names.add(getattr(call, "__qualname__", getattr(call, "__name__", "")))
        stack.extend(dep.dependencies)
    return names


def inferred_statuses(route: APIRoute, path: str) -> dict[int, set[str]]:
    """The error statuses (with codes) a route can answer, from what it depends on."""
    deps = _dependency_names(route)
    params = list(_all_params(route))
    out: dict[int, set[str]] = {}

    def add(status: int, *codes: str) -> None:
        out.setdefault(status, set()).update(BASE_CODES.get(status, ()) + codes)

    if "get_principal" in deps:
        add(401)
    if any("require_roles" in d for d in deps):
        add(403)
    for name in re.findall(r"\{([a-z_]+_id)\}", path):
        # a path id that names nothing the caller may see: merchant_id -> merchant_not_found (other path
        # parameters, e.g. a unit's {edition}/{code}, list their 404 in EXTRA)
        add(404, name.removesuffix("_id") + "_not_found")
    if params or route.body_field is not None:
        add(422)
    if any(kind == "query" and p.alias == "cursor" for kind, p in params):
        add(422, "invalid_cursor")
    if route.body_field is not None:
        add(413)
    headers = {p.alias.lower() for kind, p in params if kind == "header"}
    if "if-match" in headers:
        add(412)
        add(428)
    if "idempotency-key" in headers:
        add(409)
    if "get_session" in deps:
        add(503)
    for status, codes in EXTRA.get(operation_id(route), {}).items():
        add(status, *codes)
    return out


def _all_params(route: APIRoute) -> Iterator[tuple[str, Any]]:
    stack = [route.dependant]
    while stack:
        dep = stack.pop()
        for kind in ("path", "query", "header", "cookie"):
            for param in getattr(dep, f"{kind}_params"):
                yield kind, param
        stack.extend(dep.dependencies)


def _problem_response(status: int, codes: Iterable[str]) -> dict[str, Any]:
    listed = sorted(set(codes))
    return {
        "description": STATUS_TEXT.get(status, "Error") + (f". Codes: {', '.join(listed)}" if listed else ""),
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        "x-problem-codes": listed,
    }


def api_routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) for every API route, through routers included lazily (FastAPI >= 0.160) or not."""
    iter_contexts = getattr(fastapi_routing, "iter_route_contexts", None)
    if iter_contexts is None:
        for route in app.routes:
            if isinstance(route, APIRoute):
                yield route.path_format, route
        return
    for ctx in iter_contexts(app.routes):
        if isinstance(ctx.original_route, APIRoute):
            yield ctx.path_format, ctx.original_route


def build_openapi(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        webhooks=app.webhooks.routes,
        tags=app.openapi_tags,
        servers=app.servers,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem_schema.pop("$defs", {}))
    components["Problem"] = problem_schema
    for path, route in api_routes(app):
        if not route.include_in_schema:
            continue
        for method in route.methods or ():
            op = schema["paths"].get(path, {}).get(method.lower())
            if op is None:
                continue
            op["operationId"] = operation_id(route)
            if "get_principal" not in _dependency_names(route):
                op["security"] = []  # public: say so, rather than leave a generator guessing
            op["tags"] = [TAGS.get(domain_of(route), domain_of(route))]
            responses = op.setdefault("responses", {})
            declared: dict[int, set[str]] = {}
            for key, value in list(responses.items()):
                if key.isdigit() and int(key) >= 400:
                    declared[int(key)] = set(value.get("x-problem-codes", ()))
            statuses = inferred_statuses(route, path)
            for status, codes in declared.items():
                statuses.setdefault(status, set()).update(codes)
            for status, codes in sorted(statuses.items()):
                responses[str(status)] = _problem_response(status, codes)
            _declare_binary(path, responses)
    for name, examples in SCHEMA_EXAMPLES.items():
        if name in components:
            components[name]["examples"] = examples
    for hook in schema.get("webhooks", {}).values():
        for op in hook.values():
            # the receiver is the bank's: what it answers on bad input is its own business
            op.get("responses", {}).pop("422", None)
            op["security"] = []
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    # the document describes /api/v1; /health (load balancers) and /dashboard (browsers) are not its API
    schema["paths"] = {path: ops for path, ops in schema["paths"].items() if path.startswith(API_PREFIX)}
    return schema


def _declare_binary(path: str, responses: dict[str, Any]) -> None:
    for suffix, media in BINARY_SUFFIXES.items():
        if path.endswith(suffix):
            ok = responses.setdefault("200", {"description": "OK"})
            ok["content"] = {media: {"schema": {"type": "string", "format": "binary"}}}


def install_openapi(app: FastAPI) -> None:
    def _openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = _openapi  # type: ignore[method-assign]
