"""Parse only what changed in a list's answer: a poll's work follows change, not size.

A poll lists every device, and between two polls most devices do not change. Decoding and
parsing a hundred devices' JSON costs far more than finding the one that changed, and a model
reused (the very same object) lets everything downstream see "unchanged" by identity.

So a list page (a JSON object with one array member, ``data``) is compared with the last
answer to the same request, as text: the common beginning and end are found by comparing
slices, the array items wholly inside them are the same items as before (same text, so the
same JSON: ``true`` stays apart from ``1``), and only the items in between are decoded —
one whose text is that of the item in its place last time keeps its model, the others are
parsed. An answer that is not such an object is left to the caller's plain decoding, which
refuses it as it always did. Models must be immutable (the shared models are): one object
is handed out again and again.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Final

CACHED_RESPONSES: Final = 64
"""Answers remembered (one per page of each list read), least recently used dropped."""

_CHUNK: Final = 4096
"""Characters compared at once while looking for the first (or last) difference."""

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class _NotAList(ValueError):
    """The text is not a JSON object with the expected array member (or not JSON)."""


@dataclass(frozen=True, slots=True)
class _Answer:
    """One request's last answer: its text, where its items were, and what they became."""

    text: str
    outer: dict[str, Any]
    """The object's other members (a list's cursors), decoded."""
    opened: int
    """Where the array's ``[`` is."""
    closed: int
    """Where the array's ``]`` is."""
    spans: tuple[tuple[int, int], ...]
    items: tuple[Any, ...]


class ListPages:
    """The last answer to each list request, to parse the next one by difference.

    ``parse`` returns the answer's other members and its items (parsed by ``parse_item``),
    or ``None`` when the answer is not a JSON object with an array ``member``.
    """

    def __init__(self, *, member: str = "data", size: int = CACHED_RESPONSES) -> None:
        self._member = member
        self._size = size
        self._answers: OrderedDict[Hashable, _Answer] = OrderedDict()

    def parse[T](
        self, request: Hashable, body: bytes, parse_item: Callable[[Any], T]
    ) -> tuple[dict[str, Any], tuple[T, ...]] | None:
        """Parse a list page, reusing what the last answer to ``request`` had in common."""
        key = (request, parse_item)
        last = self._answers.pop(key, None)
        try:
            answer = _Reader(body.decode(), self._member, last, parse_item).read()
        except (ValueError, RecursionError):  # not UTF-8, not JSON, not a list page
            return None  # the plain decoding says what is wrong with it
        self._answers[key] = answer
        if len(self._answers) > self._size:
            self._answers.popitem(last=False)
        return answer.outer, answer.items


