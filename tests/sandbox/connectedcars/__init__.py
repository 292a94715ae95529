"""Tests of the Connected Cars sandbox."""
