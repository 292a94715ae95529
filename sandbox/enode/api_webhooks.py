"""Webhook management routes; URLs must point at loopback so tests never leave the machine."""

from __future__ import annotations

import re

from aiohttp import web

from sandbox.enode import catalog
from sandbox.enode.pagination import paginate, parse_page_request
from sandbox.enode.payloads import webhook_json
from sandbox.enode.runtime import SANDBOX
from sandbox.enode.validation import Body, present, read_json
from sandbox.enode.webhooks import is_loopback_url
from sandbox.problems import bad_request

routes = web.RouteTableDef()

URL_MIN, URL_MAX = 8, 200
SECRET_MIN, SECRET_MAX = 6, 256
HEADER_NAME_MAX, HEADER_VALUE_MAX = 128, 256
HEADER_NAME_PATTERN = re.compile(r"^[a-z0-9-_]+$")
HEADER_VALUE_PATTERN = re.compile(r"""^[a-zA-Z0-9_:;.,/\\"'?!(){}\[\]@<>=\-+*#$&`|~^% ]+$""")
_FIELDS = ("url", "secret", "events", "apiVersion", "authentication")

type Auth = tuple[str, str]


def _parse(body: Body, *, create: bool) -> tuple[str | None, str | None, list[str] | None]:
    url = body.string("url", required=create, min_length=URL_MIN, max_length=URL_MAX)
    secret = body.string("secret", required=create, min_length=SECRET_MIN, max_length=SECRET_MAX)
    events = body.string_list("events", enum=catalog.WEBHOOK_EVENTS)
    api_version = body.string("apiVersion", nullable=True)
    if api_version is not None and api_version != catalog.API_VERSION:
        body.fail("apiVersion", f"Valid versions: {catalog.API_VERSION}")
    if url is not None and not is_loopback_url(url):
        body.fail("url", "The sandbox only delivers webhooks to loopback (127.0.0.1/localhost)")
    return url, secret, events


def _parse_auth(body: Body) -> Auth | None:
    auth = body.obj("authentication", nullable=True, allowed=("headerName", "headerValue"))
    if auth is None:
        return None
    name = auth.string(
        "headerName",
        required=True,
        min_length=1,
        max_length=HEADER_NAME_MAX,
        pattern=HEADER_NAME_PATTERN,
    )
    value = auth.string(
        "headerValue",
        required=True,
        min_length=1,
        max_length=HEADER_VALUE_MAX,
        pattern=HEADER_VALUE_PATTERN,
    )
    if name is None or value is None:
        return None
    return name, value


@routes.post("/webhooks")
async def create_webhook(request: web.Request) -> web.Response:
    """Register a webhook (400 when the URL is already registered)."""
    world = request.app[SANDBOX].world
    body = Body(await read_json(request), allowed=_FIELDS)
    url, secret, events = _parse(body, create=True)
    auth = _parse_auth(body)
    body.check()
    webhook = world.create_webhook(
        url=present(url),
        secret=present(secret),
        events=events or ["*"],
        api_version=body.data.get("apiVersion"),
        auth=auth,
    )
    return web.json_response(webhook_json(webhook))


@routes.get("/webhooks")
async def list_webhooks(request: web.Request) -> web.Response:
    """List webhooks."""
    world = request.app[SANDBOX].world
    page = parse_page_request(request.query)
    return web.json_response(paginate(world.webhooks.values(), page, webhook_json))


@routes.get("/webhooks/{webhookId}")
async def get_webhook(request: web.Request) -> web.Response:
    """Return one webhook."""
    world = request.app[SANDBOX].world
    return web.json_response(webhook_json(world.get_webhook(request.match_info["webhookId"])))


@routes.patch("/webhooks/{webhookId}")
async def update_webhook(request: web.Request) -> web.Response:
    """Update a webhook partially; any update reactivates it."""
    sandbox = request.app[SANDBOX]
    webhook = sandbox.world.get_webhook(request.match_info["webhookId"])
    body = Body(await read_json(request), allowed=_FIELDS)
    url, secret, events = _parse(body, create=False)
    auth = _parse_auth(body)
    body.check()
    if url is not None and any(
        other.url == url and other.id != webhook.id for other in sandbox.world.webhooks.values()
    ):
        raise bad_request("Webhook already exists.")
    if url is not None:
        webhook.url = url
    if secret is not None:
        webhook.secret = secret
    if events is not None:
        webhook.events = events or ["*"]
    if body.has("apiVersion"):
        webhook.api_version = body.data["apiVersion"]
    if body.has("authentication"):
        webhook.auth_header_name = auth[0] if auth else None
        webhook.auth_header_value = auth[1] if auth else None
    webhook.is_active = True
    return web.json_response(webhook_json(webhook))


@routes.delete("/webhooks/{webhookId}")
async def delete_webhook(request: web.Request) -> web.Response:
    """Delete a webhook and drop its queued events."""
    sandbox = request.app[SANDBOX]
    webhook_id = request.match_info["webhookId"]
    sandbox.world.delete_webhook(webhook_id)
    sandbox.dispatcher.forget(webhook_id)
    return web.Response(status=204)


@routes.post("/webhooks/{webhookId}/test")
async def test_webhook(request: web.Request) -> web.Response:
    """Deliver ``enode:webhook:test`` synchronously and report the outcome."""
    sandbox = request.app[SANDBOX]
    webhook = sandbox.world.get_webhook(request.match_info["webhookId"])
    sandbox.world.now()
    return web.json_response(await sandbox.dispatcher.send_test(webhook))
