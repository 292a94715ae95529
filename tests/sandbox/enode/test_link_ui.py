"""The Link UI: page content, Continue, Cancel, single use, expiry and relinking."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.enode.server import SandboxServer
from tests.sandbox.enode.helpers import Api, seed

VEHICLE_LINK: dict[str, Any] = {
    "vendorType": "vehicle",
    "scopes": ["vehicle:read:data", "vehicle:read:location", "vehicle:control:charging"],
    "language": "en-US",
    "redirectUri": "https://example.test/callback?flow_id=abc",
}
CHARGER_LINK: dict[str, Any] = {
    "vendorType": "charger",
    "scopes": ["charger:read:data", "charger:control:charging"],
    "language": "en-US",
    "redirectUri": "http://127.0.0.1:8123/auth/external/callback",
}


class _Form(HTMLParser):
    """Collect ids, select options and the title of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, dict[str, str | None]] = {}
        self.selects: dict[str, list[dict[str, str | None]]] = {}
        self.title = ""
        self._in_title = False
        self._select = ""

    @property
    def options(self) -> list[dict[str, str | None]]:
        return self.selects.get("device", [])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids[str(attributes["id"])] = {"tag": tag, **attributes}
        if tag == "select":
            self._select = str(attributes.get("id"))
        if tag == "option":
            self.selects.setdefault(self._select, []).append(attributes)
        self._in_title = tag == "title"

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False


def _parse(html: str) -> _Form:
    form = _Form()
    form.feed(html)
    return form


async def _session(api: Api, body: dict[str, Any], user: str = "link-user") -> str:
    reply = await api.post(f"/users/{user}/link", body)
    assert reply.status == 200, reply.text
    return str(reply.json["linkToken"])


async def test_page_has_stable_controls(api: Api) -> None:
    token = await _session(api, VEHICLE_LINK)
    page = await api.raw("GET", f"/link/{token}")
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    form = _parse(page.text)
    assert form.title == "Enode Sandbox \N{EM DASH} Link"
    for control in ("vendor", "device", "continue", "cancel", "link-form"):
        assert control in form.ids
    assert form.ids["continue"]["name"] == "action"
    vendors = [o["value"] for o in form.selects["vendor"]]
    assert "TESLA" in vendors
    assert "ZAPTEC" not in vendors
    devices = [o for o in form.options if o.get("value") and len(o["value"] or "") == 36]
    assert devices, "a simulated device is created on demand"
    assert "http" not in page.text.split("<body")[1]  # no external assets
    assert "<script src" not in page.text


async def test_continue_links_device_and_redirects(api: Api) -> None:
    token = await _session(api, VEHICLE_LINK)
    page = _parse((await api.raw("GET", f"/link/{token}")).text)
    device_id = next(o["value"] for o in page.options if "selected" in o)
    reply = await api.raw(
        "POST", f"/link/{token}", data={"action": "continue", "device": device_id}
    )
    assert reply.status == 302
    assert reply.headers["Location"] == VEHICLE_LINK["redirectUri"]
    vehicles = (await api.get("/users/link-user/vehicles")).json["data"]
    assert [v["id"] for v in vehicles] == [device_id]
    assert vehicles[0]["scopes"] == sorted(VEHICLE_LINK["scopes"])
    linked = (await api.get("/users/link-user")).json["linkedVendors"]
    assert linked == [{"vendor": vehicles[0]["vendor"], "vendorType": "vehicle", "isValid": True}]


async def test_continue_with_new_device_of_chosen_vendor(api: Api) -> None:
    token = await _session(api, CHARGER_LINK)
    page = _parse((await api.raw("GET", f"/link/{token}")).text)
    assert "ZAPTEC" in [o["value"] for o in page.selects["vendor"]]
    assert page.options[0]["value"]  # a charger was created on demand
    reply = await api.raw(
        "POST", f"/link/{token}", data={"action": "continue", "vendor": "EASEE", "device": ""}
    )
    assert reply.status == 302
    chargers = (await api.get("/users/link-user/chargers")).json["data"]
    assert [c["vendor"] for c in chargers] == ["EASEE"]
    assert chargers[0]["information"]["brand"] == "Easee"


async def test_session_vendor_is_fixed(api: Api) -> None:
    token = await _session(api, {**VEHICLE_LINK, "vendor": "KIA", "colorScheme": "dark"})
    page = await api.raw("GET", f"/link/{token}")
    form = _parse(page.text)
    assert form.ids["vendor"]["type"] == "hidden"
    assert form.ids["vendor"]["value"] == "KIA"
    assert '<body class="dark">' in page.text
    reply = await api.raw("POST", f"/link/{token}", data={"vendor": "TESLA", "device": ""})
    assert reply.status == 302
    assert (await api.get("/users/link-user/vehicles")).json["data"][0]["vendor"] == "KIA"


