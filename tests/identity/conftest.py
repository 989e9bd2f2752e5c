"""A small sandbox world with all its planted dirt, loaded twice (a week before its end, then to
its end) into a temp warehouse, with the identity models built after each load."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.identity import IDENTITY_SPEC, build_identity, load_sources


@pytest.fixture(scope="session")
def identity_world(tmp_path_factory) -> dict:
    """The world, and the identity runs: a week before the end, rebuilt unchanged, then at the end."""
    from sandbox.simulate import simulate

    world = simulate(IDENTITY_SPEC)
    root = tmp_path_factory.mktemp("identity")
    warehouse = load_sources(world, root, as_of=IDENTITY_SPEC.end_date - timedelta(days=7))
    week_before = build_identity(warehouse)
    rebuilt = build_identity(warehouse)
    load_sources(world, root, as_of=None)
    final = build_identity(warehouse)
    return {
        "world": world,
        "warehouse": warehouse,
        "week_before": week_before,
        "rebuilt": rebuilt,
        "final": final,
    }
