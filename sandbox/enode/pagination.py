"""Enode's cursor pagination: ``pageSize``, ``after``, ``before``; newest first.

Cursors are opaque to clients (base64 of an internal sequence number) so that a client which
builds or parses them is caught; ``after`` and ``before`` together are a 400, as in Enode.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sandbox.enode.validation import query_problem

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
"""The most items one page holds, whatever ``pageSize`` asks: the spec sets no maximum
(``exclusiveMinimum: 0`` only), so the sandbox chooses one, equal to the page size the
integration asks for; a larger request is served in pages of this size (``after`` follows)."""
_CURSOR_PREFIX = "seq:"


class Sequenced(Protocol):
    """Anything listed by the API: ordered by its creation sequence number."""

    @property
    def seq(self) -> int:
        """Creation order; larger is newer."""
        ...


@dataclass(frozen=True, slots=True)
class PageRequest:
    """The parsed pagination query."""

    page_size: int = DEFAULT_PAGE_SIZE
    after: int | None = None
    before: int | None = None


def encode_cursor(seq: int) -> str:
    """Return the opaque cursor of a sequence number."""
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_cursor(name: str, cursor: str) -> int:
    """Return the sequence number of a cursor, or raise a 400 problem."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as err:
        raise query_problem(name, "Invalid cursor") from err
    if not raw.startswith(_CURSOR_PREFIX) or not raw[len(_CURSOR_PREFIX) :].isdigit():
        raise query_problem(name, "Invalid cursor")
    return int(raw[len(_CURSOR_PREFIX) :])


def parse_page_request(query: Mapping[str, str]) -> PageRequest:
    """Parse ``pageSize``/``after``/``before``; both cursors at once is a 400."""
    after = query.get("after")
    before = query.get("before")
    if after is not None and before is not None:
        raise query_problem("before", "Cannot be set together with after")
    size_text = query.get("pageSize")
    size = DEFAULT_PAGE_SIZE
    if size_text is not None:
        if not size_text.isdigit() or int(size_text) <= 0:
            raise query_problem("pageSize", "Expected a positive integer")
        size = min(int(size_text), MAX_PAGE_SIZE)
    return PageRequest(
        page_size=size,
        after=None if after is None else decode_cursor("after", after),
        before=None if before is None else decode_cursor("before", before),
    )


def paginate[T: Sequenced](
    items: Iterable[T], page: PageRequest, render: Callable[[T], Any]
) -> dict[str, Any]:
    """Return ``{data, pagination}`` for one page of ``items``, newest first."""
    ordered = sorted(items, key=lambda item: item.seq, reverse=True)
    if page.after is not None:
        after = page.after
        selected = [item for item in ordered if item.seq < after][: page.page_size]
    elif page.before is not None:
        before = page.before
        newer = [item for item in ordered if item.seq > before]
        selected = newer[-page.page_size :]
    else:
        selected = ordered[: page.page_size]
    after_cursor: str | None = None
    before_cursor: str | None = None
    if selected:
        oldest, newest = selected[-1].seq, selected[0].seq
        if any(item.seq < oldest for item in ordered):
            after_cursor = encode_cursor(oldest)
        if any(item.seq > newest for item in ordered):
            before_cursor = encode_cursor(newest)
    return {
        "data": [render(item) for item in selected],
        "pagination": {"after": after_cursor, "before": before_cursor},
    }
