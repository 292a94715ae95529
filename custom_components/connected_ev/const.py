"""Constants shared across the Connected EV integration."""

import logging
from datetime import timedelta
from enum import StrEnum
from typing import Final

DOMAIN: Final = "connected_ev"

LOGGER: Final = logging.getLogger(__package__)
"""The one logger of the Home Assistant side (``api`` keeps its own module loggers)."""

# Config entry data keys. Client id and secret live in application credentials.
CONF_PROVIDER: Final = "provider"
CONF_ENVIRONMENT: Final = "environment"
CONF_BASE_URL: Final = "base_url"
CONF_USER_ID: Final = "user_id"
CONF_AUTH_IMPLEMENTATION: Final = "auth_implementation"
# Providers without an OAuth client: the user's own API key; a link page's choices.
CONF_API_KEY: Final = "api_key"
CONF_MANUFACTURER: Final = "manufacturer"
CONF_COUNTRY: Final = "country"
CONF_MODE: Final = "mode"


class Environment(StrEnum):
    """Where the provider's API is: its production, its sandbox, or a custom base URL."""

    PRODUCTION = "production"
    SANDBOX = "sandbox"
    CUSTOM = "custom"


# The default polling intervals: each provider's registry entry names its own (and why).
DEFAULT_CHARGING_INTERVAL: Final = timedelta(minutes=2)
DEFAULT_IDLE_INTERVAL: Final = timedelta(minutes=7)

# Consecutive rate-limited refreshes before the user is told through a repair issue.
RATE_LIMIT_REPAIR_AFTER: Final = 3

# A start/stop action is polled this often until the provider settles it, for at most
# ACTION_TIMEOUT; after that the switch shows the device's reported state again.
ACTION_POLL_INTERVAL: Final = timedelta(seconds=5)
ACTION_TIMEOUT: Final = timedelta(minutes=10)

# A refresh hint can wake a car (12 V drain, vendor quotas): at most one per device per window.
REFRESH_HINT_MIN_INTERVAL: Final = timedelta(minutes=15)

# After a refresh hint, one poll reads what the provider fetched. Providers fetch at once on a
# hint, but the vendor's cloud often has to wake the car first, which takes from seconds to
# about a minute; 90 s shows the result of most hints without a second poll.
REFRESH_HINT_FOLLOW_UP: Final = timedelta(seconds=90)

# Without a Retry-After, rate-limited refreshes back off exponentially up to this interval.
MAX_RATE_LIMIT_BACKOFF: Final = timedelta(hours=1)

# The charging current range of single- and three-phase home chargers (IEC 61851).
MIN_CHARGING_CURRENT: Final = 6
MAX_CHARGING_CURRENT: Final = 32
