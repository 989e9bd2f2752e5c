"""Fixtures for the API sources: one small world, a real sandbox HTTP server per test, temp warehouses.

Every test talks HTTP to the emulator on 127.0.0.1 (nothing is mocked) with retries made fast
through the sources' own config (SOURCES__BACKOFF_SECONDS etc.), so the whole folder runs in
well under a minute or two. `settings` and `query` (the test's temp warehouse) come from
tests/conftest.py; the helpers behind these fixtures from tests/support/sources.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ingestion.pipelines import make_pipeline, run_source
from microfunnel.settings import Settings
from sandbox.server import SandboxServer
from sandbox.simulate import World, simulate
from tests.support.sources import FAST_RETRIES, SPEC, Truth, build_source_models


@pytest.fixture(scope="session")
def world() -> World:
    return simulate(SPEC)


@pytest.fixture(scope="session")
def truth(world: World) -> Truth:
    return Truth(world)


@pytest.fixture
def server(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServer]:
    """A fresh emulator (fresh fault counters and credentials), with the sources pointed at it."""
    with SandboxServer(world) as sandbox:
        for key, value in {**sandbox.source_env(), **FAST_RETRIES}.items():
            monkeypatch.setenv(key, value)
        yield sandbox


@pytest.fixture
def load(settings: Settings) -> Callable:
    """Load one source into the temp warehouse, exactly as `python -m ingestion <source>` does."""
    return lambda source, **kwargs: run_source(source, settings, **kwargs)


@pytest.fixture
def pipeline(settings: Settings) -> Callable:
    return lambda source: make_pipeline(source, settings)


@pytest.fixture
def dbt_build(settings: Settings, tmp_path: Path) -> Callable[[], None]:
    """`dbt build` of our staging + ads models on the temp warehouse (see `build_source_models`)."""
    return lambda: build_source_models(settings.warehouse_path, tmp_path)
