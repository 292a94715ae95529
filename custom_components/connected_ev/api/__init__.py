"""Provider clients for Connected EV: asyncio + aiohttp, no Home Assistant imports.

Written to be publishable on its own: Home Assistant code depends on the typed models,
the errors and the ``Provider`` protocol, never on a provider's JSON.
"""
