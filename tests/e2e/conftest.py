"""One small world run through the whole graph once per session; e2e tests read its warehouse."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingestion.sandbox.simulate import WorldSpec

E2E_SPEC = WorldSpec(seed=3, persons=300, days=14)


@pytest.fixture(scope="session")
def e2e_run(tmp_path_factory):
    """Simulate, serve, run `microfunnel run` in-process into a temp warehouse; yield (settings, world)."""
    from ingestion.sandbox.world_files import write_world_files
    from microfunnel.settings import load_settings
    from orchestration import runner

    root: Path = tmp_path_factory.mktemp("e2e")
    env = {"WAREHOUSE_PATH": str(root / "warehouse.duckdb"), "SANDBOX_DIR": str(root / "sandbox"),
           "DAGSTER_HOME": str(root / "dagster_home")}
    saved = {key: os.environ.get(key) for key in [*env, "SOURCES__GA4__BUCKET_URL"]}
    os.environ.update(env)
    settings = load_settings()
    world = write_world_files(E2E_SPEC, settings.sandbox_dir)
    os.environ["SOURCES__GA4__BUCKET_URL"] = str(settings.sandbox_dir / "ga4")
    try:
        with runner.sandbox_apis(world) as source_env:
            os.environ.update(source_env)
            assert runner.run_graph(settings=settings) == 0, "the whole graph materializes"
        yield settings, world
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
