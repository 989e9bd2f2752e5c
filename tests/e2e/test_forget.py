"""Erasure on request: after `microfunnel forget --email`, no trace of the person remains anywhere the
pipeline keeps data, a re-ingest of the same source data does not bring them back, and everybody
else's marts are as they were.

A world of its own (GA4, Shopify, Klaviyo; 200 persons over 10 days) is built once; the person is
one the sandbox's truth says has an email, orders and several browsers, all of which the identity
graph joined into one person (what the graph never linked to them, no erasure by them can find).
Then: forget by email (the raw address), search every table of the warehouse, the serving file,
dlt's state and its working folder for each of their identifiers; then wipe dlt's cursors so every
source reads everything again (the export files and the sandbox APIs still hold the person) and
search again.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import shutil
from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from commands.runner import materialize_graph, sandbox_apis, sandbox_clock
from microfunnel.settings import load_settings
from sandbox.simulate import WorldSpec
from sandbox.truth import identifier_truth, warehouse_persons
from sandbox.world_files import write_world_files
from tests.support.environment import TEST_PII_KEY, environment
from tests.support.marts import mart_differences

pytestmark = pytest.mark.slow

SPEC = WorldSpec(seed=7, persons=200, days=10, start_date=date(2026, 10, 5))
GRAPH_TYPES = {"anonymous_id", "user_id", "customer_id", "email_hash", "order_id", "gclid", "fbclid"}
OTHERS = {  # marts compared row for row, without the person, before and after the forget
    "dim_persons": "person_id",
    "dim_person_identifiers": "person_id",
    "fct_orders": "person_id",
    "fct_sessions": "person_id",
    "fct_funnel_steps": "person_id",
    "fct_micro_conversions": "person_id",
}


def full_run(settings) -> None:
    result = materialize_graph(settings=settings, verbose=False)
    failed = [e.step_key for e in result.all_events if e.is_step_failure]
    assert result.success, f"the run failed in {failed}"


def choose_person(world, warehouse: Path) -> tuple[str, set[tuple[str, str]], str]:
    """(true person, their identifiers, the email they typed): one with an email, orders and at least
    two browsers, none shared, all joined by the graph into one person holding nothing else."""
    owned: dict[str, set[tuple[str, str]]] = defaultdict(set)
    shared: set[str] = set()
    for truth in identifier_truth(world, TEST_PII_KEY, email_marketing=True):
        for person in truth.persons:
            owned[person].add((truth.identifier_type, truth.identifier_value))
            if truth.is_shared:
                shared.add(person)
    graph = warehouse_persons(warehouse)
    by_graph_person: dict[str, set] = defaultdict(set)
    for identifier, person in graph.items():
        by_graph_person[person].add(identifier)
    for person in sorted(owned):
        ids = owned[person]
        kinds = [kind for kind, _ in ids]
        if (
            person in shared
            or kinds.count("anonymous_id") < 2
            or "order_id" not in kinds
            or "email_hash" not in kinds
        ):
            continue
        in_graph = {graph.get(identifier) for identifier in ids if identifier[0] in GRAPH_TYPES}
        if len(in_graph) == 1 and None not in in_graph:
            (graph_person,) = in_graph
            if by_graph_person[graph_person] <= ids:
                email = next(order.email for order in world.orders if order.person.person_id == person)
                return person, ids, email
    raise AssertionError("the world has no person with an email, orders and two browsers the graph joined")


def traces_in_database(
    connection: duckdb.DuckDBPyConnection, values: list[str], database: str
) -> dict[str, int]:
    """{schema.table: rows whose text holds any of `values`}, over every table and view of `database`."""
    found = {}
    relations = connection.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? "
        "union all select schema_name, view_name from duckdb_views() "
        "where database_name = ? and not internal",
        [database, database],
    ).fetchall()
    condition = " or ".join("contains(cast(row_value as varchar), ?)" for _ in values)
    for schema, table in relations:
        (count,) = connection.execute(
            f'select count(*) from (select t as row_value from {database}.{schema}."{table}" t) '
            f"where {condition}",
            values,
        ).fetchone()
        if count:
            found[f"{schema}.{table}"] = count
    return found


def traces(path: Path, values: list[str]) -> dict[str, int]:
    with duckdb.connect() as connection:
        connection.execute(f"attach '{path}' as searched (read_only)")
        return traces_in_database(connection, values, "searched")


def traces_in_dlt_state(warehouse: Path, values: list[str]) -> list[str]:
    from dlt.common.versioned_state import decompress_state

    found = []
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        schemas = connection.execute(
            "select schema_name from duckdb_tables() where table_name = '_dlt_pipeline_state'"
        ).fetchall()
        for (schema,) in schemas:
            for (state,) in connection.execute(f"select state from {schema}._dlt_pipeline_state").fetchall():
                text = json.dumps(decompress_state(state), default=str)
                found += [f"{schema}._dlt_pipeline_state: {v}" for v in values if v in text]
    return found


def traces_in_folder(folder: Path, values: list[str]) -> list[str]:
    """Files under `folder` (Parquet read, gzip opened, the rest as bytes) that hold any of `values`."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            text = json.dumps(pq.read_table(path).to_pylist(), default=str)
        elif path.suffix == ".gz":
            text = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        else:
            text = path.read_bytes().decode("utf-8", "replace")
        found += [f"{path.relative_to(folder)}: {v}" for v in values if v in text]
    return found


