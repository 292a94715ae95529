"""The local stand-in for the Enode Link page a connected vehicle's ``authorization_url`` opens.

Plain HTML with stable ids for browser tests: scope checkboxes ``scope-location``,
``scope-charge_state``, ``scope-odometer`` (the requested scopes, checked), and the buttons
``continue`` and ``cancel``. Continue backs the vehicle with a simulated car and redirects to
the ``redirect_uri`` with its own query kept and ``code`` appended; Cancel appends
``error=access_denied``. A form without the scope checkboxes (a test posting
``action=continue``) grants every requested scope.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

from sandbox.chargetrip.state import CHARGETRIP
from sandbox.chargetrip.world import ConnectedVehicle, with_query

routes = web.RouteTableDef()

TITLE = "Chargetrip Sandbox \N{EM DASH} Connect your vehicle"
_STYLE = (
    ":root{color-scheme:light dark;font-family:system-ui,sans-serif}"
    "body{max-width:32rem;margin:2rem auto;padding:0 1rem}"
    "label{display:block;margin-top:.5rem}.buttons{margin-top:1.5rem;display:flex;gap:.75rem}"
    "button{padding:.55rem 1.2rem;font-size:1rem}"
)


def _page(body: str, *, status: int = 200) -> web.Response:
    html = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(TITLE)}"
        f"</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )
    return web.Response(text=html, status=status, content_type="text/html")


def _pending(request: web.Request) -> ConnectedVehicle:
    vehicle = request.app[CHARGETRIP].world.by_session(request.match_info["session"])
    if vehicle is None:
        raise web.HTTPNotFound(
            text="This link has expired or was already used.", content_type="text/plain"
        )
    return vehicle


@routes.get("/link/{session}")
async def link_page(request: web.Request) -> web.Response:
    """Show the model being connected and the scopes asked for."""
    vehicle = _pending(request)
    model = vehicle.model
    name = " ".join(p for p in (model.make, model.model, model.version, model.edition) if p)
    boxes = "".join(
        f"<label><input type='checkbox' id='scope-{s}' name='scope' value='{s}' checked> "
        f"{escape(s)}</label>"
        for s in vehicle.requested_scope
    )
    return _page(
        f"<h1>Connect your vehicle</h1><p id='vehicle'>{escape(name)}</p>"
        f"<form method='post'><input type='hidden' name='scopes_shown' value='1'>{boxes}"
        "<div class='buttons'><button id='continue' name='action' value='continue'>Continue"
        "</button><button id='cancel' name='action' value='cancel'>Cancel</button></div>"
        "</form>"
    )


@routes.post("/link/{session}")
async def link_submit(request: web.Request) -> web.Response:
    """Finish (or cancel) the Link step and send the browser back."""
    vehicle = _pending(request)
    form = await request.post()
    if form.get("action") == "cancel":
        target = with_query(
            vehicle.redirect_uri,
            {"error": "access_denied", "error_description": "The user cancelled"},
        )
        raise web.HTTPFound(target)
    if form.get("scopes_shown"):
        granted = [str(s) for s in form.getall("scope", []) if s in vehicle.requested_scope]
    else:
        granted = list(vehicle.requested_scope)
    raise web.HTTPFound(request.app[CHARGETRIP].world.finish_link(vehicle, granted))
