"""Local Hiven sandbox: the Hiven vehicle API with simulated Smartcar cars, on loopback.

It implements the documented calls and, for what the document leaves open, exactly the
choices of ``custom_components.connected_ev.api.hiven.assumptions``.
"""