def others(warehouse: Path, person_ids: list[str]) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {
            table: sorted(
                connection.execute(
                    f"select * from marts.{table} where {column} not in (select unnest(?))", [person_ids]
                ).fetchall(),
                key=repr,
            )
            for table, column in OTHERS.items()
        }


def totals(warehouse: Path) -> tuple[int, int, float]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(
            "select (select count(*) from marts.dim_persons), count(*), sum(revenue) from marts.fct_orders"
        ).fetchone()


def summary_counts(output: str) -> dict[str, int]:
    """{table: rows} from the forget summary's lines `  schema.table   N`."""
    counts = {}
    for line in output.splitlines():
        parts = line.split()
        if line.startswith("  ") and len(parts) == 2 and "." in parts[0] and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    return counts


@pytest.fixture(scope="module")
def erasure(tmp_path_factory):
    from commands.forget import forget

    root = tmp_path_factory.mktemp("forget")
    env = {
        "WAREHOUSE_PATH": str(root / "warehouse.duckdb"),
        "SANDBOX_DIR": str(root / "sandbox"),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "SOURCES__GA4__BUCKET_URL": str(root / "sandbox" / "ga4"),
        "MICROFUNNEL_SOURCES": "ga4,shopify,klaviyo",
        "MICROFUNNEL_FRESHNESS_AS_OF": sandbox_clock(SPEC),
        "MICROFUNNEL_FIRST_EXPORT_DAY": SPEC.start_date.isoformat(),
    }
    with environment(env):
        settings = load_settings()
        warehouse, pipelines = settings.warehouse_path, settings.warehouse_path.parent / ".dlt_pipelines"
        world = write_world_files(SPEC, settings.sandbox_dir)
        with sandbox_apis(world) as source_env:
            os.environ.update(source_env)
            full_run(settings)
            person, identifiers, email = choose_person(world, warehouse)
            with duckdb.connect(str(warehouse), read_only=True) as connection:
                email_hash = next(value for kind, value in identifiers if kind == "email_hash")
                (person_id,) = connection.execute(
                    "select person_id from marts.dim_person_identifiers where identifier_value = ?",
                    [email_hash],
                ).fetchone()
                profiles = [
                    row[0]
                    for row in connection.execute(
                        "select id from raw_klaviyo.profiles where email_hash = ?", [email_hash]
                    ).fetchall()
                ]
                order_names = [
                    row[0]
                    for row in connection.execute(
                        "select order_name from marts.fct_orders where person_id = ?", [person_id]
                    ).fetchall()
                ]
                graph_identifiers = connection.execute(
                    "select count(*) from marts.dim_person_identifiers where person_id = ?", [person_id]
                ).fetchone()[0]
            values = sorted({value for _, value in identifiers} | {email, person_id, *profiles, *order_names})
            before = {
                "traces": traces(warehouse, values),
                "others": others(warehouse, [person_id]),
                "totals": totals(warehouse),
                "their_orders": [(kind, v) for kind, v in identifiers if kind == "order_id"],
            }
            with duckdb.connect(str(warehouse), read_only=True) as connection:
                before["their_revenue"] = connection.execute(
                    "select sum(revenue) from marts.fct_orders where person_id = ?", [person_id]
                ).fetchone()[0]
            output = io.StringIO()
            with contextlib.redirect_stdout(output):
                code = forget(email=email.upper(), settings=settings)
            after = {
                "code": code,
                "output": output.getvalue(),
                "traces": traces(warehouse, values),
                "serving": traces(settings.serving_path, values),
                "state": traces_in_dlt_state(warehouse, values),
                "folder": traces_in_folder(pipelines, values),
                "others": others(warehouse, [person_id]),
                "totals": totals(warehouse),
            }
            shutil.copy(warehouse, root / "after_forget.duckdb")
            # A re-ingest: dlt forgets its cursors (working folder and the state stored with the data),
            # so every source reads everything again from the same files and APIs.
            shutil.rmtree(pipelines)
            with duckdb.connect(str(warehouse)) as connection:
                for (schema,) in connection.execute(
                    "select schema_name from duckdb_tables() where table_name = '_dlt_pipeline_state'"
                ).fetchall():
                    connection.execute(f"delete from {schema}._dlt_pipeline_state")
                loads_before = connection.execute("select count(*) from raw_ga4._dlt_loads").fetchone()[0]
            full_run(settings)
            with duckdb.connect(str(warehouse), read_only=True) as connection:
                loads_after = connection.execute("select count(*) from raw_ga4._dlt_loads").fetchone()[0]
            reingested = {
                "traces": traces(warehouse, values),
                "serving": traces(settings.serving_path, values),
                "state": traces_in_dlt_state(warehouse, values),
                "folder": traces_in_folder(pipelines, values),
                "marts": mart_differences(root / "after_forget.duckdb", warehouse),
                "new_loads": loads_after - loads_before,
                "export_files": traces_in_folder(settings.sandbox_dir / "ga4", values),
            }
    yield {
        "person": person,
        "identifiers": identifiers,
        "graph_identifiers": graph_identifiers,
        "before": before,
        "after": after,
        "reingested": reingested,
    }


