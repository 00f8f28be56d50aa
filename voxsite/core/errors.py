"""Domain errors raised by services and translated to HTTP in one place (voxsite.core.api)."""


class DomainError(Exception):
    """A business rule refused the request; nothing was changed."""

    code = "domain_error"
    status_code = 422

    def __init__(self, message: str = "", *, code: str | None = None, status_code: int | None = None, **extra):
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip()
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.extra = extra


class NotFound(DomainError):
    """The object does not exist (or is not yours)."""

    code = "not_found"
    status_code = 404


class InvalidTransition(DomainError):
    """This status change is not allowed."""

    code = "invalid_transition"
    status_code = 409


class RuleViolation(DomainError):
    """A business rule forbids this."""

    code = "rule_violation"
    status_code = 422
