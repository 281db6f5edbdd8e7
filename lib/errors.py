"""Errors services raise; pages show their French message as is."""

from lib.i18n import t


class ServiceError(Exception):
    """Base of every error a page should show to the person rather than crash on."""


class PermissionDenied(ServiceError):
    """The acting user may not do this (docs/design.md, Permissions)."""


class NotFound(ServiceError):
    """The row asked for does not exist (or is not visible to the acting user)."""


class StaleEdit(ServiceError):
    """Someone changed the row since the form was opened; nothing was overwritten."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or t("error.stale_edit"))


class Conflict(ServiceError):
    """The write would break a uniqueness rule (same login, same défi name...)."""
