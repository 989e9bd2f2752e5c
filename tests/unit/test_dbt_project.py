"""The dbt project parses in every supported source combination (DESIGN: GA4 alone is a valid setup)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from microfunnel.settings import DBT_PROJECT_DIR


def parse(tmp_path: Path, variables: dict) -> dict:
    dbt = str(Path(sys.executable).with_name("dbt"))
    completed = subprocess.run(
        [
            dbt,
            "parse",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
            "--vars",
            json.dumps(variables),
        ],
        env={**os.environ, "WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb")},
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return json.loads((tmp_path / "target" / "manifest.json").read_text())


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
