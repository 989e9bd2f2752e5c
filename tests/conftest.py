"""Shared fixtures: small deterministic worlds and temp warehouses. Everything offline."""

from __future__ import annotations

import os

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
