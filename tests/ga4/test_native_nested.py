"""GA4's nested columns are kept as DuckDB's STRUCT and LIST types (ingestion/native_nested.py): a
first load creates them so, a warehouse whose columns an older release stored as JSON text is
converted once on its next load, and the staging models read both forms to the same rows."""

import duckdb
import pyarrow as pa
import pytest

from ingestion.native_nested import is_nested, prepare_native_tables
from ingestion.pipelines import run_source
from ingestion.sources.ga4 import events_schema
from ingestion.sources.ga4.settings import SPEC
from sandbox.ga4_export import write_ga4_export
from sandbox.simulate import WorldSpec, simulate
from tests.support.dbt import run_dbt
from tests.support.environment import temp_settings

pytestmark = pytest.mark.slow  # dlt loads and dbt runs

NESTED = [field.name for field in events_schema() if is_nested(field.type)]
STAGING = ("stg_ga4__events", "stg_ga4__event_items", "stg_ga4__event_properties")


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ga4")
    write_ga4_export(simulate(WorldSpec(seed=8, persons=60, days=5)), folder)
    return folder


def column_types(warehouse) -> dict[str, str]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return dict(
            connection.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw_ga4' and table_name = 'events'"
            ).fetchall()
        )


def load_as_json_text(settings, export, monkeypatch):
    """A load as the release before native columns made it: dlt creates the table, nested as JSON."""
    with monkeypatch.context() as patched:
        patched.setattr("ingestion.native_nested.prepare_native_tables", lambda *_: {})
        run_source("ga4", settings, bucket_url=str(export))


def nested_json_texts(warehouse) -> list[tuple]:
    columns = ", ".join(f'cast("{name}" as json)::varchar' for name in NESTED)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return sorted(connection.execute(f"select event_key, {columns} from raw_ga4.events").fetchall())


def staged(warehouse, model: str) -> list[tuple]:
    """The model's rows as text, nested values as their JSON: stg_ga4__event_properties gives
    items[] as the raw table keeps them (a native list on one warehouse, JSON text on the other)."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        columns = [  # not the load's clock, which differs between the two loads
            f'to_json("{name}")::varchar'
            if data_type.endswith("[]") or data_type.startswith("STRUCT")
            else f'"{name}"::varchar'
            for (name, data_type) in connection.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_name = ? order by ordinal_position",
                [model],
            ).fetchall()
            if name != "_extracted_at"
        ]
        return sorted(connection.execute(f"select {', '.join(columns)} from staging.{model}").fetchall())


def test_a_first_load_creates_the_nested_columns_natively_with_the_text_json_had(
    tmp_path, export, monkeypatch
):
    native, text = temp_settings(tmp_path / "native"), temp_settings(tmp_path / "text")
    run_source("ga4", native, bucket_url=str(export))
    load_as_json_text(text, export, monkeypatch)

    native_types, text_types = column_types(native.warehouse_path), column_types(text.warehouse_path)
    assert {name: text_types[name] for name in NESTED} == dict.fromkeys(NESTED, "JSON")
    assert all(
        native_types[name].startswith(("STRUCT", "MAP")) or native_types[name].endswith("[]")
        for name in NESTED
    )
    assert native_types.keys() == text_types.keys(), "the same columns, in dlt's names"
    rows = nested_json_texts(native.warehouse_path)
    assert len(rows) > 500
    assert rows == nested_json_texts(text.warehouse_path), (
        "the JSON of each native value is the text stored before"
    )


def test_a_warehouse_with_json_text_columns_is_converted_once_and_keeps_loading(
    tmp_path, export, monkeypatch
):
    settings = temp_settings(tmp_path)
    load_as_json_text(settings, export, monkeypatch)
    before = nested_json_texts(settings.warehouse_path)

    heard: list[str] = []
    assert prepare_native_tables(settings, SPEC, heard.append) == {"events": NESTED}
    assert "raw_ga4.events: converting event_params" in heard[0] and "once" in heard[0], heard
    assert heard[1].startswith("raw_ga4.events: converted in "), heard
    assert prepare_native_tables(settings, SPEC, heard.append) == {"events": []}, "converted once"
    assert len(heard) == 2, "nothing to say the second time"
    run_source("ga4", settings, bucket_url=str(export), start_date="2026-10-02", end_date="2026-10-02")

    types = column_types(settings.warehouse_path)
    assert not [name for name in NESTED if types[name] == "JSON"]
    assert nested_json_texts(settings.warehouse_path) == before, "a re-read day loads into the native columns"


def test_staging_reads_native_and_json_text_columns_to_the_same_rows(tmp_path, export, monkeypatch):
    native, text = temp_settings(tmp_path / "native"), temp_settings(tmp_path / "text")
    run_source("ga4", native, bucket_url=str(export))
    load_as_json_text(text, export, monkeypatch)
    for settings in (native, text):
        run_dbt("run", "--select", *STAGING, warehouse=settings.warehouse_path)
    for model in STAGING:
        rows = staged(native.warehouse_path, model)
        assert rows, model
        assert rows == staged(text.warehouse_path, model), model


def test_the_schema_the_native_table_is_created_from_is_what_the_source_yields():
    from ingestion.sources.ga4 import _keyed_day, _with_file_columns
    from microfunnel.ga4_export_schema import GA4_EXPORT_SCHEMA

    with duckdb.connect() as keys:
        yielded = _keyed_day(
            [_with_file_columns(GA4_EXPORT_SCHEMA.empty_table(), "", None, None)], None, keys
        )
    assert yielded.schema.equals(events_schema())
    assert [field.nullable for field in yielded.schema] == [field.nullable for field in events_schema()]
    assert isinstance(SPEC.arrow_schema("events"), pa.Schema)


def test_a_native_column_of_an_older_shape_is_widened_and_keeps_its_values(tmp_path, export):
    """A release that adds a field to a record converts the column once; the old rows read null there."""
    settings = temp_settings(tmp_path)
    run_source("ga4", settings, bucket_url=str(export))
    with duckdb.connect(str(settings.warehouse_path)) as connection:  # device as an older schema had it
        connection.execute(
            "alter table raw_ga4.events alter device set data type struct(category varchar) "
            "using struct_pack(category := device.category)"
        )
        categories = sorted(
            connection.execute("select event_key, device.category from raw_ga4.events").fetchall()
        )

    assert prepare_native_tables(settings, SPEC, lambda _: None) == {"events": ["device"]}
    run_source("ga4", settings, bucket_url=str(export), start_date="2026-10-02", end_date="2026-10-02")

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        assert (
            sorted(connection.execute("select event_key, device.category from raw_ga4.events").fetchall())
            == categories
        )
        [(kept_old,)] = connection.execute(
            "select count(*) from raw_ga4.events "
            "where _export_day <> '2026-10-02' and device.web_info is null"
        ).fetchall()
    assert kept_old > 0, "the rows loaded before the widening read null in the new field"
    assert column_types(settings.warehouse_path)["device"].startswith(
        "STRUCT(category VARCHAR, mobile_brand_name"
    )
