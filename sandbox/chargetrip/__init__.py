"""Chargetrip sandbox: the connected-vehicle GraphQL API over simulated Enode vehicles."""
