"""Load a sandbox world into a temp warehouse and build the identity models on it with dbt."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from sandbox.simulate import World, WorldSpec

IDENTITY_SPEC = WorldSpec(seed=11, persons=500, days=21)
IDENTITY_MODELS = "+int_identifiers_stitched +dim_persons +dim_person_identifiers +person_id_history"


@dataclass
class IdentityRun:
    """The warehouse after one build, read into plain Python."""

    stitched: dict[tuple[str, str], str]  # (identifier_type, identifier_value) -> person_id
    history: dict[str, str]  # person_id ever issued -> current_person_id
    first_seen: dict[tuple[str, str], str]  # canonical identifier -> first_seen_at (iso text)


def dbt(warehouse: Path, *args: str) -> subprocess.CompletedProcess:
    """Run dbt in the project with the warehouse of this test; fail with dbt's own output."""
    from microfunnel.settings import DBT_PROJECT_DIR

    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            *args,
            "--profiles-dir",
            ".",
            "--target-path",
            str(warehouse.parent / "dbt_target"),
        ],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "WAREHOUSE_PATH": str(warehouse)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return result


def build_identity(warehouse: Path) -> IdentityRun:
    dbt(warehouse, "build", "--select", IDENTITY_MODELS, "--indirect-selection", "cautious")
    return read_run(warehouse)


def read_run(warehouse: Path) -> IdentityRun:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stitched_rows = con.execute(
            "select identifier_type, identifier_value, person_id from intermediate.int_identifiers_stitched"
        ).fetchall()
        stitched = {(t, v): p for t, v, p in stitched_rows}
        history = dict(
            con.execute("select person_id, current_person_id from marts.person_id_history").fetchall()
        )
        first_seen = {
            (t, v): str(s)
            for t, v, s in con.execute(
                "select identifier_type, identifier_value, first_seen_at from intermediate.int_identity_nodes"
            ).fetchall()
        }
    return IdentityRun(stitched, history, first_seen)


def load_sources(world: World, root: Path, as_of: date | None) -> Path:
    """GA4 export files as GA4 had written them by `as_of`, Shopify as its API answered that day."""
    from ingestion.pipelines import run_source
    from microfunnel.settings import PROJECT_ROOT, load_settings
    from sandbox.ga4_export import write_ga4_export
    from sandbox.server import SandboxServer

    settings = load_settings({"WAREHOUSE_PATH": str(root / "warehouse.duckdb")})
    write_ga4_export(world, root / "ga4", as_of=as_of)
    run_source("ga4", settings, bucket_url=str(root / "ga4"))
    run_source("config", settings, catalog_path=str(PROJECT_ROOT / "conversions.yml"))
    saved = dict(os.environ)
    with SandboxServer(world, as_of=as_of) as server:
        os.environ.update(server.source_env())
        try:
            run_source("shopify", settings)
        finally:
            os.environ.clear()
            os.environ.update(saved)
    return settings.warehouse_path
