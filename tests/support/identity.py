"""Load a sandbox world into a temp warehouse and build the identity models on it with dbt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sandbox.simulate import World, WorldSpec
from tests.support.dbt import run_dbt
from tests.support.environment import environment, temp_settings
from tests.support.warehouse import rows

IDENTITY_SPEC = WorldSpec(seed=11, persons=500, days=21)
IDENTITY_MODELS = "+int_identifiers_stitched +dim_persons +dim_person_identifiers +person_id_history"
LOADED_SOURCES = ("config", "ga4", "shopify", "klaviyo")  # what load_sources loads: the identity sources


@dataclass
class IdentityRun:
    """The warehouse after one build, read into plain Python."""

    stitched: dict[tuple[str, str], str]  # (identifier_type, identifier_value) -> person_id
    history: dict[str, str]  # person_id ever issued -> current_person_id
    first_seen: dict[tuple[str, str], str]  # canonical identifier -> first_seen_at (iso text)


def build_identity(warehouse: Path, *flags: str) -> IdentityRun:
    """`dbt build` the identity models (and their tests) on `warehouse`; `flags` e.g. --full-refresh."""
    run_dbt(
        "build",
        "--select",
        *IDENTITY_MODELS.split(),
        "--indirect-selection",
        "cautious",
        *flags,
        warehouse=warehouse,
        variables=identity_sources_vars(),
    )
    return read_run(warehouse)


def identity_sources_vars() -> dict[str, object]:
    """dbt's source switches for exactly the loaded sources (the ad platforms are not loaded here)."""
    from ingestion.registry import SourceSelection

    return SourceSelection(LOADED_SOURCES, "identity tests").dbt_vars()


def read_run(warehouse: Path) -> IdentityRun:
    stitched = {
        (t, v): p
        for t, v, p in rows(
            warehouse,
            "select identifier_type, identifier_value, person_id from intermediate.int_identifiers_stitched",
        )
    }
    history = dict(rows(warehouse, "select person_id, current_person_id from marts.person_id_history"))
    first_seen = {
        (t, v): str(s)
        for t, v, s in rows(
            warehouse,
            "select identifier_type, identifier_value, first_seen_at from intermediate.int_identity_nodes",
        )
    }
    return IdentityRun(stitched, history, first_seen)


def load_sources(world: World, root: Path, as_of: date | None) -> Path:
    """GA4 export files as GA4 had written them by `as_of`; Shopify and Klaviyo as their APIs were then."""
    from ingestion.pipelines import run_source
    from microfunnel.settings import PROJECT_ROOT
    from sandbox.ga4_export import write_ga4_export
    from sandbox.server import SandboxServer

    settings = temp_settings(root)
    write_ga4_export(world, root / "ga4", as_of=as_of)
    run_source("ga4", settings, bucket_url=str(root / "ga4"))
    run_source("config", settings, catalog_path=str(PROJECT_ROOT / "conversions.yml"))
    with SandboxServer(world, as_of=as_of) as server, environment(server.source_env()):
        run_source("shopify", settings)
        run_source("klaviyo", settings)
    return settings.warehouse_path
