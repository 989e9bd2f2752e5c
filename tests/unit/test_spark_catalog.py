"""After a Spark build, Spark's tables in the DuckDB warehouse file: marts copied, other tables
viewed, Spark's scratch tables left out, a table Spark dropped dropped here too."""

from __future__ import annotations

import duckdb

from microfunnel.settings import load_settings
from microfunnel.spark_catalog import mirror_spark_tables


def spark_table(root, schema, table, sql):
    folder = root / f"{schema}.db" / table
    folder.mkdir(parents=True)
    with duckdb.connect() as connection:
        connection.execute(f"copy ({sql}) to '{folder}/part-00000.snappy.parquet' (format parquet)")


def test_marts_are_copied_other_tables_viewed_and_scratch_left_out(tmp_path):
    settings = load_settings({"WAREHOUSE_PATH": str(tmp_path / "w.duckdb"), "MICROFUNNEL_ENGINE": "spark"})
    spark = settings.spark_tables
    spark_table(
        spark,
        "marts",
        "fct_orders",
        "select 1 as order_id, 9.99::decimal(18, 2) as revenue, "
        "'2026-10-25 01:30:00+00'::timestamptz as ordered_at",
    )
    spark_table(spark, "intermediate", "int_person_events", "select 'page_view' as event_name")
    spark_table(spark, "intermediate", "int_identity_components__cc_components", "select 1 as node_id")
    spark_table(spark, "seeds", "ga4_source_categories", "select 'google' as source")

    docs = {"fct_orders": ("One row per order.", {"revenue": "Net revenue.", "not_there": "ignored"})}
    assert mirror_spark_tables(settings, docs) == {"marts.fct_orders": 1}
    assert mirror_spark_tables(settings, docs) == {"marts.fct_orders": 1}  # again: replaced, not doubled

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        tables = connection.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        views = connection.execute(
            "select schema_name, view_name from duckdb_views() where not internal"
        ).fetchall()
        assert connection.execute(
            "select order_id, ordered_at::varchar from marts.fct_orders"
        ).fetchall() == [
            (1, "2026-10-25 01:30:00")  # Spark's instant as the naive UTC timestamp a DuckDB build has
        ]
        assert connection.execute(
            "select comment from duckdb_tables() where table_name = 'fct_orders'"
        ).fetchall() == [("One row per order.",)]
        assert connection.execute(
            "select comment from duckdb_columns() where table_name = 'fct_orders' and column_name = 'revenue'"
        ).fetchall() == [("Net revenue.",)]
    assert tables == [("marts", "fct_orders")]
    assert sorted(views) == [("intermediate", "int_person_events"), ("seeds", "ga4_source_categories")]


def test_a_table_spark_no_longer_has_is_dropped(tmp_path):
    settings = load_settings({"WAREHOUSE_PATH": str(tmp_path / "w.duckdb"), "MICROFUNNEL_ENGINE": "spark"})
    spark_table(settings.spark_tables, "marts", "fct_old", "select 1 as x")
    mirror_spark_tables(settings)
    (settings.spark_tables / "marts.db" / "fct_old" / "part-00000.snappy.parquet").unlink()
    mirror_spark_tables(settings)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        assert connection.execute(
            "select count(*) from duckdb_tables() where schema_name = 'marts'"
        ).fetchall() == [(0,)]
