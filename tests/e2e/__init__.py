"""End-to-end tests: Home Assistant's test harness against the local sandbox on loopback."""
