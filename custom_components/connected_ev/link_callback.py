"""Where the provider's link page sends the browser back, so the waiting flow resumes.

There are two ways back; both resume the flow's link step with ``{"state": <claims>, ...}``:

* Home Assistant's own URL and ``LinkCallbackView`` (used when there is a URL and the
  ``my`` integration is not loaded): the state is a JWT signed with the integration's own
  key, and a cancel's ``error``/``error_message`` are passed on.
* my.home-assistant.io, which only forwards to HA's own OAuth callback
  (``/auth/external/callback``). That view wants a state Home Assistant signed and a
  ``code`` or an ``error``; a link-session page sends neither on success, so the redirect
  carries ``code=linked`` itself. HA's view reads ``code`` first, so a cancel arrives as
  ``linked`` too: the flow finds out what happened by listing the account's devices.
  Home Assistant signs the state through its public authorize-URL builder
  (``LocalOAuth2Implementation.async_generate_authorize_url``), whose only free claim is
  the redirect URI: it carries our own token after a ``#`` (nonce, expiry and an
  HMAC-SHA256 over them and the flow id, with the integration's key).

Code-based providers need a redirect URI without a query, because the same URI must be
sent again with the code; their page echoes the ``state`` we append to the authorization
URL and adds its own ``code`` (``async_code_link_redirect``). Both ways back pass that code
on: HA's view natively, ours together with ``virtual_key_url``.

The integration's key is made once and kept in its ``Store``. Either way the flow accepts a
state only if it carries the nonce of its current link session, and uses it up: a used,
superseded, expired, foreign or forged state never advances a flow.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final, override

import jwt
from aiohttp import web
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import UnknownFlow
from homeassistant.helpers.config_entry_oauth2_flow import (
    MY_AUTH_CALLBACK_PATH,
    LocalOAuth2Implementation,
)
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.singleton import singleton
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey
from yarl import URL

from .const import DOMAIN, LOGGER

LINK_CALLBACK_PATH: Final = f"/api/{DOMAIN}/link/callback"
# The ``code`` HA's OAuth callback needs; it proves nothing, the flow checks the devices.
LINKED_CODE: Final = "linked"
STATE_LIFETIME: Final = timedelta(minutes=30)
# What a code-based authorization page adds to the redirect, passed on to the flow: the code
# and, where the brand needs one, the page where the user adds a virtual key next.
PASSED_PARAMS: Final = ("code", "virtual_key_url")
_ALGORITHM: Final = "HS256"

_CLOSE_PAGE: Final = (
    "<!DOCTYPE html><html><head><title>Connected EV</title></head><body>"
    "<p>Done. You can close this window.</p><script>window.close()</script></body></html>"
)
_REJECTED_TEXT: Final = "Invalid or expired link state."


_STORAGE_KEY: Final = f"{DOMAIN}.link_key"
_STORAGE_VERSION: Final = 1


class LinkStates:
    """The pending nonce of each flow's link session, and the states signed with our key.

    Each flow has at most one pending nonce, the one of its current link session: it is
    forgotten when a state carrying it is redeemed, replaced by the next session, or revoked
    when the flow ends.
    """

    def __init__(self, secret: str) -> None:
        """Sign and check states with ``secret``, the integration's own key."""
        self._secret = secret
        self._pending: dict[str, str] = {}

    def issue(self, flow_id: str) -> str:
        """Start a link session of ``flow_id``: a new nonce (any older one stops working)."""
        nonce = secrets.token_urlsafe(16)
        self._pending[flow_id] = nonce
        return nonce

    def sign(self, flow_id: str, nonce: str) -> str:
        """Return the state ``LinkCallbackView`` accepts for this session."""
        now = dt_util.utcnow()
        claims = {"flow_id": flow_id, "nonce": nonce, "iat": now, "exp": now + STATE_LIFETIME}
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def carried_token(self, flow_id: str, nonce: str) -> str:
        """Return the short token the my.home-assistant.io state carries for this session.

        ``<nonce>.<expiry>.<HMAC-SHA256 of flow id, nonce and expiry>``: short, because the
        whole redirect URI must stay within what link pages accept.
        """
        expiry = str(int((dt_util.utcnow() + STATE_LIFETIME).timestamp()))
        return f"{nonce}.{expiry}.{self._mac(flow_id, nonce, expiry)}"

    def pending_claims(self, state: str) -> dict[str, Any] | None:
        """Return the claims of a valid, unexpired state of a pending session; else None."""
        try:
            claims: dict[str, Any] = jwt.decode(
                state,
                self._secret,
                algorithms=[_ALGORITHM],
                options={"require": ["exp", "flow_id", "nonce"]},
            )
        except jwt.InvalidTokenError:
            return None
        return claims if self._matches(claims["flow_id"], claims) else None

    def redeem(self, flow_id: str, state: object) -> bool:
        """Use up the pending nonce of ``flow_id`` if ``state`` (decoded claims) carries it.

        The claims come from our view (the nonce itself) or from Home Assistant's OAuth
        callback (our token in the redirect URI, checked here).
        """
        if isinstance(state, Mapping) and "nonce" not in state:
            state = {"flow_id": state.get("flow_id"), "nonce": self._carried_nonce(state)}
        if not self._matches(flow_id, state):
            return False
        del self._pending[flow_id]
        return True

    def revoke(self, flow_id: str) -> None:
        """Forget the pending nonce of ``flow_id`` (the flow ended)."""
        self._pending.pop(flow_id, None)

    def _carried_nonce(self, state: Mapping[str, Any]) -> str | None:
        """Return the nonce of the unexpired token our key signed for the state's flow."""
        flow_id, redirect_uri = state.get("flow_id"), state.get("redirect_uri")
        if not isinstance(flow_id, str) or not isinstance(redirect_uri, str):
            return None
        nonce, _, rest = redirect_uri.partition("#")[2].partition(".")
        expiry, _, mac = rest.partition(".")
        if not expiry.isdigit() or int(expiry) <= dt_util.utcnow().timestamp():
            return None
        if not hmac.compare_digest(mac, self._mac(flow_id, nonce, expiry)):
            return None
        return nonce

    def _mac(self, flow_id: str, nonce: str, expiry: str) -> str:
        digest = hmac.new(
            self._secret.encode(), f"{flow_id}.{nonce}.{expiry}".encode(), hashlib.sha256
        ).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def _matches(self, flow_id: str, state: object) -> bool:
        """Whether ``state`` names ``flow_id`` and carries its pending nonce."""
        if not isinstance(state, Mapping) or state.get("flow_id") != flow_id:
            return False
        nonce = state.get("nonce")
        expected = self._pending.get(flow_id)
        return (
            isinstance(nonce, str) and expected is not None and hmac.compare_digest(expected, nonce)
        )


