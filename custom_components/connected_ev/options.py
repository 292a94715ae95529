"""The entry's options (polling policy, request budget, push) and push state in its data.

Kept apart from ``const`` so the options flow, the push manager and setup share one reading
of the options, with the defaults and bounds in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, Final

from .const import DEFAULT_CHARGING_INTERVAL, DEFAULT_IDLE_INTERVAL

CONF_PUSH: Final = "push"
CONF_MANUAL_ONLY: Final = "manual_only"
CONF_CHARGING_INTERVAL: Final = "charging_interval"
CONF_IDLE_INTERVAL: Final = "idle_interval"
CONF_PUSH_INTERVAL: Final = "push_interval"
CONF_DAILY_BUDGET: Final = "daily_budget"

# The entry data key holding the push registration (webhook id, provider subscription,
# secret). In data rather than options: options are what the user chose, this is state.
DATA_PUSH: Final = "push_registration"

# While push is healthy a slow safety poll still runs, to catch events the provider dropped.
# Heartbeats already prove deliveries arrive and providers retry failed ones, so 6 hours:
# with push on, at most 30 requests a day (token and safety polls included) up to 50 devices.
DEFAULT_PUSH_INTERVAL: Final = timedelta(hours=6)

# Bounds in minutes. Below 1 minute only spends API quota on data the provider has not
# refreshed (providers refresh every few minutes while charging); above a day a missed event
# stays wrong for too long.
INTERVAL_BOUNDS: Final = {
    CONF_CHARGING_INTERVAL: (1, 60),
    CONF_IDLE_INTERVAL: (2, 240),
    CONF_PUSH_INTERVAL: (15, 1440),
}

# The daily request budget the user may set (0 or empty: the provider's default). Below one
# poll an hour a car's plug-in or departure goes unseen for too long to be worth showing;
# the top only keeps the number sane.
BUDGET_BOUNDS: Final = (24, 100_000)


class RequestCounting(StrEnum):
    """How a provider counts the requests its plans and limits are about."""

    PER_REQUEST = "per_request"
    """Every request of the account together: the budget is the account's."""
    PER_VEHICLE = "per_vehicle"
    """Each vehicle's own requests: the budget is per vehicle, the account's is that times
    the number of vehicles."""


def daily_budget_option(options: Mapping[str, Any]) -> int | None:
    """Return the budget the user set; ``None``: the provider's default (0 or empty)."""
    return int(value) if (value := options.get(CONF_DAILY_BUDGET)) else None


@dataclass(frozen=True, slots=True)
class PollingPolicy:
    """How often to poll, as the user chose it in the options."""

    charging_interval: timedelta = DEFAULT_CHARGING_INTERVAL
    idle_interval: timedelta = DEFAULT_IDLE_INTERVAL
    push_interval: timedelta = DEFAULT_PUSH_INTERVAL
    manual_only: bool = False
    push: bool = False

    @classmethod
    def from_options(
        cls, options: Mapping[str, Any], default: PollingPolicy | None = None
    ) -> PollingPolicy:
        """Read the options; missing keys get the provider's defaults (``default``)."""
        default = default or cls()
        return cls(
            charging_interval=_minutes(options, CONF_CHARGING_INTERVAL, default.charging_interval),
            idle_interval=_minutes(options, CONF_IDLE_INTERVAL, default.idle_interval),
            push_interval=_minutes(options, CONF_PUSH_INTERVAL, default.push_interval),
            manual_only=bool(options.get(CONF_MANUAL_ONLY, False)),
            push=bool(options.get(CONF_PUSH, False)),
        )


def _minutes(options: Mapping[str, Any], key: str, default: timedelta) -> timedelta:
    value = options.get(key)
    if value is None:
        return default
    low, high = INTERVAL_BOUNDS[key]
    return timedelta(minutes=min(max(float(value), low), high))
