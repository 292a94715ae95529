"""The provider interface: features follow the parts a provider class has, nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from custom_components.connected_ev.api.errors import NotCapableError
from custom_components.connected_ev.api.models import (
    DeviceKind,
    LinkOptions,
    LinkResult,
    LinkSession,
    UserInfo,
    Vehicle,
)
from custom_components.connected_ev.api.provider import (
    CodeLinking,
    Provider,
    ProviderFeature,
    RefreshHints,
    as_chargers,
    as_charging_control,
    as_code_linking,
    as_device_removal,
    as_linking,
    as_locations,
    as_preferences,
    as_push,
    as_refresh_hints,
    as_statistics,
    as_status_reader,
    features_of,
)

ACCESSORS: list[Callable[[Provider], Any]] = [
    as_linking,
    as_code_linking,
    as_chargers,
    as_charging_control,
    as_refresh_hints,
    as_statistics,
    as_preferences,
    as_status_reader,
    as_locations,
    as_push,
    as_device_removal,
]


class CoreOnly(Provider):
    """A read-only provider: it validates and lists vehicles, nothing more."""

    @property
    def account_id(self) -> str:
        return "account"

    async def async_validate(self) -> UserInfo:
        return UserInfo(id="account")

    async def async_list_vehicles(self) -> list[Vehicle]:
        return []


class CodesAndHints(CoreOnly, CodeLinking, RefreshHints):
    """Links with codes, takes refresh hints, and its vehicles say whether reachable."""

    DATA_FEATURES = frozenset({ProviderFeature.REACHABILITY})

    async def async_create_link_session(
        self,
        kind: DeviceKind,
        redirect_uri: str,
        language: str,
        options: LinkOptions | None = None,
    ) -> LinkSession:
        return LinkSession(link_url=redirect_uri)

    async def async_complete_link(self, code: str, redirect_uri: str) -> LinkResult:
        return LinkResult(device_id=code, already_linked=False)

    async def async_refresh_hint(self, kind: DeviceKind, device_id: str) -> None:
        return None


async def test_core_only_provider_has_no_features() -> None:
    """A provider with the core alone says it can do nothing more, and every part refuses."""
    provider = CoreOnly()
    assert provider.features == frozenset()
    assert await provider.async_validate() == UserInfo(id="account")
    assert await provider.async_list_vehicles() == []
    for accessor in ACCESSORS:
        with pytest.raises(NotCapableError):
            accessor(provider)


async def test_features_follow_parts() -> None:
    """Features are the parts' plus the data features; code linking is not a link session."""
    provider = CodesAndHints()
    assert provider.features == features_of(CodesAndHints)
    assert provider.features == {
        ProviderFeature.LINK_CODE,
        ProviderFeature.REFRESH_HINT,
        ProviderFeature.REACHABILITY,
    }
    assert as_linking(provider) is provider
    assert as_code_linking(provider) is provider
    assert as_refresh_hints(provider) is provider
    with pytest.raises(NotCapableError):
        as_charging_control(provider)
    session = await as_linking(provider).async_create_link_session(
        DeviceKind.VEHICLE, "https://x/cb", "en"
    )
    assert session.link_url == "https://x/cb"
    assert (await as_code_linking(provider).async_complete_link("d", "")).device_id == "d"
    assert await as_refresh_hints(provider).async_refresh_hint(DeviceKind.VEHICLE, "d") is None
