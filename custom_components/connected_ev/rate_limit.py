"""How long to wait when the provider rate limits the account, and when to tell the user.

A rate limit is not an outage: the last data stays shown while the coordinator waits at least
as long as the provider asks (``Retry-After``, believed up to ``MAX_RETRY_AFTER``), else
backs off exponentially. A repair issue appears only when it lasts ``RATE_LIMIT_REPAIR_AFTER``
refreshes in a row, and goes once a refresh succeeds.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, LOGGER, MAX_RATE_LIMIT_BACKOFF, RATE_LIMIT_REPAIR_AFTER
from .issues import create_warning_issue

MAX_RETRY_AFTER: Final = timedelta(days=1)
"""The longest Retry-After believed; the next refresh comes no later than this."""


def believable(retry_after: float | None) -> float | None:
    """Wait as long as the provider asks, up to ``MAX_RETRY_AFTER``.

    A larger Retry-After (a provider's mistake, a date far ahead) would stop polling for
    good, and beyond about 2.7 million years would not even fit a ``timedelta``.
    """
    return None if retry_after is None else min(retry_after, MAX_RETRY_AFTER.total_seconds())


class RateLimitPolicy:
    """Counts rate-limited refreshes in a row; says how long to wait and raises the repair."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, name: str) -> None:
        self._hass = hass
        self._entry = entry
        self._name = name
        self.refreshes = 0
        """Rate-limited refreshes in a row (0: not rate limited)."""

    @property
    def active(self) -> bool:
        """Whether the last refresh was rate limited (its backoff decides the interval)."""
        return self.refreshes > 0

    def limited(self, retry_after: float | None, base_interval: timedelta) -> timedelta:
        """Count one rate-limited refresh; return the least wait before the next one.

        Without a Retry-After the wait doubles from ``base_interval`` with each refresh in a
        row, up to ``MAX_RATE_LIMIT_BACKOFF``, rather than hammer the quota.
        """
        self.refreshes += 1
        if self.refreshes == 1:
            LOGGER.warning("%s is rate limited; keeping the last data", self._name)
        if self.refreshes == RATE_LIMIT_REPAIR_AFTER:
            create_warning_issue(
                self._hass,
                self._issue_id,
                "rate_limited",
                {"title": self._entry.title},
            )
        if (seconds := believable(retry_after)) is not None:
            return timedelta(seconds=seconds)
        # Doubled only until the cap: about 40 doublings no longer fit a timedelta, and a
        # limit lasting that many refreshes (a day and a half at the cap) is not unheard of.
        backoff = base_interval
        for _ in range(1, self.refreshes):
            if backoff >= MAX_RATE_LIMIT_BACKOFF:
                break
            backoff *= 2
        return min(backoff, MAX_RATE_LIMIT_BACKOFF)

    def clear(self) -> None:
        """Forget the limit after a refresh got through, and withdraw the repair issue."""
        if self.refreshes:
            LOGGER.info("%s is no longer rate limited", self._name)
        if self.refreshes >= RATE_LIMIT_REPAIR_AFTER:
            ir.async_delete_issue(self._hass, DOMAIN, self._issue_id)
        self.refreshes = 0

    @property
    def _issue_id(self) -> str:
        return f"rate_limited_{self._entry.entry_id}"
