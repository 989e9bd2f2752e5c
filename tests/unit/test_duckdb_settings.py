"""MICROFUNNEL_DUCKDB_MEMORY_LIMIT / _TEMP_DIR: one bound on memory for every writer of the warehouse."""

import pytest

from microfunnel.settings import load_settings
from tests.support.dbt import run_dbt


def test_defaults_are_duckdbs_own_with_the_spill_folder_beside_the_warehouse(tmp_path):
    settings = load_settings({"WAREHOUSE_PATH": str(tmp_path / "w.duckdb")})
    assert settings.dbt_env()["MICROFUNNEL_DUCKDB_MEMORY_LIMIT"] == "80%"
    assert settings.dbt_env()["MICROFUNNEL_DUCKDB_TEMP_DIR"] == f"{tmp_path / 'w.duckdb'}.tmp"
    assert settings.dlt_duckdb_config() == {"memory_limit": "80%", "preserve_insertion_order": False}


def test_the_settings_reach_dbt_through_its_environment(tmp_path):
    env = {"MICROFUNNEL_DUCKDB_MEMORY_LIMIT": "4GB", "MICROFUNNEL_DUCKDB_TEMP_DIR": str(tmp_path / "spill")}
    dbt_env = load_settings(env).dbt_env()
    assert dbt_env["MICROFUNNEL_DUCKDB_MEMORY_LIMIT"] == "4GB"
    assert dbt_env["MICROFUNNEL_DUCKDB_TEMP_DIR"] == str(tmp_path / "spill")


@pytest.mark.parametrize("text", ["lots", "4", "4 parsecs", "-1GB"])
def test_a_limit_duckdb_would_not_take_is_refused_naming_the_variable(text):
    with pytest.raises(
        ValueError, match="MICROFUNNEL_DUCKDB_MEMORY_LIMIT=.*e.g. MICROFUNNEL_DUCKDB_MEMORY_LIMIT=4GB"
    ):
        load_settings({"MICROFUNNEL_DUCKDB_MEMORY_LIMIT": text})


@pytest.mark.slow
def test_dlt_takes_the_limit_and_dbt_the_limit_and_the_temp_dir(tmp_path, monkeypatch):
    """The two writers, through their real configuration paths (dlt credentials, dbt's profile).
    dlt keeps DuckDB's default temp dir (see Settings.dlt_duckdb_config)."""
    from ingestion.pipelines import make_pipeline

    env = {
        "WAREHOUSE_PATH": str(tmp_path / "w.duckdb"),
        "MICROFUNNEL_DUCKDB_MEMORY_LIMIT": "1GB",
        "MICROFUNNEL_DUCKDB_TEMP_DIR": str(tmp_path / "spill"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with make_pipeline("ga4", load_settings()).sql_client() as client:
        [(limit, temp, ordered)] = client.execute_sql(
            "select current_setting('memory_limit'), current_setting('temp_directory'), "
            "current_setting('preserve_insertion_order')"
        )
    assert (limit, temp, ordered) == ("953.6 MiB", f"{tmp_path / 'w.duckdb'}.tmp", False)

    shown = run_dbt(
        "show",
        "--quiet",
        "--output",
        "json",
        "--inline",
        "select current_setting('memory_limit') as m, current_setting('temp_directory') as t",
        warehouse=tmp_path / "w.duckdb",
    )
    assert "953.6 MiB" in shown.stdout and str(tmp_path / "spill") in shown.stdout
