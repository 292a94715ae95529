"""The Smartcar-style authorization page: pick a simulated car, then Continue or Cancel.

Plain HTML without external assets; controls have stable ids (``vehicle``, ``continue``,
``cancel``) for browser tests. Continue redirects to ``redirect_uri`` with ``code`` and
``state`` (plus ``virtual_key_url`` for Tesla); Cancel with ``error=access_denied``. Only
redirect URIs an authorization URL was built for are followed (no open redirect).
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode, urlsplit, urlunsplit

from aiohttp import web

from sandbox.hiven import catalog
from sandbox.hiven.api import AUTHORIZE_PATH
from sandbox.hiven.state import HIVEN
from sandbox.hiven.world import Car, World

routes = web.RouteTableDef()

TITLE = "Smartcar (Hiven sandbox) \N{EM DASH} Connect your car"
VIRTUAL_KEY_PATH = "/tesla/virtual-key"
NEW_CAR = "new"
DENIED_DESCRIPTION = "User denied access to application."
_STYLE = (
    ":root{color-scheme:light dark;font-family:system-ui,sans-serif}"
    "body{max-width:32rem;margin:2rem auto;padding:0 1rem}"
    "label{display:block;margin-top:1rem;font-weight:600}"
    "select{width:100%;padding:.4rem}.buttons{margin-top:1.5rem;display:flex;gap:.75rem}"
)


def _page(body: str, *, status: int = 200) -> web.Response:
    html = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(TITLE)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
    return web.Response(status=status, text=html, content_type="text/html", charset="utf-8")


def _error_page(message: str) -> web.Response:
    return _page(f'<h1>Cannot connect</h1>\n<p id="error">{escape(message)}</p>', status=400)


def _redirect(redirect_uri: str, params: dict[str, str]) -> web.HTTPFound:
    parts = urlsplit(redirect_uri)
    extra = urlencode(params)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return web.HTTPFound(urlunsplit(parts._replace(query=query)))


def _label(car: Car) -> str:
    owner = " (connected)" if car.owner else ""
    return f"{car.name} {car.year} \N{EM DASH} \N{HORIZONTAL ELLIPSIS}{car.vin[-4:]}{owner}"


def _checked(world: World, values: dict[str, str]) -> tuple[str, str, str] | web.Response:
    """(make, redirect_uri, state) of a request, or an error page."""
    make = values.get("make", "")
    redirect_uri = values.get("redirect_uri", "")
    if make not in catalog.MANUFACTURERS:
        return _error_page("Unknown or missing make.")
    if redirect_uri not in world.redirect_uris:
        return _error_page("redirect_uri was not registered through an authorization URL.")
    return make, redirect_uri, values.get("state", "")


@routes.get(AUTHORIZE_PATH)
async def authorize_page(request: web.Request) -> web.Response:
    """Show the car picker for the requested make."""
    world = request.app[HIVEN].world
    checked = _checked(world, dict(request.query))
    if isinstance(checked, web.Response):
        return checked
    make, redirect_uri, state = checked
    options = "".join(
        f'<option value="{escape(car.id)}"{" selected" if i == 0 else ""}>'
        f"{escape(_label(car))}</option>"
        for i, car in enumerate(world.cars_of_make(make))
    )
    options += f'<option value="{NEW_CAR}">A new simulated {escape(make)} car</option>'
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(value)}">'
        for name, value in (("make", make), ("redirect_uri", redirect_uri), ("state", state))
    )
    body = (
        f"<h1>Connect your {escape(make)}</h1>\n"
        f'<form method="post" action="{AUTHORIZE_PATH}" id="authorize-form">{hidden}\n'
        f'<label for="vehicle">Vehicle</label><select id="vehicle" name="vehicle">'
        f"{options}</select>\n"
        f"<p>Access requested: {escape(catalog.SCOPE)}</p>\n"
        '<div class="buttons">'
        '<button type="submit" id="continue" name="action" value="continue">Continue</button>'
        '<button type="submit" id="cancel" name="action" value="cancel">Cancel</button>'
        "</div>\n</form>"
    )
    return _page(body)


@routes.post(AUTHORIZE_PATH)
async def authorize_submit(request: web.Request) -> web.Response:
    """Redirect back with a code (Continue) or ``access_denied`` (Cancel)."""
    world = request.app[HIVEN].world
    form = {key: str(value) for key, value in (await request.post()).items()}
    checked = _checked(world, form)
    if isinstance(checked, web.Response):
        return checked
    make, redirect_uri, state = checked
    extra = {"state": state} if state else {}
    if form.get("action") == "cancel":
        raise _redirect(
            redirect_uri,
            {"error": "access_denied", "error_description": DENIED_DESCRIPTION, **extra},
        )
    choice = form.get("vehicle", NEW_CAR)
    car = world.cars.get(choice)
    if car is None or car.model.make != make:
        if choice != NEW_CAR:
            return _error_page("Unknown vehicle.")
        car = world.create_car(make)
    params = {"code": world.issue_code(car, redirect_uri), **extra}
    if make == "TESLA":
        params["virtual_key_url"] = f"{request.url.origin()}{VIRTUAL_KEY_PATH}"
    raise _redirect(redirect_uri, params)


@routes.get(VIRTUAL_KEY_PATH)
async def virtual_key(request: web.Request) -> web.Response:
    """Stand-in for Tesla's virtual-key page."""
    return _page(
        '<h1 id="virtual-key">Add a virtual key</h1>\n'
        "<p>In the real flow the Tesla app asks the owner to add a virtual key for the "
        "third-party application. Nothing to do in the sandbox.</p>"
    )
