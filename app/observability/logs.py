"""Structured JSON logs: one object per line, with the request id of the request that wrote it.

Standard library only (a `logging.Formatter`), so every library's records (uvicorn, SQLAlchemy) come out the same
way. Extra fields go in `extra={"fields": {...}}`. Account numbers never belong in a log line: the access log
carries the route template, never the raw path, query or body.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

from app.core.logmask import install_log_masking

request_id_var: ContextVar[str | None] = ContextVar("phoqr_request_id", default=None)

# an incoming X-Request-ID is kept only when it is short and plain: no spaces or control characters to forge
# log lines with, nothing that needs escaping in a header
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def accept_request_id(incoming: str | None) -> str:
    if incoming and _REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            out["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info:
            # exc_text: the traceback as app.core.logmask already masked it (no account numbers)
            out["exc_info"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


_MARK = "_phoqr_handler"


def configure_logging(level: str = "INFO", *, json_format: bool = True, stream: IO[str] | None = None) -> None:
    """Send every record through one handler on the root logger (replacing ours from an earlier call).

    uvicorn's own loggers are routed to it too; its access log is switched off because the app writes its own
    (with route template, user and request id)."""
    install_log_masking()  # no account number in any line, whichever process logs (API, phoqr worker)
    root = logging.getLogger()
    for h in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(h)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if json_format else logging.Formatter("%(levelname)s %(name)s %(message)s"))
    setattr(handler, _MARK, True)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    access.disabled = True
