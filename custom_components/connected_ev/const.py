"""Constants shared across the Connected EV integration."""

from typing import Final

DOMAIN: Final = "connected_ev"
