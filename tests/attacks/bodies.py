"""The smallest valid request for an OpenAPI operation, built from the document itself.

Values come from the schema (enum, bounds, format); fields that point at a resource are filled by NAME from
`targets` (unit, units, merchant_id, street_id, payload, ...), so the authorization matrix can aim any operation,
including one added tomorrow, at a resource in the caller's own unit or another's.
"""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, date, datetime
from typing import Any

from PIL import Image


def _tiny_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


TINY_PNG = _tiny_png()


class Builder:
    def __init__(self, document: dict[str, Any], targets: dict[str, Any]) -> None:
        self.doc = document
        self.targets = targets

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.doc
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def value(self, schema: dict[str, Any], name: str = "", depth: int = 0) -> Any:
        if name in self.targets:
            return self.targets[name]
        schema = self.resolve(schema)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [self.resolve(s) for s in schema[key]]
                options = [s for s in options if s.get("type") != "null"] or options
                return self.value(options[0], name, depth)
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for s in schema["allOf"]:
                merged.update(self.resolve(s))
            return self.value(merged, name, depth)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        if "default" in schema and schema["default"] is not None and depth > 0:
            return schema["default"]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            return self.obj(schema, depth)
        if kind == "array":
            n = max(1, schema.get("minItems", 0)) if depth < 4 else 0
            return [self.value(schema.get("items", {}), name.removesuffix("s"), depth + 1) for _ in range(n)]
        if kind == "integer":
            return int(schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1))
        if kind == "number":
            lo, hi = schema.get("minimum"), schema.get("maximum")
            return (lo + hi) / 2 if lo is not None and hi is not None else float(lo if lo is not None else 1)
        if kind == "boolean":
            return False
        return self.string(schema)

    def string(self, schema: dict[str, Any]) -> str:
        fmt = schema.get("format")
        if fmt == "uuid":
            return str(uuid.uuid4())
        if fmt == "date":
            return date.today().isoformat()
        if fmt == "date-time":
            return datetime.now(UTC).isoformat()
        if fmt in ("uri", "url"):
            return "https://bank.example/phoqr/hook"
        pattern = schema.get("pattern")
        if pattern:
            for candidate in _PATTERN_CANDIDATES:
                if re.search(pattern, candidate):
                    return candidate
        text = "Kiểm tra phân quyền"
        return text[: schema.get("maxLength", len(text))].ljust(schema.get("minLength", 1), "x")

    def obj(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        props = schema.get("properties", {})
        out = {}
        for key in schema.get("required", []):
            out[key] = self.value(props.get(key, {}), key, depth + 1)
        for key in props:  # a resource reference that is optional still aims the request
            if key not in out and key in self.targets and key in AIMING_FIELDS:
                out[key] = self.targets[key]
        return out

    def request_body(self, operation: dict[str, Any]) -> dict[str, Any]:
        """httpx keyword arguments (json=, data=, files=) for the operation's body, if it has one."""
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            return {"json": self.value(content["application/json"].get("schema", {}), "", 0)}
        if "multipart/form-data" in content:
            schema = self.resolve(content["multipart/form-data"].get("schema", {}))
            files, data = {}, {}
            for key, prop in schema.get("properties", {}).items():
                prop = self.resolve(prop)
                if prop.get("format") == "binary" or prop.get("contentMediaType"):
                    files[key] = ("photo.png", TINY_PNG, "image/png")
                elif key in schema.get("required", []):
                    data[key] = str(self.value(prop, key, 1))
            return {"files": files, "data": data}
        if "application/x-www-form-urlencoded" in content:
            return {"data": self.value(content["application/x-www-form-urlencoded"].get("schema", {}), "", 0)}
        return {}


# tried in order against a schema's pattern: a BIN, a SHA-256 hex digest, plain codes
_PATTERN_CANDIDATES = ("970436", "0" * 64, "A1", "a", "0901234567", "2025:26506")

# body fields that name a resource: set whenever the schema has them, required or not
AIMING_FIELDS = frozenset({"unit", "units", "merchant_id", "street_id"})
