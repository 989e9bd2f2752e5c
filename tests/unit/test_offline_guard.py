import socket

import pytest


def test_tests_cannot_reach_a_real_vendor_host():
    with pytest.raises(ConnectionRefusedError, match="tests are offline"):
        socket.create_connection(("142.250.0.1", 443), timeout=1)