def test_the_chosen_person_has_an_email_orders_and_several_browsers(erasure):
    kinds = [kind for kind, _ in erasure["identifiers"]]
    assert kinds.count("anonymous_id") >= 2 and "order_id" in kinds and "email_hash" in kinds
    assert erasure["before"]["traces"]["raw_ga4.events"] > 0
    assert erasure["before"]["traces"]["raw_shopify.orders"] == kinds.count("order_id")


def test_forget_by_email_succeeds_and_its_summary_counts_the_rows_that_existed(erasure):
    after, before = erasure["after"], erasure["before"]
    assert after["code"] == 0, after["output"]
    counted = summary_counts(after["output"])
    raw_before = {table: n for table, n in before["traces"].items() if table.split(".")[0].startswith("raw_")}
    raw_counted = {table: n for table, n in counted.items() if table.split(".")[0].startswith("raw_")}
    assert raw_counted == raw_before, "every raw row that held them, and only those, was deleted"
    assert counted["marts.dim_persons"] == 1
    assert counted["marts.fct_orders"] == len(before["their_orders"])
    assert counted["marts.dim_person_identifiers"] == erasure["graph_identifiers"]
    assert "verified: neither the models nor the serving file" in after["output"]


def test_no_trace_of_them_remains_after_the_forget(erasure):
    after = erasure["after"]
    assert after["traces"] == {}, "no table or view of the warehouse holds any identifier of theirs"
    assert after["serving"] == {}, "nor does the serving file"
    assert after["state"] == [], "nor dlt's state"
    assert after["folder"] == [], "nor dlt's working folder (load packages, state, traces)"


def test_everybody_elses_marts_are_unchanged(erasure):
    before, after = erasure["before"], erasure["after"]
    for table in OTHERS:
        assert after["others"][table] == before["others"][table], f"marts.{table} changed for others"
    persons, orders, revenue = before["totals"]
    assert after["totals"] == (
        persons - 1,
        orders - len(before["their_orders"]),
        pytest.approx(revenue - before["their_revenue"]),
    )


def test_a_reingest_of_the_same_source_data_does_not_bring_them_back(erasure):
    reingested = erasure["reingested"]
    assert reingested["export_files"], "the GA4 export files still hold them"
    assert reingested["new_loads"] > 0, "GA4 was read again"
    assert reingested["traces"] == {}
    assert reingested["serving"] == {}
    assert reingested["state"] == []
    assert reingested["folder"] == []
    assert reingested["marts"] == [], "the re-ingest rebuilds exactly the marts the forget left"
