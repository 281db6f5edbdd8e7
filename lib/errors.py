"""Errors services raise; pages show their French message as is."""


class ServiceError(Exception):
    """Base of every error a page should show to the person rather than crash on."""


class PermissionDenied(ServiceError):
    """The acting user may not do this (docs/design.md, Permissions)."""


class NotFound(ServiceError):
    """The row asked for does not exist (or is not visible to the acting user)."""


class StaleEdit(ServiceError):
    """Someone changed the row since the form was opened; nothing was overwritten."""

    def __init__(self, message: str = "Cet élément a été modifié par quelqu'un d'autre depuis l'ouverture "
                 "du formulaire : rien n'a été écrasé, et votre saisie est conservée.") -> None:
        super().__init__(message)


class Conflict(ServiceError):
    """The write would break a uniqueness rule (same login, same défi name...)."""