DATA_LINK_STATES: Final[HassKey[LinkStates]] = HassKey(f"{DOMAIN}_link_states")
_DATA_LOADED: Final[HassKey[LinkStates]] = HassKey(f"{DOMAIN}_link_states_loaded")


@singleton(_DATA_LOADED, async_=True)
async def async_get_link_states(hass: HomeAssistant) -> LinkStates:
    """Load (once per run) the key, register our callback view; return the link sessions.

    The key is made on first use and kept in the integration's ``Store``.
    """
    store: Store[dict[str, str]] = Store(hass, _STORAGE_VERSION, _STORAGE_KEY, private=True)
    if not (stored := await store.async_load()) or not stored.get("key"):
        stored = {"key": secrets.token_hex(32)}
        await store.async_save(stored)
    states = hass.data[DATA_LINK_STATES] = LinkStates(stored["key"])
    hass.http.register_view(LinkCallbackView(states))
    return states


async def async_link_redirect_uri(hass: HomeAssistant, flow_id: str) -> str:
    """Start a link session of ``flow_id``; return where the link page sends the browser.

    Our own URL and view when Home Assistant has a URL and ``my`` is not loaded; otherwise
    my.home-assistant.io, which finds this instance from the browser's own settings.
    """
    base, state, own = await _async_start(hass, flow_id)
    if own:
        return str(URL(base).with_query(state=state))
    return str(URL(base).with_query(state=state, code=LINKED_CODE))


