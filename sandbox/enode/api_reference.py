"""Reference routes: the interventions catalogue and the health check."""

from __future__ import annotations

from aiohttp import web

from sandbox.enode import catalog
from sandbox.enode.payloads import intervention_json
from sandbox.enode.validation import query_problem
from sandbox.problems import not_found

routes = web.RouteTableDef()


def _check_query(request: web.Request) -> None:
    language = request.query.get("language")
    if language is not None and language not in catalog.INTERVENTION_LANGUAGES:
        raise query_problem("language", f"Invalid enum value '{language}'")
    vendor_type = request.query.get("vendorType")
    if vendor_type is not None and vendor_type not in catalog.VENDOR_TYPES:
        raise query_problem("vendorType", f"Invalid enum value '{vendor_type}'")
    vendor = request.query.get("vendor")
    if vendor is not None and vendor not in catalog.ALL_VENDORS:
        raise query_problem("vendor", f"Invalid enum value '{vendor}'")


@routes.get("/interventions")
async def list_interventions(request: web.Request) -> web.Response:
    """List interventions, filtered by ``vendorType`` and ``vendor``."""
    _check_query(request)
    vendor_type = request.query.get("vendorType")
    vendor = request.query.get("vendor")
    items = [
        intervention_json(item)
        for item in catalog.INTERVENTIONS
        if vendor_type in (None, item.vendor_type) and vendor in (None, item.vendor)
    ]
    return web.json_response(items)


@routes.get("/interventions/{interventionId}")
async def get_intervention(request: web.Request) -> web.Response:
    """Return one intervention."""
    _check_query(request)
    item = catalog.INTERVENTIONS_BY_ID.get(request.match_info["interventionId"])
    if item is None:
        raise not_found("Intervention not found.")
    return web.json_response(intervention_json(item))


@routes.get("/health/ready")
async def health_ready(_request: web.Request) -> web.Response:
    """Report the sandbox as ready (no authentication, as in Enode)."""
    return web.Response(status=204)
