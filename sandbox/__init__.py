"""Local provider sandboxes: real aiohttp servers with simulated vehicles and chargers.

Each provider has its own package (``sandbox.enode``, ``sandbox.hiven``,
``sandbox.connectedcars``, ``sandbox.chargetrip``, ``sandbox.connectors``), an independent
implementation of that provider's API used for contract tests, end-to-end tests, benchmarks
and demos; none imports the integration it tests. The modules at this level are what the
sandboxes share: the loopback server base, the simulated clock, fault injection and problem
bodies. Start one with
``python -m sandbox.enode``, ``python -m sandbox.hiven``, ``python -m sandbox.connectedcars``,
``python -m sandbox.chargetrip`` or ``python -m sandbox.connectors``.
"""
