"""Errors raised by the service functions; each message says what to fix."""


class ServiceError(Exception):
    """Base of the errors a face (CLI, GUI, REST API) shows to its user."""


class InvalidInput(ServiceError, ValueError):
    """The caller gave a value that cannot be used."""


class NotFound(ServiceError, LookupError):
    """The named row does not exist."""


class Conflict(ServiceError):
    """The change clashes with existing data (a taken name, ...)."""
