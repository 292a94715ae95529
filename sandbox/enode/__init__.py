"""Local simulator of Enode's API, for tests and the demo (`python -m sandbox.enode`)."""