async def test_cancel_redirects_with_error(api: Api) -> None:
    token = await _session(api, VEHICLE_LINK)
    reply = await api.raw("POST", f"/link/{token}", data={"action": "cancel"})
    assert reply.status == 302
    location = urlsplit(reply.headers["Location"])
    query = parse_qs(location.query)
    assert query["flow_id"] == ["abc"]
    assert query["error"] == ["user_cancelled"]
    assert query["error_message"]
    assert (await api.get("/users/link-user/vehicles")).json["data"] == []


async def test_cancel_without_query_string(api: Api) -> None:
    token = await _session(api, CHARGER_LINK)
    reply = await api.raw("POST", f"/link/{token}", data={"action": "cancel"})
    assert reply.headers["Location"].startswith(CHARGER_LINK["redirectUri"] + "?error=")


async def test_session_is_single_use(api: Api) -> None:
    token = await _session(api, VEHICLE_LINK)
    assert (await api.raw("POST", f"/link/{token}", data={"device": ""})).status == 302
    assert (await api.raw("GET", f"/link/{token}")).status == 410
    again = await api.raw("POST", f"/link/{token}", data={"device": ""})
    assert again.status == 410
    assert "already used" in again.text


async def test_unknown_session(api: Api) -> None:
    assert (await api.raw("GET", "/link/nope")).status == 404
    assert (await api.raw("POST", "/link/nope", data={})).status == 404


async def test_session_expires_after_a_day(api: Api, server: SandboxServer) -> None:
    token = await _session(api, VEHICLE_LINK)
    await server.advance(24 * 3600 - 1)
    assert (await api.raw("GET", f"/link/{token}")).status == 200
    await server.advance(1)
    assert (await api.raw("GET", f"/link/{token}")).status == 410


async def test_unavailable_device_is_refused(api: Api) -> None:
    ids = await seed(api, "other", vehicles=1)
    token = await _session(api, VEHICLE_LINK)
    reply = await api.raw("POST", f"/link/{token}", data={"device": ids["vehicleIds"][0]})
    assert reply.status == 400
    bad_vendor = await api.raw("POST", f"/link/{token}", data={"vendor": "ZAPTEC", "device": ""})
    assert bad_vendor.status == 400
    assert (await api.raw("POST", f"/link/{token}", data={"device": ""})).status == 302


async def test_pool_devices_are_offered(api: Api) -> None:
    created = await api.admin("POST", "/devices", {"vehicles": 2, "vehicleVendor": "BMW"})
    token = await _session(api, {**VEHICLE_LINK, "vendor": "BMW"})
    form = _parse((await api.raw("GET", f"/link/{token}")).text)
    offered = {o["value"] for o in form.options}
    assert set(created["vehicleIds"]) <= offered


async def test_relink_restores_credentials(api: Api) -> None:
    ids = await seed(api, "relinker", vehicles=1)
    vehicle_id = ids["vehicleIds"][0]
    await api.delete("/users/relinker/authorization")
    assert (await api.get(f"/vehicles/{vehicle_id}")).json["isReachable"] is False
    reply = await api.post(
        f"/assets/{vehicle_id}/relink",
        {"language": "en-US", "redirectUri": "https://example.test/again"},
    )
    token = reply.json["linkToken"]
    form = _parse((await api.raw("GET", f"/link/{token}")).text)
    assert [o["value"] for o in form.options] == [vehicle_id]
    assert "vendor" not in form.selects
    assert form.ids["vendor"]["type"] == "hidden"
    done = await api.raw("POST", f"/link/{token}", data={"action": "continue"})
    assert done.status == 302
    assert (await api.get(f"/vehicles/{vehicle_id}")).json["isReachable"] is True
    linked = (await api.get("/users/relinker")).json["linkedVendors"]
    assert all(item["isValid"] for item in linked)


async def test_relink_of_asset_unlinked_meanwhile(api: Api) -> None:
    ids = await seed(api, "relinker", vehicles=1)
    vehicle_id = ids["vehicleIds"][0]
    reply = await api.post(
        f"/assets/{vehicle_id}/relink",
        {"language": "en-US", "redirectUri": "https://example.test/again"},
    )
    await api.delete("/users/relinker/vendors/TESLA")
    token = reply.json["linkToken"]
    assert (await api.raw("POST", f"/link/{token}", data={})).status == 400
