"""Wiring checks: every registered source's raw tables are dbt sources, its identifiers reach the
identity edges and its events the person timeline (derived from the registry and dbt's manifest)."""

import json
from dataclasses import replace

import pytest

from ingestion.registry import REGISTERED, SourceSelection, all_specs, spec
from tests.support.dbt import run_dbt
from tests.support.wiring import wiring_problems

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("wiring")
    everything = SourceSelection(REGISTERED, "test").dbt_vars()
    run = run_dbt("parse", warehouse=root / "warehouse.duckdb", variables=everything)
    return json.loads((run.target_path / "manifest.json").read_text())


def test_every_registered_source_is_wired_into_lineage_identity_and_the_timeline(manifest):
    assert wiring_problems(manifest, all_specs()) == []


def test_a_raw_table_that_is_not_a_dbt_source_is_reported(manifest):
    unwired = replace(spec("meta_ads"), tables={**spec("meta_ads").tables, "adsets": {}})
    assert wiring_problems(manifest, [unwired]) == [
        "meta_ads: raw table raw_meta_ads.adsets is not a dbt source "
        "(declare it in models/staging/meta_ads/_meta_ads__sources.yml)"
    ]


def test_identifiers_that_do_not_reach_the_identity_edges_are_reported(manifest):
    claims_identity = replace(spec("google_ads"), feeds=("ad_campaign_days", "identity_edges"))
    assert wiring_problems(manifest, [claims_identity]) == [
        "google_ads: feeds identity_edges but has no model int_identity_edges__google_ads"
    ]


def test_events_that_do_not_reach_the_person_timeline_are_reported(manifest):
    cut_off = json.loads(json.dumps(manifest))
    timeline = next(k for k, n in cut_off["nodes"].items() if n["name"] == "int_person_events")
    cut_off["parent_map"][timeline] = [
        parent
        for parent in cut_off["parent_map"][timeline]
        if not parent.endswith("int_person_events__shopify")
    ]
    assert wiring_problems(cut_off, [spec("shopify")]) == [
        "shopify: feeds person_events but int_person_events does not read int_person_events__shopify"
    ]
