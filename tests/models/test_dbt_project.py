"""The dbt project parses in every supported source combination (DESIGN: GA4 alone is a valid setup)."""

import json
from pathlib import Path

import pytest

from tests.support.dbt import run_dbt

pytestmark = pytest.mark.slow


def parse(tmp_path: Path, variables: dict) -> dict:
    run = run_dbt("parse", warehouse=tmp_path / "warehouse.duckdb", variables=variables)
    return json.loads((run.target_path / "manifest.json").read_text())


@pytest.mark.parametrize(
    ("variables", "orders_built"),
    [
        ({}, True),
        ({"microfunnel__shopify_enabled": False}, False),
        ({"microfunnel__shopify_enabled": False, "microfunnel__ads_enabled": False}, False),
    ],
)
def test_the_project_parses_with_or_without_shopify_and_ads(tmp_path, variables, orders_built):
    manifest = parse(tmp_path, variables)
    models = {node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    assert {"fct_funnel_steps", "fct_micro_conversions", "int_macro_conversions"} <= models
    assert ("fct_orders" in models) is orders_built
