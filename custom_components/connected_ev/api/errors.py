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


def error_for_status(
    status: int,
    message: str,
    *,
    retry_after: float | None = None,
    problem_type: str | None = None,
    detail: str | None = None,
) -> ProviderError:
    """Return the typed error of a non-2xx HTTP status, by the reaction it needs.

    Providers answer with different bodies but mean the same by a status: 401/403 a rejected
    credential, 404/410 a resource that is gone, 409 a state conflict, 429 a rate limit,
    408/5xx a provider that could not answer (both keep ``retry_after``, the Retry-After
    seconds, None when the header is absent), any other 4xx a request it will not do now.
    Anything else (a 1xx or 3xx where an answer was due) is not the documented shape. A
    provider whose statuses mean something else says so in its own module before calling this.
    """
    if status in (408, 429) or status >= 500:
        retry_class = RateLimitedError if status == 429 else ProviderUnavailableError
        return retry_class(
            message,
            retry_after=retry_after,
            status=status,
            problem_type=problem_type,
            detail=detail,
        )
    error_class: type[ProviderError]
    if status in (401, 403):
        error_class = AuthenticationError
    elif status in (404, 410):
        error_class = NotFoundError
    elif status == 409:
        error_class = ConflictError
    elif 400 <= status < 500:
        error_class = NotCapableError
    else:
        error_class = InvalidResponseError
    return error_class(message, status=status, problem_type=problem_type, detail=detail)
