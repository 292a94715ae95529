"""Problem Details (RFC 9457) responses of the API mapped to the typed errors of ``api.errors``.

The document only says every error is "see status code and problem response", so the body is
read as ``application/problem+json`` (``type``, ``title``, ``status``, ``detail``) with the
RFC's ``invalid-params`` extension (``[{"name", "reason"}]``) naming the offending field.
Any other body is tolerated: the status alone decides the error's class. Messages carry the
operation template and the server's words, never ids, URLs, bodies or credentials.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ProviderError
from ..http import RawResponse, error_for_response, loads_json
from .const import PROVIDER_NAME

MAX_TEXT_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Problem:
    """The readable parts of a problem body."""

    type: str | None = None
    title: str | None = None
    detail: str | None = None
    fields: tuple[str, ...] = ()
    """Names of the parameters ``invalid-params`` blames."""

    @property
    def summary(self) -> str | None:
        """The field(s) and the detail, e.g. ``limit: must be at most 1000``."""
        text = self.detail or self.title
        if self.fields:
            named = ", ".join(self.fields)
            return f"{named}: {text}" if text else named
        return text


def _text(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = " ".join(value.split())
    return text if len(text) <= MAX_TEXT_LENGTH else text[: MAX_TEXT_LENGTH - 1] + "…"


def parse_problem(body: bytes) -> Problem:
    """Read a problem body; anything unreadable gives an empty ``Problem``."""
    try:
        document = loads_json(body)
    except ValueError:
        return Problem()
    if not isinstance(document, dict):
        return Problem()
    params = document.get("invalid-params", document.get("invalid_params"))
    fields: list[str] = []
    if isinstance(params, list):
        for param in params[:10]:
            name = _text(param.get("name")) if isinstance(param, dict) else None
            if name is not None and name not in fields:
                fields.append(name)
    return Problem(
        type=_text(document.get("type")),
        title=_text(document.get("title")),
        detail=_text(document.get("detail")),
        fields=tuple(fields),
    )


def error_for_status(response: RawResponse, operation: str) -> ProviderError:
    """Build the typed error of a non-2xx response (``detail`` names the field or object)."""
    status = response.status
    problem = parse_problem(response.body)
    message = f"{PROVIDER_NAME} {operation} failed with HTTP {status}"
    if problem.summary:
        message += f": {problem.summary}"
    return error_for_response(response, message, problem_type=problem.type, detail=problem.summary)
