"""The workshop "add vehicle" page: the deep link of the seed document, validated exactly.

``GET /integration/vehicle/add?…`` checks the link and shows the "add vehicle" form,
prefilled; submitting it (``POST``, form-encoded) adds the vehicle to the account of the token:
a vehicle nobody owns yet with that VIN or plate (a unit already fitted), else a new one.
The token travels only in the URL fragment (``#token=…``), which browsers never send, so a
tiny page script copies it into the form (and into the browser's storage, which the real app
also falls back to); without any token the script sends the browser to a sign-in page that
comes back with ``#token=…``, as the real app redirects to its Auth service.

The seed's rules: ``queryType`` (``vin`` | ``licensePlate``) and ``source`` are required;
``vehicleVin`` matches ``/[ABCDEFGHJKLMNPRSTUVWXYZ0-9]{17}/``; ``vehicleCountryCode`` is two
letters (default DK); ``vehicleYear`` is four digits; ``customerPhone`` includes ``+`` and a
country code; all URI components are percent-encoded. Choices where the seed is silent: a
raw character that ``encodeURIComponent`` would have encoded (``@``, ``+``, space, …) is an
error naming the parameter; an unknown or repeated parameter is an error (the sandbox is
stricter than needed so a misspelt name is caught); the field of the chosen ``queryType`` may
be empty in the link but is required when the form is submitted; ``vehicleBrand`` has the
shape of an enum value (``volkswagen``); ``vehicleFuelType`` is one of the sandbox's fuel
types; ``vehicleWorkshopId`` is a number; after ``+`` and the country code a phone number
has 4 to 20 digits, spaces, hyphens or brackets.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

from aiohttp import web
from yarl import URL

from sandbox.connectedcars.accounts import Accounts
from sandbox.connectedcars.fleet import FUEL_TYPES, FleetError
from sandbox.connectedcars.state import CONNECTED_CARS

ADD_PATH = "/integration/vehicle/add"
LOGIN_PATH = "/integration/login"
QUERY_TYPES = {"vin": "vehicleVin", "licensePlate": "vehicleLicensePlate"}
FIELDS = (
    "queryType",
    "source",
    "vehicleVin",
    "vehicleCountryCode",
    "vehicleLicensePlate",
    "vehicleWorkshopId",
    "vehicleName",
    "vehicleYear",
    "vehicleBrand",
    "vehicleUnitSerial",
    "vehicleFuelType",
    "vehicleEngineCode",
    "customerFirstname",
    "customerLastname",
    "customerEmail",
    "customerPhone",
)
MAX_VALUE = 200
_ENCODED_URL = re.compile(r"[A-Za-z0-9\-._~!'()*%/?=&]+")
_ENCODED = re.compile(r"(?:[A-Za-z0-9\-._~!'()*]|%[0-9A-Fa-f]{2})*")
_PATTERNS: dict[str, tuple[re.Pattern[str], str]] = {
    "vehicleVin": (
        re.compile(r"[ABCDEFGHJKLMNPRSTUVWXYZ0-9]{17}"),
        "must be 17 characters: capital letters except I, O and Q, and digits",
    ),
    "vehicleCountryCode": (re.compile(r"[A-Z]{2}"), "must be a two-letter country code"),
    "vehicleYear": (re.compile(r"\d{4}"), "must be a four-digit year"),
    "vehicleWorkshopId": (re.compile(r"\d{1,10}"), "must be a number"),
    "vehicleBrand": (re.compile(r"[a-z0-9][a-z0-9_-]*"), "must be a brand such as volkswagen"),
    "customerEmail": (re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+"), "must be an e-mail address"),
    "customerPhone": (
        re.compile(r"\+[1-9]\d{0,2}[ \d()-]{4,20}"),
        "must start with + and the country code, e.g. +45 1234 5678",
    ),
}

type Problems = list[tuple[str, str]]


def parse_link(raw_query: str) -> tuple[dict[str, str], Problems]:
    """Decode the raw query string of a deep link; every problem names its parameter."""
    values: dict[str, str] = {}
    problems: Problems = []
    for pair in filter(None, raw_query.split("&")):
        raw_name, _, raw_value = pair.partition("=")
        name = unquote(raw_name)
        if name not in FIELDS:
            problems.append((name[:40], "is not a parameter of this page"))
            continue
        if name in values:
            problems.append((name, "is given more than once"))
            continue
        if not _ENCODED.fullmatch(raw_value):
            problems.append((name, "is not percent-encoded"))
        try:
            values[name] = unquote(raw_value, errors="strict")
        except UnicodeDecodeError:
            problems.append((name, "is not UTF-8"))
    return values, problems + check(values, submitting=False)


def check(values: dict[str, str], *, submitting: bool) -> Problems:
    """Return the problems by the seed's rules; a submitted form needs its query type's field."""
    problems: Problems = []
    query_type = values.get("queryType", "")
    if query_type not in QUERY_TYPES:
        problems.append(("queryType", "must be vin or licensePlate"))
    if not values.get("source", "").strip():
        problems.append(("source", "is required"))
    for name, value in values.items():
        if len(value) > MAX_VALUE:
            problems.append((name, "is too long"))
        elif name in _PATTERNS and value and not _PATTERNS[name][0].fullmatch(value):
            problems.append((name, _PATTERNS[name][1]))
    fuel_type = values.get("vehicleFuelType")
    if fuel_type and fuel_type not in FUEL_TYPES:
        problems.append(("vehicleFuelType", "must be one of " + ", ".join(FUEL_TYPES)))
    field = QUERY_TYPES.get(query_type)
    if submitting and field is not None and not values.get(field, "").strip():
        problems.append((field, "is required"))
    return problems


def _page(title: str, body: str, status: int = 200) -> web.Response:
    document = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
        f"{body}</body></html>"
    )
    return web.Response(text=document, content_type="text/html", status=status)


def _problems_page(problems: Problems, status: int = 400) -> web.Response:
    items = "".join(
        f'<li data-field="{html.escape(name)}">{html.escape(name)} {html.escape(text)}</li>'
        for name, text in problems
    )
    return _page("The link is not valid", f'<ul class="errors">{items}</ul>', status)


_TOKEN_SCRIPT = """<script>
(function () {
  var match = /(?:^|[#&])token=([^&]*)/.exec(location.hash);
  var token = match ? decodeURIComponent(match[1]) : localStorage.getItem("ccToken");
  if (match) {
    localStorage.setItem("ccToken", token);
    history.replaceState(null, "", location.pathname + location.search);
  }
  if (!token) {
    location.replace("LOGIN_PATH?next=" + encodeURIComponent(location.pathname + location.search));
    return;
  }
  document.getElementById("token").value = token;
})();
</script>""".replace("LOGIN_PATH", LOGIN_PATH)


async def show_form(request: web.Request) -> web.Response:
    """``GET /integration/vehicle/add?…``: validate the link, show the prefilled form."""
    values, problems = parse_link(request.rel_url.raw_query_string)
    if problems:
        return _problems_page(problems)
    values.setdefault("vehicleCountryCode", "DK")
    inputs = "".join(
        f'<label>{name} <input name="{name}" value="{html.escape(values.get(name, ""))}"'
        f"{' type=hidden' if name in ('queryType', 'source') else ''}></label>"
        for name in FIELDS
    )
    form = (
        f'<form method="post" action="{ADD_PATH}">{inputs}'
        '<input type="hidden" id="token" name="token" value="">'
        '<button type="submit">Add vehicle</button></form>'
    )
    return _page("Add vehicle", form + _TOKEN_SCRIPT)


async def submit_form(request: web.Request) -> web.Response:
    """``POST /integration/vehicle/add``: add the vehicle to the token's account."""
    form = await request.post()
    values = {name: str(form[name]).strip() for name in FIELDS if isinstance(form.get(name), str)}
    values = {name: value for name, value in values.items() if value}
    problems = check(values, submitting=True)
    if problems:
        return _problems_page(problems)
    world = request.app[CONNECTED_CARS].world
    try:
        user = world.accounts.verify_any(str(form.get("token", "")))
        vin = values.get("vehicleVin") if values["queryType"] == "vin" else None
        plate = values.get("vehicleLicensePlate")
        vehicle = world.claim(user, vin=vin, license_plate=plate) or world.add_vehicle(
            user,
            user.organization,
            values.get("vehicleFuelType", "electric"),
            vin=vin,
            license_plate=plate,
            name=values.get("vehicleName"),
        )
    except FleetError as err:
        return _problems_page(
            [("token" if err.status == 401 else "vehicleVin", err.message)], err.status
        )
    body = (
        f'<p id="added" data-vehicle-id="{vehicle.id}">{html.escape(vehicle.name)} was added.</p>'
    )
    return _page("Vehicle added", body, 201)


def _next(value: str | None) -> str:
    """Return where sign-in may send the browser back to: only the add-vehicle page.

    The value is kept byte for byte (re-quoting would undo the link's percent-encoding).
    """
    value = value or ""
    target = URL(value, encoded=True)
    if target.is_absolute() or target.path != ADD_PATH or not _ENCODED_URL.fullmatch(value):
        raise FleetError(400, "next must be the add-vehicle page", "validation_error")
    return value


async def show_login(request: web.Request) -> web.Response:
    """Return the sign-in page the add-vehicle page falls back to without a token."""
    target = _next(request.query.get("next"))
    form = (
        f'<form method="post" action="{LOGIN_PATH}">'
        f'<input type="hidden" name="next" value="{html.escape(target)}">'
        '<label>App <input name="namespace" value="semler:minvolkswagen"></label>'
        '<label>E-mail <input name="email" type="email"></label>'
        '<label>Password <input name="password" type="password"></label>'
        '<button type="submit">Sign in</button></form>'
    )
    return _page("Sign in", form)


async def submit_login(request: web.Request) -> web.StreamResponse:
    """Sign in and go back to the add-vehicle page with ``#token=…``."""
    form = await request.post()
    target = _next(str(form.get("next", "")))
    namespace = str(form.get("namespace", ""))
    org = Accounts.organization_for(namespace, None)
    accounts = request.app[CONNECTED_CARS].world.accounts
    result = accounts.login_password(
        org, namespace, str(form.get("email", "")), str(form.get("password", ""))
    )
    # Not HTTPSeeOther: it re-quotes the location, undoing the link's percent-encoding.
    return web.Response(status=303, headers={"Location": f"{target}#token={result['token']}"})


routes = web.RouteTableDef()
routes.get(ADD_PATH)(show_form)
routes.post(ADD_PATH)(submit_form)
routes.get(LOGIN_PATH)(show_login)
routes.post(LOGIN_PATH)(submit_login)
