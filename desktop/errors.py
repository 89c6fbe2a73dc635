"""One mapping from what went wrong to what the user reads. Controllers never build
message boxes: they report, and the window (a dialog) or the wall (a banner) shows it."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserMessage:
    level: str  # "info" | "warning" | "critical"
    title: str
    text: str
    conflict: bool = False  # another workstation won: the caller reloads what it shows


def message_for(exc: BaseException, zone: str = "Asia/Shanghai") -> UserMessage:
    from core.incident_actions import CoordinateInputError
    from core.incidents import IllegalTransition
    from db.engine import DatabaseUnavailable
    from db.operations import ConflictError, PermissionDenied, WriteRefused

    try:
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError:  # pragma: no cover - SQLAlchemy is a dependency
        SQLAlchemyError = ()  # type: ignore[assignment]

    first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
    if isinstance(exc, ConflictError):
        return UserMessage("warning", QCoreApplication.translate("errors", "Changed by another workstation"),
                           QCoreApplication.translate("errors", "Your change was not saved: %1\nThe current state is shown now.").replace("%1", str(exc)),
                           conflict=True)
    if isinstance(exc, PermissionDenied):
        return UserMessage("warning", QCoreApplication.translate("errors", "Not permitted"), first_line)
    if isinstance(exc, CoordinateInputError):
        return UserMessage("warning", QCoreApplication.translate("errors", "Not possible"), coordinate_error_text(exc.kind))
    if isinstance(exc, (IllegalTransition, ValueError, LookupError)):
        return UserMessage("warning", QCoreApplication.translate("errors", "Not possible"), first_line)
    if isinstance(exc, WriteRefused):
        from desktop.labels import local_time

        return UserMessage("warning", QCoreApplication.translate("errors", "Not saved: database unreachable"),
                           QCoreApplication.translate(
                               "errors", "The database is unreachable since %1, so this change was not saved. "
                               "What you entered is still here: save it again once the red banner is gone.").replace(
                               "%1", local_time(exc.since, zone)))
    if isinstance(exc, DatabaseUnavailable) or (SQLAlchemyError and isinstance(exc, SQLAlchemyError)):
        log.error("database error: %s", first_line)
        return UserMessage("critical", QCoreApplication.translate("errors", "Database unavailable"),
                           QCoreApplication.translate("errors", "Nothing was saved: %1").replace("%1", first_line))
    log.error("unexpected error", exc_info=exc)
    return UserMessage("critical", QCoreApplication.translate("errors", "Unexpected error"), first_line)


def coordinate_error_text(kind: str) -> str:
    return {"format": QCoreApplication.translate("errors", "Type longitude and latitude, e.g. 112.0812, 32.6845"),
            "range": QCoreApplication.translate("errors", "Coordinates out of range"),
            "outside_china": QCoreApplication.translate("errors", "GCJ-02 coordinates must lie in China")}.get(kind, kind)


def outage_reason(exc: BaseException) -> str:
    """One line for the banner: the driver's own words without the SQL or the URL."""
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split())
    return text[:160]
