"""Local Enode API sandbox: a real aiohttp server with simulated vehicles and chargers.

It is an independent implementation of Enode's API (version 2024-10-01) used for contract
tests, end-to-end tests, benchmarks and demos; it never imports the integration it tests.
Start it with ``python -m sandbox`` or in-process with :class:`sandbox.server.SandboxServer`.
"""
