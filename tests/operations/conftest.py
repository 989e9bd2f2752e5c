"""One small world simulated and served for the package; the reference warehouse built once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.operations.ops_runs import OPS_SPEC, MicrofunnelProcess, ServedWorld


@pytest.fixture(scope="package")
def served_world(tmp_path_factory) -> Iterator[ServedWorld]:
    from sandbox.server import SandboxServer
    from sandbox.world_files import write_world_files

    root = tmp_path_factory.mktemp("ops_world")
    world = write_world_files(OPS_SPEC, root)
    with SandboxServer(world) as server:
        yield ServedWorld(root, server.source_env())


@pytest.fixture(scope="package")
def uninterrupted_warehouse(served_world, tmp_path_factory) -> Path:
    """The reference: one `microfunnel run` from an empty warehouse, never interrupted."""
    warehouse = tmp_path_factory.mktemp("uninterrupted") / "warehouse.duckdb"
    code, output = MicrofunnelProcess.run(served_world.env(warehouse)).finish()
    assert code == 0, output
    warehouse.with_name("run-output.txt").write_text(output)
    return warehouse
