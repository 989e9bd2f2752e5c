"""The session models incremental by session, and the person timeline and paths incremental by
person, equal a full refresh, row for row.

A small sandbox world is loaded from GA4 export files and built; then the oldest day is re-exported
with changes (one session loses all its events, another gains an event, a third's landing page is
corrected under unchanged event keys) and a new day arrives. The incremental build must recompute
those sessions (and only a few) and their persons' timelines, and equal a --full-refresh of the
same warehouse. A run that stops
right after the fingerprints must not make the next run skip anything.
"""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from sandbox.simulate import WorldSpec, simulate
from tests.support.dbt import run_dbt
from tests.support.environment import temp_settings
from tests.support.warehouse import rows

pytestmark = pytest.mark.slow

SPEC = WorldSpec(seed=5, persons=300, days=10)
INCREMENTAL = (
    "int_sessions_aggregated",
    "int_engagement_conversions_reached",
    "int_person_events",
    "int_person_paths",
    "int_person_conversion_paths",
    "int_person_micro_conversions_done",
)
MARTS = ("fct_path_transitions", "fct_conversion_paths", "fct_micro_conversion_impact")  # counted from them
MODELS = " ".join(f"+{model}" for model in (*INCREMENTAL, *MARTS))
FINGERPRINTS = {  # incremental model -> (its fingerprint model, key)
    "int_sessions_aggregated": ("int_session_fingerprints", "session_key"),
    "int_engagement_conversions_reached": ("int_session_fingerprints", "session_key"),
    "int_person_events": ("int_person_event_fingerprints", "person_id"),
    "int_person_paths": ("int_person_path_fingerprints", "person_id"),
    "int_person_conversion_paths": ("int_person_path_fingerprints", "person_id"),
    "int_person_micro_conversions_done": ("int_person_path_fingerprints", "person_id"),
}


def source_vars() -> dict[str, object]:
    from ingestion.registry import SourceSelection

    return SourceSelection(("config", "ga4"), "session tests").dbt_vars()


def load(root: Path, catalog: Path | None = None) -> None:
    from ingestion.pipelines import run_source
    from microfunnel.settings import PROJECT_ROOT

    settings = temp_settings(root)
    run_source("ga4", settings, bucket_url=str(root / "ga4"))
    run_source("config", settings, catalog_path=str(catalog or PROJECT_ROOT / "conversions.yml"))


def build(warehouse: Path, *flags: str, select: str = MODELS) -> None:
    run_dbt("run", "--select", *select.split(), *flags, warehouse=warehouse, variables=source_vars())


def table(warehouse: Path, model: str, schema: str = "intermediate") -> list[tuple]:
    return rows(warehouse, f"select * from {schema}.{model} order by all")


def session_count(warehouse: Path) -> int:
    [(count,)] = rows(warehouse, "select count(*) from intermediate.int_sessions_aggregated")
    return count


@pytest.fixture(scope="module")
def first_build(tmp_path_factory) -> dict:
    """The world's export files up to two days before its end, loaded and built once."""
    from sandbox.ga4_export import write_ga4_export

    world = simulate(SPEC)
    root = tmp_path_factory.mktemp("sessions")
    write_ga4_export(world, root / "ga4", as_of=SPEC.end_date - timedelta(days=2))
    load(root)
    run_dbt("seed", warehouse=root / "warehouse.duckdb", variables=source_vars())  # channel rules
    build(root / "warehouse.duckdb")
    return {"world": world, "root": root}


def copy_of(root: Path, tmp_path: Path, name: str = "incremental") -> Path:
    copy = tmp_path / name
    shutil.copytree(root, copy)
    return copy


def change_the_data(root: Path, world) -> dict[str, str]:
    """Re-export the oldest day with three changes and export the world's later days."""
    from sandbox.ga4_export import write_ga4_export

    oldest = sorted((root / "ga4").glob("events_*.json"))[0]
    events = [json.loads(line) for line in oldest.read_text().splitlines()]

    def session(event) -> str:
        ids = {p["key"]: p["value"] for p in event["event_params"]}
        return f"{event['user_pseudo_id']}-{ids.get('ga_session_id', {}).get('int_value')}"

    keys = sorted({session(e) for e in events})
    removed, grown, corrected = keys[0], keys[1], keys[2]
    kept = [e for e in events if session(e) != removed]
    extra = dict(next(e for e in kept if session(e) == grown))
    extra["event_timestamp"] = str(int(extra["event_timestamp"]) + 1_000)
    extra["event_name"] = "page_view"
    for event in kept:
        if session(event) == corrected:
            for param in event["event_params"]:
                if param["key"] == "page_location":
                    param["value"] = {"string_value": "https://shop.example/corrected-landing"}
    write_ga4_export(world, root / "ga4", as_of=None)  # the later days; rewrites only changed files
    oldest.write_text("\n".join(json.dumps(e) for e in [*kept, extra]) + "\n")  # the newest file
    return {"removed": removed, "grown": grown, "corrected": corrected}


