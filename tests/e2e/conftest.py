"""One small world through the whole graph, once for the package: the modules named test_whole_graph*
read it and share one build (`make test` keeps them on one worker, tests/conftest.py).

Modules that build a world of their own (backfill, anomalies, forget) set their environment inside it
and restore it.
"""

from __future__ import annotations

import os
from datetime import date

import pytest

from commands.runner import sandbox_clock
from sandbox.simulate import WorldSpec
from tests.support.environment import environment, project_env

E2E_SPEC = WorldSpec(seed=3, persons=300, days=14, start_date=date(2026, 10, 18))  # crosses the DST change


@pytest.fixture(scope="package")
def e2e_settings(tmp_path_factory):
    """Temp warehouse, sandbox and Dagster home for the e2e session; the environment is restored after."""
    from microfunnel.settings import load_settings

    env = project_env(tmp_path_factory.mktemp("e2e"))
    from ingestion.registry import selectable_sources

    # every registered source (the sandbox serves them all); their credentials are set only later
    every_source = ",".join(selectable_sources())
    env = {**env, "MICROFUNNEL_SOURCES": every_source, "MICROFUNNEL_FRESHNESS_AS_OF": sandbox_clock(E2E_SPEC)}
    with environment(env):
        yield load_settings()


@pytest.fixture(scope="package")
def e2e_defs(e2e_settings):
    from commands.runner import load_definitions

    return load_definitions(e2e_settings)


@pytest.fixture(scope="package")
def e2e_outcome(e2e_settings, e2e_defs):
    """Simulate, serve, run the graph as `microfunnel run` does, in-process, into the temp warehouse.

    Yields (settings, world, the run's result) once for the package.
    """
    from commands import runner
    from sandbox.world_files import write_world_files

    world = write_world_files(E2E_SPEC, e2e_settings.sandbox_dir)
    with runner.sandbox_apis(world) as source_env:
        os.environ.update(source_env)
        result = runner.materialize_graph(settings=e2e_settings)
    assert result.success, "the whole graph materializes"
    return e2e_settings, world, result


@pytest.fixture(scope="package")
def e2e_run(e2e_outcome):
    """(settings, world) after the whole graph ran."""
    settings, world, _ = e2e_outcome
    return settings, world
