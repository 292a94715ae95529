"""The workshop add-vehicle page: the seed's deep link validated, the form, the token."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from yarl import URL

from sandbox.connectedcars.server import ConnectedCarsSandboxServer
from sandbox.connectedcars.workshop import ADD_PATH, FIELDS, LOGIN_PATH, parse_link

from .conftest import Api

SEED_EXAMPLE = (
    "queryType=vin&source=some_system&vehicleVin=WVWZZZ1KZAW123456"
    "&customerEmail=johnsmith%40example.com"
)


def link(**params: str) -> str:
    """Encode every component the way encodeURIComponent does."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params.items())


def errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'<li data-field="([^"]*)">[^ ]* ([^<]*)</li>', html))


def form_values(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input name="(\w+)" value="([^"]*)"', html))


async def test_the_seed_example_shows_a_prefilled_form(api: Api) -> None:
    status, html, headers = await api("GET", f"{ADD_PATH}?{SEED_EXAMPLE}", namespace=None)
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    values = form_values(html)
    assert values["vehicleVin"] == "WVWZZZ1KZAW123456"
    assert values["customerEmail"] == "johnsmith@example.com"
    assert values["vehicleCountryCode"] == "DK"  # the default
    assert set(values) == set(FIELDS)
    # The token is read from the fragment by the page script, never from the query.
    assert "location.hash" in html
    assert 'id="token"' in html


async def test_every_field_of_the_seed_is_accepted(api: Api) -> None:
    query = link(
        queryType="licensePlate",
        source="Home Assistant",
        vehicleVin="WVWZZZ1KZAW123456",
        vehicleCountryCode="SE",
        vehicleLicensePlate="AB 123 456",
        vehicleWorkshopId="42",
        vehicleName="VW Golf GTI Performance 2,0TSI 245HK DSG7",
        vehicleYear="2018",
        vehicleBrand="volkswagen",
        vehicleUnitSerial="12345678",
        vehicleFuelType="electric",
        vehicleEngineCode="EBJ",
        customerFirstname="Jørgen",
        customerLastname="Smith & Søn",
        customerEmail="john+cars@example.com",
        customerPhone="+45 1234 5678",
    )
    status, html, _ = await api("GET", f"{ADD_PATH}?{query}", namespace=None)
    assert status == 200, html
    values = form_values(html)
    assert values["customerLastname"] == "Smith &amp; Søn"
    assert values["customerPhone"] == "+45 1234 5678"
    assert values["vehicleName"] == "VW Golf GTI Performance 2,0TSI 245HK DSG7"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("source=x", "queryType", "must be vin or licensePlate"),
        ("queryType=chassis&source=x", "queryType", "must be vin or licensePlate"),
        ("queryType=vin", "source", "is required"),
        ("queryType=vin&source=x&vehicleVin=WVWZZZ1KZAW12345", "vehicleVin", "must be 17"),
        ("queryType=vin&source=x&vehicleVin=WVWZZZ1KZAW12345I", "vehicleVin", "must be 17"),
        ("queryType=vin&source=x&vehicleVin=wvwzzz1kzaw123456", "vehicleVin", "must be 17"),
        ("queryType=vin&source=x&vehicleCountryCode=DNK", "vehicleCountryCode", "two-letter"),
        ("queryType=vin&source=x&vehicleCountryCode=dk", "vehicleCountryCode", "two-letter"),
        ("queryType=vin&source=x&vehicleYear=18", "vehicleYear", "four-digit"),
        ("queryType=vin&source=x&vehicleYear=20189", "vehicleYear", "four-digit"),
        ("queryType=vin&source=x&vehicleWorkshopId=a42", "vehicleWorkshopId", "number"),
        ("queryType=vin&source=x&vehicleBrand=Volks%20Wagen", "vehicleBrand", "brand"),
        ("queryType=vin&source=x&vehicleFuelType=steam", "vehicleFuelType", "must be one of"),
        ("queryType=vin&source=x&customerEmail=john", "customerEmail", "e-mail"),
        ("queryType=vin&source=x&customerPhone=4512345678", "customerPhone", "must start with +"),
        ("queryType=vin&source=x&customerPhone=%2B45", "customerPhone", "must start with +"),
        # Not percent-encoded: a raw "@", "+" (which a server reads as a space) or ",".
        ("queryType=vin&source=x&customerEmail=john@example.com", "customerEmail", "percent"),
        ("queryType=vin&source=x&customerPhone=+4512345678", "customerPhone", "percent"),
        ("queryType=vin&source=a,b", "source", "percent"),
        ("queryType=vin&source=x&vehicleName=%E2%82", "vehicleName", "UTF-8"),
        ("queryType=vin&source=x&vehicleVIN=WVWZZZ1KZAW123456", "vehicleVIN", "not a parameter"),
        ("queryType=vin&source=x&source=y", "source", "more than once"),
        (f"queryType=vin&source=x&vehicleName={'a' * 201}", "vehicleName", "too long"),
    ],
)
async def test_invalid_links_name_the_field(api: Api, query: str, field: str, message: str) -> None:
    status, html, _ = await api("GET", f"{ADD_PATH}?{query}", namespace=None)
    assert status == 400
    problems = errors(html)
    assert field in problems, problems
    assert message in problems[field]
    assert "<form" not in html


def test_parse_link_decodes_percent_encoding() -> None:
    values, problems = parse_link(SEED_EXAMPLE + "&customerPhone=%2B45%201234%205678&")
    assert problems == []
    assert values["customerPhone"] == "+45 1234 5678"