async def async_code_link_redirect(hass: HomeAssistant, flow_id: str) -> tuple[str, str]:
    """Start a code-link session of ``flow_id``: the redirect URI and the state apart.

    For providers whose authorization page sends its own ``code`` and echoes ``state``:
    the redirect URI must stay the same for the code exchange, so it carries no query.
    Either way back resumes the flow with ``code`` (see above).
    """
    base, state, _own = await _async_start(hass, flow_id)
    return base, state


async def _async_start(hass: HomeAssistant, flow_id: str) -> tuple[str, str, bool]:
    """Issue a nonce; return the way back, its state and whether it is our own view."""
    states = await async_get_link_states(hass)
    nonce = states.issue(flow_id)
    if "my" not in hass.config.components:
        try:
            base_url = get_url(hass, allow_internal=True, prefer_external=True)
        except NoURLAvailableError:
            pass
        else:
            return base_url + LINK_CALLBACK_PATH, states.sign(flow_id, nonce), True
    carrier = _StateCarrier(hass, f"{MY_AUTH_CALLBACK_PATH}#{states.carried_token(flow_id, nonce)}")
    authorize_url = URL(await carrier.async_generate_authorize_url(flow_id))
    return MY_AUTH_CALLBACK_PATH, authorize_url.query["state"], False


class _StateCarrier(LocalOAuth2Implementation):
    """Home Assistant's public authorize-URL builder, used only for the state it signs.

    HA's OAuth callback view accepts only states Home Assistant signed; this builder is the
    public way to have one made. Its redirect-URI claim carries our own token.
    """

    def __init__(self, hass: HomeAssistant, carried_redirect_uri: str) -> None:
        """Sign ``carried_redirect_uri`` into the state; no OAuth client is involved."""
        super().__init__(hass, DOMAIN, "", "", MY_AUTH_CALLBACK_PATH, MY_AUTH_CALLBACK_PATH)
        self._carried_redirect_uri = carried_redirect_uri

    @property
    @override
    def redirect_uri(self) -> str:
        """Return the redirect URI with our token, signed into the state's claims."""
        return self._carried_redirect_uri


class LinkCallbackView(HomeAssistantView):
    """Receive the browser back from the link page and resume the waiting flow."""

    # The browser arrives from the provider's page without a Home Assistant token: the
    # signed single-use state is the authorization.
    requires_auth = False
    url = LINK_CALLBACK_PATH
    name = f"api:{DOMAIN}:link:callback"

    def __init__(self, states: LinkStates) -> None:
        """Accept the states ``states`` signs, while their session is pending."""
        self._states = states

    async def get(self, request: web.Request) -> web.Response:
        """Resume the flow with the outcome of the link session."""
        hass = request.app[KEY_HASS]
        # Checked here too: a stale state must not reach a flow that moved to another step.
        claims = self._states.pending_claims(request.query.get("state", ""))
        if claims is None:
            return _rejected()
        user_input: dict[str, Any] = {"state": claims}
        for name in PASSED_PARAMS:
            if name in request.query:
                user_input[name] = request.query[name]
        if error := request.query.get("error"):
            user_input["error"] = error
            user_input["error_message"] = request.query.get("error_message", "")
        try:
            await hass.config_entries.flow.async_configure(
                flow_id=claims["flow_id"], user_input=user_input
            )
        except UnknownFlow:
            return _rejected()
        LOGGER.debug("Resumed a link flow")
        return web.Response(content_type="text/html", text=_CLOSE_PAGE)


def _rejected() -> web.Response:
    """Answer every bad callback alike, so it tells nothing about flows."""
    return web.Response(status=400, text=_REJECTED_TEXT)
