"""Shared pytest configuration: fixture modules every test file may use."""

pytest_plugins = [
    "nssdb_fixtures",
    "https_echo",
    "server_fixtures",
    "tls_servers",
]
