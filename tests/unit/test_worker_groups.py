"""The order `make test` hands its worker groups out in (tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import LONGEST_GROUPS, worker_group

TESTS = Path(__file__).resolve().parents[1]


def test_every_longest_group_names_tests_that_exist():
    """A renamed module would silently lose its place at the front."""
    groups = {worker_group(path) for path in TESTS.rglob("test_*.py")}
    assert [group for group in LONGEST_GROUPS if group not in groups] == []
    assert len(set(LONGEST_GROUPS)) == len(LONGEST_GROUPS)


def test_a_package_sharing_a_build_is_one_group_and_other_modules_their_own():
    assert worker_group(Path("tests/operations/test_crash_safety.py")) == "operations"
    assert worker_group(Path("tests/operations/test_plain_dagster.py")) == "operations"
    assert worker_group(Path("tests/e2e/test_whole_graph_marts.py")) == "e2e/test_whole_graph"
    assert worker_group(Path("tests/e2e/test_backfill.py")) == "e2e/test_backfill"
