"""Local Connected Cars sandbox: the Auth API, the GraphQL pull API and the workshop page.

It follows Connected Cars' public documentation (the Auth API, the pull API, multi-market
organizations, the workshop deep link) and, where that is silent, the choices written in the
docstrings of :mod:`.accounts` (error statuses, login rate), :mod:`.fleet` (reporting
periods, charging), :mod:`.graphql_api` and :mod:`.workshop` (link validation). It executes
the integration's own schema file with graphql-core, so client and sandbox share one schema.
Start it with ``python -m sandbox.connectedcars``.
"""
