"""Constants shared across the Connected EV integration."""

from datetime import timedelta
from enum import StrEnum
from typing import Final

DOMAIN: Final = "connected_ev"

# Config entry data keys. Client id and secret live in application credentials.
CONF_PROVIDER: Final = "provider"
CONF_ENVIRONMENT: Final = "environment"
CONF_BASE_URL: Final = "base_url"
CONF_USER_ID: Final = "user_id"
CONF_AUTH_IMPLEMENTATION: Final = "auth_implementation"
# Hiven: the user's own API key (there is no OAuth client) and the link page's choices.
CONF_API_KEY: Final = "api_key"
CONF_MANUFACTURER: Final = "manufacturer"
CONF_COUNTRY: Final = "country"
CONF_MODE: Final = "mode"


class ProviderName(StrEnum):
    """Providers a config entry can be for."""

    ENODE = "enode"
    HIVEN = "hiven"


PROVIDER_BRANDS: Final = {ProviderName.ENODE: "Enode", ProviderName.HIVEN: "Hiven"}
"""The providers' names as their users know them (the account device's manufacturer)."""


class Environment(StrEnum):
    """Where the provider's API is: its production, its sandbox, or a custom base URL."""

    PRODUCTION = "production"
    SANDBOX = "sandbox"
    CUSTOM = "custom"


# Enode refreshes its own data about every 2 minutes while charging and about every
# 7 minutes otherwise: polling faster only spends the API budget on unchanged data.
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

# After a refresh hint, one poll reads what the provider fetched. Enode fetches at once on a
# hint, but the vendor's cloud often has to wake the car first, which takes from seconds to
# about a minute; 90 s shows the result of most hints without a second poll.
REFRESH_HINT_FOLLOW_UP: Final = timedelta(seconds=90)

# Without a Retry-After, rate-limited refreshes back off exponentially up to this interval.
MAX_RATE_LIMIT_BACKOFF: Final = timedelta(hours=1)

# The charging current range of single- and three-phase home chargers (IEC 61851).
MIN_CHARGING_CURRENT: Final = 6
MAX_CHARGING_CURRENT: Final = 32