@pytest.fixture(scope="module")
def changed(first_build, tmp_path_factory) -> dict:
    """The first build's warehouse with the changed and new export files loaded (not built yet), and
    a --full-refresh of that warehouse: what every incremental build must equal."""
    root = copy_of(first_build["root"], tmp_path_factory.mktemp("changed"), "loaded")
    sessions = change_the_data(root, first_build["world"])
    load(root)
    full = copy_of(root, tmp_path_factory.mktemp("full"), "full") / "warehouse.duckdb"
    build(full, "--full-refresh")
    return {"root": root, "sessions": sessions, "full": full}


def test_an_incremental_build_equals_a_full_refresh_after_a_re_export_and_a_new_day(
    first_build, changed, tmp_path
):
    warehouse = copy_of(changed["root"], tmp_path) / "warehouse.duckdb"
    build(warehouse)
    for model in INCREMENTAL:
        assert table(warehouse, model) == table(changed["full"], model), model
    for mart in MARTS:
        assert table(warehouse, mart, "marts") == table(changed["full"], mart, "marts"), mart
    for model, (fingerprints, key) in FINGERPRINTS.items():  # what the next build compares with
        record = rows(warehouse, f"select {key}, fingerprint from intermediate.{model}_applied order by all")
        assert record == table(warehouse, fingerprints), model
    sessions = {row[0] for row in table(warehouse, "int_sessions_aggregated")}
    assert changed["sessions"]["removed"] not in sessions
    assert {changed["sessions"]["grown"], changed["sessions"]["corrected"]} <= sessions
    assert session_count(warehouse) > session_count(first_build["root"] / "warehouse.duckdb")
    first = first_build["root"] / "warehouse.duckdb"
    before = dict(rows(first, "select * from intermediate.int_person_events_applied"))
    after = dict(rows(warehouse, "select * from intermediate.int_person_event_fingerprints"))
    assert set(before) - set(after), "a person whose only session was removed (or merged away) is gone"
    assert any(before[p] == after.get(p) for p in before), "some persons' timelines are unchanged: kept"


def test_a_build_without_new_data_recomputes_nothing(first_build, tmp_path):
    warehouse = copy_of(first_build["root"], tmp_path) / "warehouse.duckdb"
    before = {model: table(warehouse, model) for model in INCREMENTAL}
    build(warehouse)
    for model, (fingerprints, key) in FINGERPRINTS.items():
        [(recomputed,)] = rows(
            warehouse,
            f"select count(*) from intermediate.{fingerprints} as current "
            f"left join intermediate.{model}_applied as applied using ({key}) "
            "where applied.fingerprint is distinct from current.fingerprint",
        )
        assert recomputed == 0, model
    assert {model: table(warehouse, model) for model in INCREMENTAL} == before


def test_a_run_that_stops_after_the_fingerprints_leaves_nothing_stale(changed, tmp_path):
    warehouse = copy_of(changed["root"], tmp_path) / "warehouse.duckdb"
    fingerprints = {fingerprint for fingerprint, _ in FINGERPRINTS.values()}
    build(warehouse, select=" ".join(f"+{f}" for f in sorted(fingerprints)))  # then the run dies
    build(warehouse)
    for model in INCREMENTAL:
        assert table(warehouse, model) == table(changed["full"], model), model
    for mart in MARTS:
        assert table(warehouse, mart, "marts") == table(changed["full"], mart, "marts"), mart


def test_a_changed_engagement_threshold_recomputes_every_session(first_build, tmp_path):
    from microfunnel.settings import PROJECT_ROOT

    root = copy_of(first_build["root"], tmp_path)
    catalog = tmp_path / "conversions.yml"
    catalog.write_text(
        (PROJECT_ROOT / "conversions.yml")
        .read_text()
        .replace("min_engaged_seconds: 120", "min_engaged_seconds: 90")
    )
    load(root, catalog)
    build(root / "warehouse.duckdb", select="int_session_fingerprints")
    for model, (fingerprints, key) in FINGERPRINTS.items():
        if fingerprints != "int_session_fingerprints":
            continue
        [(kept,)] = rows(
            root / "warehouse.duckdb",
            f"select count(*) from intermediate.{fingerprints} as current "
            f"inner join intermediate.{model}_applied as applied using ({key}) "
            "where applied.fingerprint = current.fingerprint",
        )
        assert kept == 0, f"{model} would keep {kept} sessions matched against the old catalog"
