"""Load a chosen set of sources from sandbox worlds into a temp warehouse and `dbt build` it.

The GA4 files come from one world and the vendor APIs are served from another, so a test can
pair GA4 traffic with an ad account or shop that has no data at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ingestion.pipelines import run_source
from ingestion.registry import SourceSelection
from microfunnel.serving import publish_marts
from microfunnel.settings import PROJECT_ROOT, Settings
from sandbox.ga4_export import write_ga4_export
from sandbox.server import SandboxServer
from sandbox.simulate import World
from tests.support.dbt import run_dbt
from tests.support.environment import environment, temp_settings
from tests.support.sources import FAST_RETRIES


def load_and_build(
    root: Path,
    sources: tuple[str, ...],
    ga4_world: World,
    api_world: World,
    source_kwargs: Mapping[str, Mapping[str, str]] | None = None,
) -> Settings:
    """Load config, GA4 and the chosen API sources, build every enabled model, publish the marts."""
    settings = temp_settings(root)
    write_ga4_export(ga4_world, root / "ga4")
    run_source("config", settings, catalog_path=str(PROJECT_ROOT / "conversions.yml"))
    run_source("ga4", settings, bucket_url=str(root / "ga4"))
    api_sources = [s for s in sources if s != "ga4"]
    if api_sources:
        with SandboxServer(api_world) as server, environment({**server.source_env(), **FAST_RETRIES}):
            for source in api_sources:
                run_source(source, settings, **dict((source_kwargs or {}).get(source, {})))
    selection = SourceSelection(("config", *sources), "test")
    run_dbt("build", warehouse=settings.warehouse_path, variables=selection.dbt_vars(), scratch=root)
    publish_marts(settings.warehouse_path, settings.serving_path)
    return settings
