"""Structured logs of a slawatch process.

**Logs.** :func:`configure_logging` installs one handler on the root logger that writes one
JSON object per line: ``ts`` (UTC, ISO 8601, ms), ``level``, ``logger``, ``msg`` and every
``extra={…}`` field; ``exc`` holds a traceback. Two rules hold whatever the level:

- *Ticket payloads only at DEBUG.* An extra field named in :data:`PAYLOAD_FIELDS`
  (``payload``, ``raw``, ``event``, ``record``, ``value``, ``body``) is written only on a
  DEBUG record; on INFO and above it is replaced by its size, ``"<N bytes, DEBUG only>"``.
  So pass record contents only as such an extra field, never inside the message text:
  ``log.info("dead letter", extra={"reason": r, "payload": raw})`` is safe at INFO.
- *Secrets never.* An extra field whose name says password/secret/token/credential is
  written as ``**********``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import IO, Any

# == logs ==========================================================================================

#: Extra fields that may hold a ticket's contents: written only on DEBUG records.
PAYLOAD_FIELDS = frozenset(("payload", "raw", "event", "record", "value", "body"))
MASK = "**********"
_SECRET = re.compile(r"password|secret|token|credential", re.IGNORECASE)
_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "taskName"}
)


def _size(value: Any) -> int:
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value)
    if isinstance(value, str):
        return len(value.encode("utf-8", errors="replace"))
    try:
        return len(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return len(str(value))


def safe_extras(record: logging.LogRecord) -> dict[str, Any]:
    """The ``extra`` fields of a record, payloads (above DEBUG) and secrets withheld."""
    out: dict[str, Any] = {}
    for key, value in record.__dict__.items():
        if key in _STANDARD or key.startswith("_"):
            continue
        if _SECRET.search(key):
            out[key] = MASK
        elif key in PAYLOAD_FIELDS and record.levelno > logging.DEBUG:
            out[key] = f"<{_size(value)} bytes, DEBUG only>"
        elif isinstance(value, bytes | bytearray | memoryview):
            out[key] = bytes(value).decode("utf-8", errors="replace")
        else:
            out[key] = value
    return out


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts``, ``level``, ``logger``, ``msg``, the extra fields
    (see :func:`safe_extras`), ``exc`` for an exception."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in safe_extras(record).items():
            doc.setdefault(key, value)
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            doc["exc"] = record.exc_text
        if record.stack_info:
            doc["stack"] = self.formatStack(record.stack_info)
        return json.dumps(doc, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``ts level logger: msg key=value…`` with the same payload and secret rules."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = safe_extras(record)
        if extras:
            line += " " + " ".join(f"{k}={json.dumps(v, default=str)}" for k, v in extras.items())
        return line


_HANDLER_MARK = "_slawatch_handler"


def configure_logging(
    level: int | str = "INFO", json: bool = True, stream: IO[str] | None = None
) -> logging.Handler:
    """Log to ``stream`` (stderr) from the root logger at ``level``: JSON lines (``json``) or
    text. Replaces a handler an earlier call installed, leaves other handlers alone; returns
    the handler."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, _HANDLER_MARK, False):
            root.removeHandler(h)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if json else TextFormatter())
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    return handler
