"""A local simulator of the partner "Connectors API" (``python -m sandbox.connectors``)."""
