"""One small world through the whole graph, once per module: keep e2e tests in one module (a run is slow)."""

from __future__ import annotations

import os
from datetime import date

import pytest

from sandbox.simulate import WorldSpec
from tests.support.environment import environment, project_env

# Crosses the last Sunday of October: Berlin and London have a 25-hour day on the 25th.
E2E_SPEC = WorldSpec(seed=3, persons=300, days=14, start_date=date(2026, 10, 18))


@pytest.fixture(scope="module")
def e2e_settings(tmp_path_factory):
    """Temp warehouse, sandbox and Dagster home for the e2e session; the environment is restored after."""
    from microfunnel.settings import load_settings

    with environment(project_env(tmp_path_factory.mktemp("e2e"))):
        yield load_settings()


@pytest.fixture(scope="module")
def e2e_world(e2e_settings):
    """The world's files written and its vendor APIs served, their env set before the code location loads:
    which sources are on (and so which assets and dbt models exist) is decided from that env."""
    from commands import runner
    from sandbox.world_files import write_world_files

    world = write_world_files(E2E_SPEC, e2e_settings.sandbox_dir)
    with runner.sandbox_apis(world) as source_env:
        os.environ.update(source_env)
        yield world


@pytest.fixture(scope="module")
def e2e_defs(e2e_settings, e2e_world):
    from commands.runner import load_definitions

    return load_definitions(e2e_settings)


@pytest.fixture(scope="module")
def e2e_run(e2e_settings, e2e_world, e2e_defs):
    """`microfunnel run` in-process into the temp warehouse, sandbox served; yield (settings, world)."""
    from commands import runner

    assert runner.run_graph(settings=e2e_settings) == 0, "the whole graph materializes"
    return e2e_settings, e2e_world
