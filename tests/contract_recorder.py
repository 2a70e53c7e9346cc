"""Records every error status and problem code the suite sees, per operation, and compares them with what the
OpenAPI document says each operation can answer. Wired in tests/conftest.py: the app fixture wraps the app with
`Recorder`, and pytest_sessionfinish fails the run when an operation answered a status or code it does not
document (a 500 is never documented, so any 500 anywhere fails the run too).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROBLEM_JSON = b"application/problem+json"


@dataclass
class Seen:
    # (method, path) -> {(status, code)}
    answers: dict[tuple[str, str], set[tuple[int, str | None]]] = field(default_factory=lambda: defaultdict(set))
    schema: dict[str, Any] | None = None


SEEN = Seen()


class Recorder:
    """Pure ASGI middleware: notes the status and, for problems, the code of every response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = {"status": None, "problem": False, "body": b""}

        async def _send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                headers = dict(message.get("headers") or [])
                state["problem"] = headers.get(b"content-type", b"").startswith(PROBLEM_JSON)
            elif message["type"] == "http.response.body" and state["problem"]:
                state["body"] += message.get("body", b"")
            await send(message)

        await self.app(scope, receive, _send)
        status = state["status"]
        if status is None or status < 400:
            return
        code = None
        if state["problem"]:
            try:
                code = json.loads(state["body"]).get("code")
            except ValueError:
                code = None
        SEEN.answers[(scope["method"], scope["path"])].add((status, code))
        if SEEN.schema is None:
            app = scope.get("app")
            if app is not None and hasattr(app, "openapi"):
                SEEN.schema = app.openapi()


def _templates(schema: dict[str, Any]) -> list[tuple[re.Pattern[str], str]]:
    out = []
    for path in schema.get("paths", {}):
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"
        out.append((re.compile(pattern), path))
    # literal paths before templated ones (/qr/verify before /qr/{qr_id})
    out.sort(key=lambda t: (t[1].count("{"), -len(t[1])))
    return out


def undocumented() -> list[str]:
    """Every (operation, status, code) the suite saw that the document does not list."""
    schema = SEEN.schema
    if schema is None:
        return []
    templates = _templates(schema)
    problems = []
    for (method, raw_path), answers in sorted(SEEN.answers.items()):
        template = next((t for rx, t in templates if rx.match(raw_path)), None)
        op = schema["paths"].get(template, {}).get(method.lower()) if template else None
        if op is None:
            continue  # not an operation of the document (404 for an unknown path, 405, docs)
        responses = op.get("responses", {})
        for status, code in sorted(answers, key=lambda a: (a[0], a[1] or "")):
            documented = responses.get(str(status))
            where = f"{op.get('operationId')} ({method} {template})"
            if documented is None:
                problems.append(f"{where}: status {status} (code {code}) is not documented")
            elif code and code not in documented.get("x-problem-codes", [code]):
                problems.append(f"{where}: status {status} code {code} is not among {documented['x-problem-codes']}")
    return sorted(set(problems))


def write_report(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    seen = {f"{m} {p}": sorted([s, c] for s, c in a) for (m, p), a in SEEN.answers.items()}
    path.write_text(json.dumps({"undocumented": undocumented(), "seen": seen}, ensure_ascii=False, indent=1))
