"""The test environment: offline defaults for the session, and temp warehouses per test.

tests/conftest.py turns these into fixtures: the session-wide environment (autouse) and
`settings`/`query` for a test's own temp warehouse.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from microfunnel.settings import INGESTION_DIR, Settings, load_settings

TEST_PII_KEY = "test-pii-key"  # the identity truth hashes the world's emails with the same key


def session_env(dagster_home: Path) -> dict[str, str]:
    """What every test runs under: dlt reads ingestion/.dlt, PII hashing has a known key, Dagster
    keeps its instance in a temp folder (never the developer's .dagster_home)."""
    return {
        "DLT_PROJECT_DIR": str(INGESTION_DIR),
        "PII_HASH_KEY": TEST_PII_KEY,
        "DAGSTER_HOME": str(dagster_home),
        "RUNTIME__LOG_LEVEL": os.environ.get("RUNTIME__LOG_LEVEL", "WARNING"),
    }


def project_env(root: Path) -> dict[str, str]:
    """Every path of a whole project run under `root`: warehouse, sandbox world, GA4 exports, Dagster."""
    return {
        "WAREHOUSE_PATH": str(root / "warehouse.duckdb"),
        "SANDBOX_DIR": str(root / "sandbox"),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "SOURCES__GA4__BUCKET_URL": str(root / "sandbox" / "ga4"),
    }


def temp_settings(root: Path) -> Settings:
    """Settings for a warehouse at `root/warehouse.duckdb`, without touching the environment."""
    return load_settings({"WAREHOUSE_PATH": str(root / "warehouse.duckdb")})


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set `values` in os.environ; afterwards the environment is exactly as before (added keys too)."""
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
