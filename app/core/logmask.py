"""No account number in any log line: runs of 8 to 19 digits (bank accounts, card numbers, and phones on the
way) are masked to their last four, in messages, their arguments and formatted tracebacks alike.

SQLAlchemy's `hide_parameters` keeps statement parameters out of errors; this catches what is left, such as
PostgreSQL's "Key (active_key)=(970436:0011001234567) already exists" or a bank's error message."""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

# not part of a longer word or a UUID/date (letters, digits, '-' around it)
_ACCOUNT_LIKE = re.compile(r"(?<![\w-])(\d{4,15})(\d{4})(?![\w-])")
_installed = False


# a URL's query string may carry a key (`?api_key=...`, webhook URLs): it is cut, the path stays readable
_URL_QUERY = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s?#\"'<>]*)\?[^\s#\"'<>]*")


def mask_account_numbers(text: str) -> str:
    text = _URL_QUERY.sub(lambda m: m.group(1) + "?…", text)
    return _ACCOUNT_LIKE.sub(lambda m: "•" * 4 + m.group(2) if len(m.group(0)) >= 8 else m.group(0), text)


def _masked_record_factory(base: Any) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = base(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string is logging's problem to report, not ours
            return record
        record.msg, record.args = mask_account_numbers(message), ()
        if record.exc_info and record.exc_info[0] is not None:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = mask_account_numbers(text)
        return record

    return factory


def install_log_masking() -> None:
    """Once per process: every LogRecord created from now on is masked, whatever handler prints it."""
    global _installed
    if not _installed:
        logging.setLogRecordFactory(_masked_record_factory(logging.getLogRecordFactory()))
        _installed = True
