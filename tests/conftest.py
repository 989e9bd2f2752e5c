"""Fixtures for every test: the offline environment, a temp warehouse, and the `slow` guard.

Helpers live in tests/support/ (`from tests.support.<module> import <name>`); fixtures here.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from microfunnel.settings import Settings
from tests.support import dbt
from tests.support.environment import environment, session_env, temp_settings
from tests.support.warehouse import rows


@pytest.fixture(autouse=True, scope="session")
def _offline_environment(tmp_path_factory):
    """dlt reads ingestion/.dlt; PII hashing has the test key; Dagster's home is a temp folder."""
    dagster_home = tmp_path_factory.mktemp("dagster_home")
    with environment(session_env(dagster_home)):
        yield


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for this test's own warehouse file in tmp_path (created by the first load)."""
    return temp_settings(tmp_path)


@pytest.fixture
def query(settings: Settings) -> Callable[[str], list[tuple]]:
    """Run SQL on this test's warehouse, read-only: `query("select count(*) from raw_ga4.events")`."""
    return lambda sql: rows(settings.warehouse_path, sql)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Only tests marked `slow` may run dbt, so `pytest -m "not slow"` stays fast by construction.

    Set before any fixture of the test is set up (module- and session-scoped ones included).
    """
    dbt.forbidden_reason = (
        None
        if item.get_closest_marker("slow")
        else f"{item.nodeid} runs dbt but is not marked slow: add `pytestmark = pytest.mark.slow`"
    )


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


# packages whose package- or session-scoped fixture builds a world that all their modules read
PACKAGES_SHARING_A_BUILD = {"operations", "identity", "sources"}
WHOLE_GRAPH_MODULES = "test_whole_graph"  # tests/e2e modules reading the e2e package's one build


def worker_group(test_file: Path) -> str:
    """The tests that must share a worker: what shares a build stays together, the rest by module."""
    if test_file.parent.name in PACKAGES_SHARING_A_BUILD:
        return test_file.parent.name
    if test_file.stem.startswith(WHOLE_GRAPH_MODULES):
        return f"{test_file.parent.name}/{WHOLE_GRAPH_MODULES}"
    return f"{test_file.parent.name}/{test_file.stem}"


# The worker groups that take the longest (a long shared build, or many dbt runs), longest first, by
# their setup + call seconds in one `make test` (2026-12-07: 386, 328, 275, 238, 131, 118, 99, 85,
# 80, 74, 49, 45 of 2,176 in all). They are handed out first, so the two workers end together
# instead of one running the last long group alone while the other waits (18.4 and 19.6 min against 21-26).
LONGEST_GROUPS = (
    "spark/test_spark_marts",
    "operations",
    "e2e/test_backfill",
    "models/test_funnel_incremental",
    "sources",
    "identity",
    "e2e/test_forget",
    "e2e/test_whole_graph",
    "models/test_source_combinations_build",
    "models/test_sessions_incremental",
    "models/test_dbt_project",
    "e2e/test_funnel_anomalies",
)


def pytest_collection_modifyitems(config, items):
    """The longest groups first (LONGEST_GROUPS), the rest in their usual order."""
    rank = {group: position for position, group in enumerate(LONGEST_GROUPS)}
    items.sort(key=lambda item: rank.get(worker_group(item.path), len(LONGEST_GROUPS)))


def pytest_xdist_make_scheduler(config, log):
    """`make test` runs two pytest-xdist workers; each `worker_group` goes to one of them whole, so
    module and package fixtures are built once, in the order collected. (xdist's own `loadgroup`
    marks no longer reach its scheduler under pytest 9, which stores node ids apart from the
    attribute xdist rewrites.)"""
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False  # the collection's order (longest groups first), not by test count

    class SharedBuildScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return worker_group(Path(nodeid.split("::", 1)[0]))

    return SharedBuildScheduling(config, log)
