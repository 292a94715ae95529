"""The workshop add-vehicle link: the seed's every field, checked, encoded, token in fragment."""

from __future__ import annotations

from dataclasses import fields, replace
from urllib.parse import parse_qsl, urlsplit

import pytest

from custom_components.connected_ev.api.connectedcars.workshop import (
    PARAMETERS,
    WorkshopLinkError,
    add_vehicle_url,
)
from custom_components.connected_ev.api.models import AddVehicleLink

FULL = AddVehicleLink(
    query_type="vin",
    source="some_system",
    vehicle_vin="WVWZZZ1KZAW123456",
    vehicle_country_code="dk",
    vehicle_license_plate="AB123456",
    vehicle_workshop_id="42",
    vehicle_name="VW Golf GTI Performance 2,0TSI 245HK DSG7",
    vehicle_year="2018",
    vehicle_brand="Volkswagen",
    vehicle_unit_serial="12345678",
    vehicle_fuel_type="electric",
    vehicle_engine_code="ebj",
    customer_firstname="John",
    customer_lastname="Smith",
    customer_email="johnsmith@example.com",
    customer_phone="+45 1234 5678",
)


def test_seed_example() -> None:
    """The seed's example request, byte for byte."""
    link = AddVehicleLink(
        query_type="vin",
        source="some_system",
        vehicle_vin="WVWZZZ1KZAW123456",
        customer_email="johnsmith@example.com",
    )
    assert add_vehicle_url(link) == (
        "https://workshop.connectedcars.io/integration/vehicle/add?queryType=vin"
        "&source=some_system&vehicleVin=WVWZZZ1KZAW123456&customerEmail=johnsmith%40example.com"
    )


def test_every_field_is_sent_encoded_and_normalized() -> None:
    """Every documented parameter, in the documented order, each component encoded."""
    url = add_vehicle_url(FULL)
    query = urlsplit(url).query
    assert [name for name, _ in parse_qsl(query)] == list(PARAMETERS)
    values = dict(parse_qsl(query))
    assert values["vehicleCountryCode"] == "DK"
    assert values["vehicleBrand"] == "volkswagen"
    assert values["vehicleEngineCode"] == "EBJ"
    assert "customerPhone=%2B45%201234%205678" in query
    assert "vehicleName=VW%20Golf%20GTI%20Performance%202%2C0TSI%20245HK%20DSG7" in query
    assert "#" not in url
    assert len(PARAMETERS) == len(fields(AddVehicleLink)) == 16


def test_license_plate_query() -> None:
    """A licence-plate query needs the plate (the VIN is then optional)."""
    link = AddVehicleLink(query_type="license_plate", source="s", vehicle_license_plate="AB 12")
    assert "queryType=licensePlate&source=s&vehicleLicensePlate=AB%2012" in add_vehicle_url(link)
    with pytest.raises(WorkshopLinkError) as caught:
        add_vehicle_url(replace(link, vehicle_license_plate=None))
    assert caught.value.fields == ("vehicle_license_plate",)


def test_token_only_in_the_fragment() -> None:
    """A token goes in the fragment, encoded, and nowhere else."""
    url = add_vehicle_url(FULL, origin="http://127.0.0.1:9/", token="a.b+c/=")
    base, fragment = url.split("#")
    assert fragment == "token=a.b%2Bc%2F%3D"
    assert "a.b" not in base
    assert base.startswith("http://127.0.0.1:9/integration/vehicle/add?")


@pytest.mark.parametrize("token", ["", "tab\there"])
def test_bad_token_is_refused(token: str) -> None:
    """An empty or unprintable token is refused."""
    with pytest.raises(WorkshopLinkError) as caught:
        add_vehicle_url(FULL, token=token)
    assert caught.value.fields == ("token",)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("query_type", "licensePlate"),
        ("query_type", "registration"),
        ("source", ""),
        ("source", "a\nb"),
        ("vehicle_vin", "WVWZZZ1KZAW12345"),
        ("vehicle_vin", "WVWZZZ1KZAW1234567"),
        ("vehicle_vin", "WVWZZZ1KZAO123456"),
        ("vehicle_vin", "IVWZZZ1KZAW123456"),
        ("vehicle_vin", "QVWZZZ1KZAW123456"),
        ("vehicle_country_code", "DNK"),
        ("vehicle_country_code", "D1"),
        ("vehicle_workshop_id", "0"),
        ("vehicle_workshop_id", "abc"),
        ("vehicle_year", "18"),
        ("vehicle_year", "20181"),
        ("vehicle_brand", "volks wagen"),
        ("vehicle_fuel_type", "électrique"),
        ("vehicle_fuel_type", "petrol"),
        ("vehicle_engine_code", "EB-J"),
        ("vehicle_name", "x" * 201),
        ("customer_email", "johnsmith.example.com"),
        ("customer_email", "a@b@example.com"),
        ("customer_phone", "45 1234 5678"),
        ("customer_phone", "+0 1234 5678"),
        ("customer_phone", "+45"),
        ("customer_phone", "+45 1234 5678 ext"),
    ],
)
def test_invalid_field_is_named_and_nothing_built(field: str, value: str) -> None:
    """Each invalid field is refused by name."""
    with pytest.raises(WorkshopLinkError) as caught:
        add_vehicle_url(replace(FULL, **{field: value}))
    assert caught.value.fields == (field,)
    assert caught.value.detail == field


def test_all_invalid_fields_at_once() -> None:
    """Every invalid field is named in one error, in the page's order."""
    link = replace(FULL, vehicle_vin=None, vehicle_year="99", customer_phone="123")
    with pytest.raises(WorkshopLinkError) as caught:
        add_vehicle_url(link)
    assert caught.value.fields == ("vehicle_vin", "vehicle_year", "customer_phone")
    assert "vehicleVin, vehicleYear, customerPhone" in str(caught.value)


def test_lower_case_vin_is_accepted() -> None:
    """A VIN typed in lower case with spaces around is the same VIN."""
    url = add_vehicle_url(replace(FULL, vehicle_vin=" wvwzzz1kzaw123456 "))
    assert "vehicleVin=WVWZZZ1KZAW123456" in url
