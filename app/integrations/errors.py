"""The failures an Asana or GitHub call can end in, named so callers can branch on them.

Every error carries `retryable`: the job layer retries a job only when the error says a later
attempt may succeed (rate limits, 5xx, timeouts). Messages name the service, the method and the
path, and the service's own explanation; they never contain a token or a request header.
"""

from __future__ import annotations


class IntegrationError(Exception):
    """A call to Asana or GitHub did not give us what we asked for."""

    retryable: bool = False

    def __init__(self, message: str, *, service: str, status: int | None = None) -> None:
        super().__init__(f"{service}: {message}")
        self.service = service
        self.status = status
        self.message = message


class AuthenticationFailed(IntegrationError):
    """The token was refused (HTTP 401): missing, revoked or mistyped."""


class PermissionDenied(IntegrationError):
    """The token is valid but may not do this (HTTP 403 that is not a rate limit)."""


class NotFound(IntegrationError):
    """The object does not exist, or the token may not see it (HTTP 404/410)."""


class ValidationFailed(IntegrationError):
    """The service rejected the request's content (HTTP 400/409/422); `message` is its reason."""


class UnexpectedResponse(IntegrationError):
    """A success status with a body we cannot read: a bug on one side, not worth retrying."""


class RateLimited(IntegrationError):
    """The service asked us to slow down; `retry_after` is how long it wants us to wait."""

    retryable = True

    def __init__(
        self, message: str, *, service: str, retry_after: float, status: int | None = 429
    ) -> None:
        super().__init__(message, service=service, status=status)
        self.retry_after = retry_after


class TransientError(IntegrationError):
    """A 5xx, a timeout or a dropped connection: the same call may well succeed later."""

    retryable = True


class InvalidSignature(ValueError):
    """A webhook delivery whose signature is missing, malformed or does not match the secret."""
