"""Shared pytest configuration: fixture modules every test file may use."""

pytest_plugins = [
    "nssdb_fixtures",
    "server_fixtures",
]
