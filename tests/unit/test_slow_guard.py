"""`pytest -m "not slow"` stays fast by construction: a test not marked slow cannot start dbt."""

import pytest

from tests.support.dbt import run_dbt


def test_a_test_not_marked_slow_that_runs_dbt_fails_and_says_to_mark_it(tmp_path):
    with pytest.raises(RuntimeError, match=r"runs dbt but is not marked slow: add `pytestmark"):
        run_dbt("parse", warehouse=tmp_path / "warehouse.duckdb")
    assert not (tmp_path / "dbt_target").exists(), "dbt never started"
