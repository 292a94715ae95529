"""The sandbox's Link UI: pick a vendor and a simulated device, then Continue or Cancel.

Plain HTML forms without external assets so it works in any browser, headless included. The
controls have stable ids (``vendor``, ``device``, ``continue``, ``cancel``) for browser tests.
Continue redirects to the session's ``redirectUri`` unchanged (Enode documents no success
parameters); Cancel appends ``error`` and ``error_message`` to its query string.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode, urlsplit, urlunsplit

from aiohttp import web

from sandbox.enode import catalog
from sandbox.enode.runtime import SANDBOX
from sandbox.enode.world import (
    Device,
    GoneError,
    LinkSession,
    NotFoundError,
    PreconditionError,
    Vehicle,
)

routes = web.RouteTableDef()

TITLE = "Enode Sandbox \N{EM DASH} Link"
CANCEL_ERROR = "user_cancelled"
CANCEL_MESSAGE = "The user cancelled linking."

_STYLE = """
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { max-width: 32rem; margin: 2rem auto; padding: 0 1rem; }
body.dark { background: #16181d; color: #e8e8ea; }
body.light { background: #ffffff; color: #16181d; }
label { display: block; margin-top: 1rem; font-weight: 600; }
select { width: 100%; padding: .4rem; margin-top: .3rem; }
.buttons { margin-top: 1.5rem; display: flex; gap: .75rem; }
button { padding: .55rem 1.2rem; font-size: 1rem; }
#continue { font-weight: 600; }
.scopes { font-size: .9rem; opacity: .8; }
"""


# Picking a vendor selects its first offered device, or "a new one" when it has none.
_SCRIPT = """
const vendor = document.getElementById("vendor");
const device = document.getElementById("device");
if (vendor.tagName === "SELECT") {
  vendor.addEventListener("change", () => {
    const match = [...device.options].find((o) => o.dataset.vendor === vendor.value);
    device.value = match ? match.value : "";
  });
}
"""


def _page(title: str, body: str, *, status: int = 200, scheme: str = "system") -> web.Response:
    css_class = "" if scheme == "system" else f' class="{escape(scheme)}"'
    html = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body{css_class}>\n{body}\n</body>\n</html>\n"
    )
    return web.Response(status=status, text=html, content_type="text/html", charset="utf-8")


def _error_page(status: int, message: str) -> web.Response:
    body = f'<h1>Link session unavailable</h1>\n<p id="error">{escape(message)}</p>'
    return _page(TITLE, body, status=status)


def _device_label(device: Device) -> str:
    ident = device.vin if isinstance(device, Vehicle) else device.serial_number
    return f"{device.brand} {device.model} \N{EM DASH} {ident}"


def _form(token: str, session: LinkSession, candidates: list[Device]) -> str:
    kind = session.vendor_type
    vendors = catalog.VENDORS_BY_TYPE[kind]
    brands = catalog.VEHICLE_BRANDS if kind == "vehicle" else catalog.CHARGER_BRANDS
    default_vendor = session.vendor or (candidates[0].vendor if candidates else vendors[0])
    if session.vendor is not None or session.relink_asset_id is not None:
        vendor_control = (
            f'<input type="hidden" id="vendor" name="vendor" value="{escape(default_vendor)}">'
            f"<p>Vendor: <strong>{escape(brands[default_vendor])}</strong></p>"
        )
    else:
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if v == default_vendor else ""}>'
            f"{escape(brands[v])}</option>"
            for v in vendors
        )
        vendor_control = (
            '<label for="vendor">Vendor</label>'
            f'<select id="vendor" name="vendor">{options}</select>'
        )
    device_options = "".join(
        f'<option value="{escape(d.id)}" data-vendor="{escape(d.vendor)}"'
        f"{' selected' if i == 0 else ''}>{escape(_device_label(d))}</option>"
        for i, d in enumerate(candidates)
    )
    if session.relink_asset_id is None:
        device_options += (
            f'<option value="">A new simulated {escape(kind)} of the chosen vendor</option>'
        )
    scopes = "".join(f"<li>{escape(scope)}</li>" for scope in session.scopes)
    heading = "Relink your" if session.relink_asset_id else "Link your"
    return (
        f"<h1>{heading} {escape(kind)}</h1>\n"
        f'<form method="post" action="/link/{escape(token)}" id="link-form">\n'
        f"{vendor_control}\n"
        f'<label for="device">Device</label><select id="device" name="device">'
        f"{device_options}</select>\n"
        f'<p class="scopes">Access requested:</p><ul class="scopes">{scopes}</ul>\n'
        '<div class="buttons">'
        '<button type="submit" id="continue" name="action" value="continue">Continue</button>'
        '<button type="submit" id="cancel" name="action" value="cancel" formnovalidate>'
        "Cancel</button></div>\n</form>\n"
        f"<script>{_SCRIPT}</script>"
    )


def _redirect(redirect_uri: str, params: dict[str, str] | None = None) -> web.HTTPFound:
    if not params:
        return web.HTTPFound(redirect_uri)
    parts = urlsplit(redirect_uri)
    extra = urlencode(params)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return web.HTTPFound(urlunsplit(parts._replace(query=query)))


@routes.get("/link/{token}")
async def link_page(request: web.Request) -> web.Response:
    """Show the device picker of a link session."""
    world = request.app[SANDBOX].world
    token = request.match_info["token"]
    try:
        session = world.open_link_session(token)
    except NotFoundError:
        return _error_page(404, "This link session does not exist.")
    except GoneError:
        return _error_page(410, "This link session was already used or has expired.")
    candidates = world.link_candidates(session)
    return _page(TITLE, _form(token, session, candidates), scheme=session.color_scheme)


@routes.post("/link/{token}")
async def link_submit(request: web.Request) -> web.Response:
    """Complete or cancel a link session and send the browser back to the app."""
    world = request.app[SANDBOX].world
    token = request.match_info["token"]
    form = await request.post()
    action = str(form.get("action", "continue"))
    try:
        session = world.open_link_session(token)
        if action == "cancel":
            world.cancel_link(token)
            raise _redirect(
                session.redirect_uri, {"error": CANCEL_ERROR, "error_message": CANCEL_MESSAGE}
            )
        vendor = str(form.get("vendor", "")) or None
        device_id = str(form.get("device", "")) or None
        world.complete_link(token, vendor, device_id)
    except NotFoundError:
        return _error_page(404, "This link session does not exist.")
    except GoneError:
        return _error_page(410, "This link session was already used or has expired.")
    except PreconditionError as err:
        return _error_page(400, str(err))
    raise _redirect(session.redirect_uri)
