"""One small world through the whole graph, once per module: keep e2e tests in one module (a run is slow)."""

from __future__ import annotations

import os

import pytest

from sandbox.simulate import WorldSpec
from tests.support.environment import environment, project_env

E2E_SPEC = WorldSpec(seed=3, persons=300, days=14)


@pytest.fixture(scope="module")
def e2e_settings(tmp_path_factory):
    """Temp warehouse, sandbox and Dagster home for the e2e session; the environment is restored after."""
    from microfunnel.settings import load_settings

    from ingestion.registry import selectable_sources

    # the graph is laid out before the sandbox serves its APIs: name the sources instead of
    # relying on credentials being configured at that moment
    every_source = {"MICROFUNNEL_SOURCES": ",".join(selectable_sources())}
    with environment({**project_env(tmp_path_factory.mktemp("e2e")), **every_source}):
        yield load_settings()


@pytest.fixture(scope="module")
def e2e_defs(e2e_settings):
    from commands.runner import load_definitions

    return load_definitions(e2e_settings)


@pytest.fixture(scope="module")
def e2e_run(e2e_settings, e2e_defs):
    """Simulate, serve, run `microfunnel run` in-process into the temp warehouse; yield (settings, world)."""
    from commands import runner
    from sandbox.world_files import write_world_files

    world = write_world_files(E2E_SPEC, e2e_settings.sandbox_dir)
    with runner.sandbox_apis(world) as source_env:
        os.environ.update(source_env)
        assert runner.run_graph(settings=e2e_settings) == 0, "the whole graph materializes"
    return e2e_settings, world
