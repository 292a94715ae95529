"""Typed errors raised by provider clients.

Home Assistant code reacts to the class (reauth, back off, mark unavailable, tell the user),
so each class stands for one reaction, never for one HTTP status.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base class of every error a provider client raises."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        problem_type: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.problem_type = problem_type
        self.detail = detail


class AuthenticationError(ProviderError):
    """The provider definitely rejected the credentials: the user must act (reauth)."""


class _RetryLaterError(ProviderError):
    """An error after which the same request may succeed, no sooner than ``retry_after``."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        problem_type: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message, status=status, problem_type=problem_type, detail=detail)
        self.retry_after = retry_after


class RateLimitedError(_RetryLaterError):
    """Too many requests; retry no sooner than ``retry_after`` seconds (None: unknown)."""


class ProviderUnavailableError(_RetryLaterError):
    """The provider could not answer (5xx, timeout, connection failure): try again later."""


class NotCapableError(ProviderError):
    """The device or account cannot do this now (failed precondition, 400/422)."""


class ForbiddenError(ProviderError):
    """The request is understood but not allowed (for example the link limit is reached)."""


class NotFoundError(ProviderError):
    """The addressed resource does not exist (or no longer exists) at the provider."""


class ConflictError(ProviderError):
    """The request conflicts with the resource's state (for example an action already resolved)."""


class InvalidRequestError(ProviderError):
    """The client refused to send the request because its input is invalid."""


class InvalidResponseError(ProviderError):
    """The provider answered with something that does not match its documented shape."""


class InvalidSignatureError(ProviderError):
    """A push delivery's signature is missing or does not match the shared secret."""
