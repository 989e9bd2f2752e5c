"""MICROFUNNEL_ENGINE picks dbt's target; the Spark paths reach dbt; a typo is refused by name."""

from __future__ import annotations

import pytest

from ingestion.registry import SourceSelection
from microfunnel.settings import load_settings
from orchestration.resources import manifest_folder


def test_duckdb_is_the_default_engine(tmp_path):
    settings = load_settings({"WAREHOUSE_PATH": str(tmp_path / "w.duckdb")})
    assert settings.engine == "duckdb"
    assert settings.dbt_env()["MICROFUNNEL_ENGINE"] == "duckdb"


def test_spark_paths_default_beside_the_warehouse_and_reach_dbt(tmp_path):
    settings = load_settings({"WAREHOUSE_PATH": str(tmp_path / "w.duckdb"), "MICROFUNNEL_ENGINE": "Spark"})
    assert settings.engine == "spark"
    assert settings.lake == tmp_path / "lake"
    assert settings.spark_tables == tmp_path / "spark"
    env = settings.dbt_env()
    assert (env["MICROFUNNEL_LAKE_PATH"], env["MICROFUNNEL_SPARK_WAREHOUSE"]) == (
        str(tmp_path / "lake"),
        str(tmp_path / "spark"),
    )


def test_the_lake_and_spark_dirs_can_be_set(tmp_path):
    settings = load_settings(
        {
            "WAREHOUSE_PATH": str(tmp_path / "w.duckdb"),
            "MICROFUNNEL_LAKE_PATH": str(tmp_path / "elsewhere"),
            "MICROFUNNEL_SPARK_WAREHOUSE": str(tmp_path / "tables"),
        }
    )
    assert (settings.lake, settings.spark_tables) == (tmp_path / "elsewhere", tmp_path / "tables")


def test_an_unknown_engine_is_refused_naming_the_variable_and_the_choices():
    with pytest.raises(ValueError, match=r"MICROFUNNEL_ENGINE='snowflake'.*duckdb, spark"):
        load_settings({"MICROFUNNEL_ENGINE": "snowflake"})


def test_each_engine_has_its_own_manifest():
    """Materializations differ by engine (incremental on DuckDB, tables on Spark): never one manifest."""
    selection = SourceSelection(enabled=("ga4",), decided_by="test")
    assert manifest_folder(selection, "duckdb") != manifest_folder(selection, "spark")
