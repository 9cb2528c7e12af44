"""Root test configuration: fixtures that start real servers live in ``tests/support``."""

pytest_plugins = [
    "tests.support.server_fixtures",  # PostgreSQL and Azurite, started by the tests
    "tests.support.host_fixtures",  # the local host as a subprocess
]
