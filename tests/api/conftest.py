"""The API tests' shared fixtures."""

import pytest


@pytest.fixture(scope="session")
def httpserver_listen_address():
    """pytest-httpserver's webhook receiver (BEY-2) listens on 127.0.0.1, on a free port."""
    return ("127.0.0.1", 0)
