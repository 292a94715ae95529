"""Request counters per method and route template, read by benchmarks through the admin API."""

from __future__ import annotations

from collections import Counter

from aiohttp import web

UNMATCHED = "<unmatched>"


def route_template(request: web.Request) -> str:
    """Return the route template of a request (``/vehicles/{vehicleId}``), not its path."""
    route = request.match_info.route
    resource = route.resource
    if resource is None:
        return UNMATCHED
    return resource.canonical


class RequestCounters:
    """Counts of API requests, keyed by ``"METHOD /template"``."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    def record(self, method: str, template: str) -> None:
        """Count one request."""
        self._counts[f"{method} {template}"] += 1

    def reset(self) -> None:
        """Forget every count."""
        self._counts.clear()

    def by_route(self) -> dict[str, int]:
        """Return the counts per route, routes sorted by name."""
        return dict(sorted(self._counts.items()))

    def as_json(self) -> dict[str, object]:
        """Return ``{"total": n, "byRoute": {...}}``, routes sorted by name."""
        return {"total": sum(self._counts.values()), "byRoute": self.by_route()}