async def submit(api: Api, token: str | None, **fields: str) -> tuple[int, str]:
    data = dict(fields)
    if token is not None:
        data["token"] = token
    status, html, _ = await api("POST", ADD_PATH, namespace=None, data=data)
    return status, html


async def test_submitting_adds_the_vehicle_to_the_account(api: Api) -> None:
    token = await api.login("empty@example.com")
    assert await api.vehicles(token) == {}
    status, html = await submit(
        api,
        token,
        queryType="vin",
        source="Home Assistant",
        vehicleVin="WVWZZZE1ZMP012345",
        vehicleName="My ID.3",
        vehicleFuelType="electric",
        customerEmail="new@example.com",
    )
    assert status == 201, html
    vehicle_id = re.search(r'data-vehicle-id="(\d+)"', html)
    assert vehicle_id is not None
    vehicles = await api.vehicles(token)
    assert list(vehicles) == [vehicle_id.group(1)]
    added = vehicles[vehicle_id.group(1)]
    assert added["vin"] == "WVWZZZE1ZMP012345"
    assert added["name"] == "My ID.3"
    assert added["chargePercentage"]["pct"] > 0
    # The same VIN cannot be added twice.
    status, html = await submit(
        api, token, queryType="vin", source="x", vehicleVin="WVWZZZE1ZMP012345"
    )
    assert status == 409
    assert "vehicleVin" in errors(html)


async def test_submitting_by_license_plate(api: Api) -> None:
    token = await api.login("empty@example.com")
    status, html = await submit(
        api,
        token,
        queryType="licensePlate",
        source="x",
        vehicleLicensePlate="CC12345",
        vehicleFuelType="hybrid",
    )
    assert status == 201, html
    (added,) = (await api.vehicles(token)).values()
    assert added["licensePlate"] == "CC12345"
    assert added["fuelType"] == "hybrid"
    assert len(added["vin"]) == 17


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"queryType": "vin", "source": "x"}, "vehicleVin"),
        ({"queryType": "licensePlate", "source": "x"}, "vehicleLicensePlate"),
        ({"queryType": "vin", "source": " ", "vehicleVin": "WVWZZZ1KZAW123456"}, "source"),
        ({"queryType": "vin", "source": "x", "vehicleVin": "WVWZZZ1KZAW12345O"}, "vehicleVin"),
    ],
)
async def test_submitting_requires_the_query_types_field(
    api: Api, fields: dict[str, str], field: str
) -> None:
    token = await api.login("empty@example.com")
    status, html = await submit(api, token, **fields)
    assert status == 400
    assert field in errors(html)
    assert await api.vehicles(token) == {}


@pytest.mark.parametrize("token", [None, "", "expired"])
async def test_submitting_needs_a_valid_token(
    api: Api, server: ConnectedCarsSandboxServer, token: str | None
) -> None:
    if token == "expired":
        token = await api.login("empty@example.com")
        await server.advance(3600)
    status, html = await submit(
        api, token, queryType="vin", source="x", vehicleVin="WVWZZZ1KZAW123456"
    )
    assert status == 401
    assert "token" in errors(html)


async def test_without_a_token_the_page_signs_in_first(api: Api) -> None:
    target = f"{ADD_PATH}?{SEED_EXAMPLE}"
    status, html, _ = await api(
        "GET", f"{LOGIN_PATH}?next={quote(target, safe='')}", namespace=None
    )
    assert status == 200
    assert 'name="password"' in html
    status, _, headers = await api(
        "POST",
        LOGIN_PATH,
        namespace=None,
        data={
            "next": target,
            "namespace": "semler:minvolkswagen",
            "email": "empty@example.com",
            "password": "sandbox-password",
        },
    )
    assert status == 303
    assert headers["Location"].startswith(target + "#token=")  # still percent-encoded
    back = URL(headers["Location"])
    assert back.path == ADD_PATH
    assert back.query["vehicleVin"] == "WVWZZZ1KZAW123456"
    token = back.fragment.removeprefix("token=")
    assert (await api("GET", "/user/info", token=token))[0] == 200


@pytest.mark.parametrize(
    "target", ["", "https://evil.example/", "/user/info", ADD_PATH + "?a=b\r\nX: y"]
)
async def test_sign_in_only_returns_to_the_add_vehicle_page(api: Api, target: str) -> None:
    status, body, _ = await api(
        "GET", f"{LOGIN_PATH}?next={quote(target, safe='')}", namespace=None
    )
    assert (status, body["type"]) == (400, "validation_error")


@pytest.mark.parametrize(
    ("fields", "query"),
    [
        ({"vin": "TMBZZZNE1L0123456"}, {"queryType": "vin", "vehicleVin": "TMBZZZNE1L0123456"}),
        (
            {"licensePlate": "XY98765"},
            {"queryType": "licensePlate", "vehicleLicensePlate": "XY98765"},
        ),
    ],
)
async def test_a_fitted_unit_is_added_to_the_account(
    api: Api, fields: dict[str, str], query: dict[str, str]
) -> None:
    status, fitted = await api.admin(
        "POST", "/organizations/semler/vehicles", json={"fuelType": "hybrid", **fields}
    )
    assert (status, fitted["owner"]) == (201, None)
    token = await api.login("empty@example.com")
    status, html = await submit(api, token, source="x", **query)
    assert status == 201, html
    vehicles = await api.vehicles(token)
    assert list(vehicles) == [fitted["id"]]
    assert vehicles[fitted["id"]]["fuelType"] == "hybrid"
    # It is not unowned any more: the same VIN elsewhere is refused.
    if "vin" in fields:
        status, html = await submit(api, await api.login(), source="x", **query)
        assert status == 409
        assert "vehicleVin" in errors(html)
