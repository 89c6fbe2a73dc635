"""Logging for the long-running commands (`serve`, `gui`): every line, tracebacks
included, passes through the one redaction function before it is written, since log
lines quote requests, URLs and errors that can carry a token or a password."""
from __future__ import annotations

import logging
import sys

from core.redaction import redact

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(level: str | int = "INFO") -> None:
    """Log to stderr with credentials redacted (also what other libraries log)."""
    logging.basicConfig(level=level, stream=sys.stderr, format=FORMAT)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(RedactingFormatter(FORMAT))
    logging.getLogger("alembic").setLevel(logging.WARNING)