class _Reader:
    """Reads one answer, by difference from the last one where it can."""

    def __init__(
        self, text: str, member: str, last: _Answer | None, parse_item: Callable[[Any], Any]
    ) -> None:
        self.text = text
        self.member = member
        self.last = last
        self.parse_item = parse_item

    def read(self) -> _Answer:
        last = self.last
        if last is None:
            return self._read_all()
        if last.text == self.text:
            return last
        return self._read_changed(last) or self._read_all()

    # --- by difference -------------------------------------------------------------------

    def _read_changed(self, last: _Answer) -> _Answer | None:
        """Read only the items between the common beginning and end; ``None``: cannot."""
        old, new = last.text, self.text
        if (start := _common_prefix(old, new)) <= last.opened:
            return None  # the change begins before the array: read it all
        ends = [span_end for _, span_end in last.spans]
        starts = [span_start for span_start, _ in last.spans]
        # The items wholly inside the common beginning are kept; reading resumes after them.
        first = bisect_right(ends, start)
        position = ends[first - 1] if first else last.opened + 1
        end = len(old) - _common_suffix(old, new, min(len(old), len(new)) - position)
        if end > last.closed:
            return None  # the change reaches past the array: read it all
        shift = len(new) - len(old)
        spans = list(last.spans[:first])
        items = list(last.items[:first])
        while True:
            position = self._skip(position)
            if new.startswith("]", position):
                if position - shift != last.closed:
                    return None
                return _Answer(new, last.outer, last.opened, position, tuple(spans), tuple(items))
            if spans:
                position = self._skip(self._expect(",", position))
            if (old_start := position - shift) >= end and (
                (same := bisect_right(starts, old_start) - 1) >= 0 and starts[same] == old_start
            ):
                # From here on the text is the old one moved by ``shift``: the same items.
                spans += [(a + shift, b + shift) for a, b in last.spans[same:]]
                items += last.items[same:]
                closed = last.closed + shift
                return _Answer(new, last.outer, last.opened, closed, tuple(spans), tuple(items))
            value, item_end = _DECODER.raw_decode(new, position)
            spans.append((position, item_end))
            items.append(self._model(len(items), value, new[position:item_end]))
            position = item_end

    def _model(self, index: int, value: Any, text: str) -> Any:
        """Return the model of an item: the last one if it had the same text, else a new one.

        Compared at the same place in the list only: an item moved elsewhere is parsed again
        (lists keep their order; comparing with every item would cost more than it saves).
        """
        last = self.last
        if last is not None and index < len(last.spans):
            begin, end = last.spans[index]
            if end - begin == len(text) and last.text[begin:end] == text:
                return last.items[index]
        return self.parse_item(value)

    # --- the whole answer ------------------------------------------------------------------

    def _read_all(self) -> _Answer:
        """Read the object member by member; the array item by item."""
        text = self.text
        outer: dict[str, Any] = {}
        found: tuple[int, int, tuple[tuple[int, int], ...], tuple[Any, ...]] | None = None
        position = self._expect("{", self._skip(0))
        position = self._skip(position)
        if not text.startswith("}", position):
            while True:
                name, position = _DECODER.raw_decode(text, position)
                if not isinstance(name, str):
                    raise _NotAList
                position = self._skip(self._expect(":", self._skip(position)))
                if name == self.member:
                    if found is not None or not text.startswith("[", position):
                        raise _NotAList  # twice, or not an array: the plain way decides
                    found, position = self._read_array(position)
                else:
                    outer[name], position = _DECODER.raw_decode(text, position)
                position = self._skip(position)
                if not text.startswith(",", position):
                    break
                position = self._skip(position + 1)
        position = self._expect("}", position)
        if found is None or self._skip(position) != len(text):
            raise _NotAList
        opened, closed, spans, items = found
        return _Answer(text, outer, opened, closed, spans, items)

    def _read_array(
        self, opened: int
    ) -> tuple[tuple[int, int, tuple[tuple[int, int], ...], tuple[Any, ...]], int]:
        text = self.text
        spans: list[tuple[int, int]] = []
        items: list[Any] = []
        position = self._skip(opened + 1)
        if not text.startswith("]", position):
            while True:
                value, end = _DECODER.raw_decode(text, position)
                spans.append((position, end))
                items.append(self._model(len(items), value, text[position:end]))
                position = self._skip(end)
                if not text.startswith(",", position):
                    break
                position = self._skip(position + 1)
        closed = position
        self._expect("]", closed)
        return (opened, closed, tuple(spans), tuple(items)), closed + 1

    # --- grammar ---------------------------------------------------------------------------

    def _skip(self, position: int) -> int:
        match = _WHITESPACE.match(self.text, position)
        assert match is not None  # noqa: S101 - ``*`` matches the empty string
        return match.end()

    def _expect(self, token: str, position: int) -> int:
        if not self.text.startswith(token, position):
            raise _NotAList
        return position + 1


def _common_prefix(a: str, b: str) -> int:
    """Length of the longest common beginning (slices compared, a chunk at a time)."""
    limit = min(len(a), len(b))
    base = 0
    while base + _CHUNK <= limit and a[base : base + _CHUNK] == b[base : base + _CHUNK]:
        base += _CHUNK
    low, high = base, min(base + _CHUNK, limit)
    while low < high:
        middle = (low + high + 1) // 2
        if a[base:middle] == b[base:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, b: str, limit: int) -> int:
    """Length of the longest common end, at most ``limit`` (so it never overlaps the start)."""
    base = 0
    while (
        base + _CHUNK <= limit
        and a[len(a) - base - _CHUNK : len(a) - base] == b[len(b) - base - _CHUNK : len(b) - base]
    ):
        base += _CHUNK
    low, high = base, min(base + _CHUNK, limit)
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle : len(a) - base] == b[len(b) - middle : len(b) - base]:
            low = middle
        else:
            high = middle - 1
    return low
