"""Reliability and security tests: faults, fuzzing, secrets and privacy."""
