"""Shared fixtures: small deterministic worlds and temp warehouses. Everything offline."""

from __future__ import annotations

import ipaddress
import os
import socket

import pytest

from microfunnel.settings import INGESTION_DIR

TEST_PII_KEY = "test-pii-key"


@pytest.fixture(autouse=True, scope="session")
def _offline_environment():
    """dlt reads ingestion/.dlt; PII hashing needs a key; nothing may reach a real vendor host."""
    os.environ.setdefault("DLT_PROJECT_DIR", str(INGESTION_DIR))
    os.environ.setdefault("PII_HASH_KEY", TEST_PII_KEY)
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    yield


@pytest.fixture(autouse=True, scope="session")
def _no_network_beyond_loopback():
    """Every API is emulated on 127.0.0.1: a connection anywhere else is a bug, so it fails loudly."""
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            raise ConnectionRefusedError(f"tests are offline: refused a connection to {address!r}")
        return real_connect(sock, address)

    socket.socket.connect = guarded_connect
    yield
    socket.socket.connect = real_connect


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
