"""Where the provider's link page sends the browser back: the flow resumes from here.

The redirect carries a state the flow signed (HS256, a secret made once per Home Assistant
run). A state is accepted once, only while its flow still waits at a link step and only
before it expires; anything else gets the same plain 400 page, so a caller learns nothing
about which flows exist. HA's own OAuth callback cannot be reused: it needs a ``code`` that
Enode's Link UI never sends on success.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import timedelta
from typing import Final

import jwt
from aiohttp import web
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import UnknownFlow
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

LINK_CALLBACK_PATH: Final = f"/api/{DOMAIN}/link/callback"
STATE_LIFETIME: Final = timedelta(minutes=30)
_ALGORITHM: Final = "HS256"

_CLOSE_PAGE: Final = (
    "<!DOCTYPE html><html><head><title>Connected EV</title></head><body>"
    "<p>Done. You can close this window.</p><script>window.close()</script></body></html>"
)
_REJECTED_TEXT: Final = "Invalid or expired link state."


class LinkStates:
    """Signs link states and accepts each one once, for the flow it was made for.

    Each flow has at most one pending nonce, the one of its current link session: it is
    forgotten when the state is used, replaced by the next session, or revoked when the
    flow ends. So a used, superseded or foreign state never resumes a flow.
    """

    def __init__(self) -> None:
        self._secret = secrets.token_hex(32)
        self._pending: dict[str, str] = {}

    def issue(self, flow_id: str) -> str:
        """Make the state of a new link session of ``flow_id`` (any older one stops working)."""
        nonce = secrets.token_urlsafe(16)
        self._pending[flow_id] = nonce
        now = dt_util.utcnow()
        claims = {"flow_id": flow_id, "nonce": nonce, "iat": now, "exp": now + STATE_LIFETIME}
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def redeem(self, state: str) -> str | None:
        """Return the flow id of a valid pending ``state`` and use it up; None otherwise."""
        try:
            claims = jwt.decode(
                state,
                self._secret,
                algorithms=[_ALGORITHM],
                options={"require": ["exp", "flow_id", "nonce"]},
            )
        except jwt.InvalidTokenError:
            return None
        flow_id: str = claims["flow_id"]
        expected = self._pending.get(flow_id)
        if expected is None or not hmac.compare_digest(expected, claims["nonce"]):
            return None
        del self._pending[flow_id]
        return flow_id

    def revoke(self, flow_id: str) -> None:
        """Forget the pending state of ``flow_id`` (it was answered, or the flow ended)."""
        self._pending.pop(flow_id, None)


DATA_LINK_STATES: Final[HassKey[LinkStates]] = HassKey(f"{DOMAIN}_link_states")


@callback
def async_register_link_callback(hass: HomeAssistant) -> LinkStates:
    """Register the callback view once per run; return the states it accepts."""
    if (states := hass.data.get(DATA_LINK_STATES)) is None:
        states = hass.data[DATA_LINK_STATES] = LinkStates()
        hass.http.register_view(LinkCallbackView(states))
    return states


class LinkCallbackView(HomeAssistantView):
    """Receive the browser back from the link page and resume the waiting flow."""

    # The browser arrives from the provider's page without a Home Assistant token: the
    # signed single-use state is the authorization.
    requires_auth = False
    url = LINK_CALLBACK_PATH
    name = f"api:{DOMAIN}:link:callback"

    def __init__(self, states: LinkStates) -> None:
        """Accept the states ``states`` issues."""
        self._states = states

    async def get(self, request: web.Request) -> web.Response:
        """Resume the flow with the outcome of the link session."""
        hass = request.app[KEY_HASS]
        flow_id = self._states.redeem(request.query.get("state", ""))
        if flow_id is None:
            return _rejected()
        user_input: dict[str, str] = {}
        if error := request.query.get("error"):
            user_input = {"error": error, "error_message": request.query.get("error_message", "")}
        try:
            await hass.config_entries.flow.async_configure(flow_id=flow_id, user_input=user_input)
        except UnknownFlow:
            return _rejected()
        _LOGGER.debug("Resumed a link flow")
        return web.Response(content_type="text/html", text=_CLOSE_PAGE)


def _rejected() -> web.Response:
    """Answer every bad callback alike, so it tells nothing about flows."""
    return web.Response(status=400, text=_REJECTED_TEXT)
