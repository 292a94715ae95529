"""The link state is signed with the integration's own key, kept in its Store.

States that come back through Home Assistant's OAuth callback (my.home-assistant.io) carry
our token in their redirect-URI claim: forged, expired, replayed and other flows' tokens
never advance a flow.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.config_entry_oauth2_flow import MY_AUTH_CALLBACK_PATH
from homeassistant.setup import async_setup_component

from custom_components.connected_ev.link_callback import (
    STATE_LIFETIME,
    LinkStates,
    async_get_link_states,
)

STORAGE_KEY = "connected_ev.link_key"


def _through_my(flow_id: str, token: str) -> dict[str, Any]:
    """Return the claims Home Assistant's OAuth callback view resumes the flow with."""
    return {"flow_id": flow_id, "redirect_uri": f"{MY_AUTH_CALLBACK_PATH}#{token}"}


@pytest.fixture
async def http(hass: HomeAssistant) -> None:
    """Set up the HTTP server our callback view registers with."""
    assert await async_setup_component(hass, "http", {})


@pytest.mark.usefixtures("http")
async def test_key_is_made_once_and_kept(hass: HomeAssistant, hass_storage: dict[str, Any]) -> None:
    """The first link session makes the key and stores it; later calls reuse it."""
    states = await async_get_link_states(hass)
    stored = hass_storage[STORAGE_KEY]["data"]["key"]
    assert len(stored) == 64
    assert await async_get_link_states(hass) is states
    nonce = states.issue("flow")
    # A state signed with the stored key is ours.
    token = LinkStates(stored).carried_token("flow", nonce)
    assert states.redeem("flow", _through_my("flow", token))


@pytest.mark.usefixtures("http")
async def test_stored_key_is_used(hass: HomeAssistant, hass_storage: dict[str, Any]) -> None:
    """After a restart the stored key signs: nothing new is made."""
    hass_storage[STORAGE_KEY] = {"version": 1, "key": STORAGE_KEY, "data": {"key": "k" * 64}}
    states = await async_get_link_states(hass)
    nonce = states.issue("flow")
    token = LinkStates("k" * 64).carried_token("flow", nonce)
    assert states.redeem("flow", _through_my("flow", token))
    assert hass_storage[STORAGE_KEY]["data"] == {"key": "k" * 64}


def test_token_works_once_for_its_flow() -> None:
    """A valid token advances its flow once; the replay is refused."""
    states = LinkStates("secret")
    nonce = states.issue("flow")
    state = _through_my("flow", states.carried_token("flow", nonce))
    assert states.redeem("flow", state)
    assert not states.redeem("flow", state)


def test_forged_token_refused() -> None:
    """A token made with another key, or altered, is refused and the session stays."""
    states = LinkStates("secret")
    nonce = states.issue("flow")
    forged = LinkStates("not-our-key").carried_token("flow", nonce)
    assert not states.redeem("flow", _through_my("flow", forged))
    token = states.carried_token("flow", nonce)
    _nonce, expiry, mac = token.split(".")
    later = str(int(expiry) + 3600)
    assert not states.redeem("flow", _through_my("flow", f"{nonce}.{later}.{mac}"))
    assert states.redeem("flow", _through_my("flow", token))


def test_other_flows_token_refused() -> None:
    """A token signed for another flow never advances this one, even with its nonce."""
    states = LinkStates("secret")
    nonce = states.issue("flow")
    other = states.carried_token("other", nonce)
    assert not states.redeem("flow", _through_my("flow", other))
    assert not states.redeem("flow", _through_my("other", states.carried_token("flow", nonce)))
    assert states.redeem("flow", _through_my("flow", states.carried_token("flow", nonce)))


def test_superseded_session_refused() -> None:
    """A new link session makes the previous session's token useless."""
    states = LinkStates("secret")
    old = states.carried_token("flow", states.issue("flow"))
    new = states.carried_token("flow", states.issue("flow"))
    assert not states.redeem("flow", _through_my("flow", old))
    assert states.redeem("flow", _through_my("flow", new))


def test_expired_token_refused(freezer: FrozenDateTimeFactory) -> None:
    """After the state's lifetime the token is refused."""
    states = LinkStates("secret")
    nonce = states.issue("flow")
    token = states.carried_token("flow", nonce)
    freezer.tick(STATE_LIFETIME + timedelta(seconds=1))
    assert not states.redeem("flow", _through_my("flow", token))


@pytest.mark.parametrize(
    "state",
    [
        {"flow_id": "flow"},
        {"flow_id": "flow", "redirect_uri": MY_AUTH_CALLBACK_PATH},
        {"flow_id": "flow", "redirect_uri": f"{MY_AUTH_CALLBACK_PATH}#x.soon.mac"},
        {"flow_id": 1, "redirect_uri": f"{MY_AUTH_CALLBACK_PATH}#x.1.mac"},
        {"redirect_uri": 1},
    ],
)
def test_malformed_states_refused(state: dict[str, Any]) -> None:
    """Claims without a well-formed token of ours are refused."""
    states = LinkStates("secret")
    states.issue("flow")
    assert not states.redeem("flow", state)
