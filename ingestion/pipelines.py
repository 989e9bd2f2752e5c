"""How a pipeline for a registered source is made and run (the sources themselves: ingestion.registry).

Each source lands in its own dataset `raw_<source>` of the warehouse file; its tables are
declared in its SourceSpec, so Dagster can lay out the asset graph without calling the source
function, which would resolve credentials at import time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import dlt
from dlt.common.pipeline import LoadInfo

from ingestion.registry import spec
from microfunnel.pii import KEY_ENV
from microfunnel.settings import INGESTION_DIR, Settings, load_settings

LOADER_FILE_FORMAT = "parquet"  # 10-20x faster than insert_values into DuckDB (see DECISIONLOG.md)


def dataset_name(source: str) -> str:
    return f"raw_{source}"


def use_project_settings() -> None:
    """Read dlt's config from ingestion/.dlt, whatever the working directory.

    dlt looks for `.dlt/` in the working directory unless DLT_PROJECT_DIR says otherwise; a user
    starting `dagster dev` in the project root should not have to know that. An explicit
    DLT_PROJECT_DIR still wins."""

    from dlt.common.configuration.container import Container
    from dlt.common.configuration.specs.pluggable_run_context import PluggableRunContext

    run_context = Container()[PluggableRunContext]
    if "DLT_PROJECT_DIR" not in os.environ and Path(run_context.context.run_dir).resolve() != INGESTION_DIR:
        run_context.reload(str(INGESTION_DIR))


def source_function(source: str) -> Callable[..., dlt.sources.DltSource]:
    """The registered source's @dlt.source function (KeyError naming the known ones otherwise)."""
    use_project_settings()
    return spec(source).source_function()


def load_source(source: str, settings: Settings | None = None, **source_kwargs) -> dlt.sources.DltSource:
    """The registered source, configured, with the suppression list applied to its resources.

    Every load goes through here (`run_source`, the Dagster assets): the one place where rows of
    persons erased by `microfunnel forget` are dropped before they reach the warehouse."""
    from ingestion.suppression import honour_suppression, read_suppressed

    settings = settings or load_settings()
    built = source_function(source)(**source_kwargs)
    if settings.engine == "spark":  # nested columns as JSON text, as the DuckDB warehouse has them
        from ingestion.lake import with_nested_as_json

        built = with_nested_as_json(built)
    return honour_suppression(
        built, spec(source), read_suppressed(settings.warehouse_path), configured_pii_key()
    )


def configured_pii_key() -> str | None:
    """PII_HASH_KEY as the sources resolve it: the env var, else `pii_hash_key` in .dlt/secrets.toml."""
    use_project_settings()
    return os.environ.get(KEY_ENV) or dlt.secrets.get("pii_hash_key") or None


def working_dir(settings: Settings) -> Path:
    """dlt's working folder of every pipeline (state, schemas, load packages), beside the warehouse."""
    return settings.warehouse_path.parent / ".dlt_pipelines"


def make_pipeline(
    source: str, settings: Settings | None = None, pipelines_dir: Path | None = None
) -> dlt.Pipeline:
    """A dlt pipeline writing `raw_<source>` in the warehouse file (on Spark: Parquet in the lake,
    ingestion.lake); its state lives beside the file."""
    use_project_settings()
    settings = settings or load_settings()
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    return dlt.pipeline(
        pipeline_name=f"microfunnel_{source}",
        destination=destination(settings),
        dataset_name=dataset_name(source),
        pipelines_dir=str(pipelines_dir or working_dir(settings)),
    )


def destination(settings: Settings):
    """DuckDB's warehouse file; with MICROFUNNEL_ENGINE=spark, Parquet files in the lake."""
    if settings.engine == "spark":
        return dlt.destinations.filesystem(bucket_url=str(settings.lake))
    return dlt.destinations.duckdb(warehouse_credentials(settings))


def prepare_before_load(source: str, settings: Settings, announce: Callable[[str], None] = print) -> None:
    """Make the raw tables ready for a load: in the DuckDB warehouse, the tables whose nested
    columns stay native are created with their types, or converted once (ingestion.native_nested);
    `announce` hears a conversion begin and end."""
    from ingestion.native_nested import prepare_native_tables

    prepare_native_tables(settings, spec(source), announce)


def settle_after_load(source: str, pipeline: dlt.Pipeline, settings: Settings) -> None:
    """Make the raw tables hold what the loads mean: in the DuckDB warehouse, the rows of a replaced
    partition dropped (ingestion.replaced_rows); on Spark, the lake's tables as a warehouse merge
    would leave them (ingestion.lake). Runs after every load, so a crash before it converges."""
    if settings.engine == "spark":
        from ingestion.lake import settle_lake

        # attached afresh: dagster-dlt drops and re-initializes the pipeline object it is given,
        # whose schema then no longer lists the tables the run loaded
        settle_lake(dlt.attach(pipeline.pipeline_name, pipelines_dir=pipeline.pipelines_dir), settings)
    else:
        from ingestion.replaced_rows import drop_replaced_rows

        drop_replaced_rows(settings, spec(source))


def release_load_memory() -> None:
    """Give back the memory Arrow's allocator kept after a load (it keeps freed pages for reuse).

    The process runs on into dbt: after 10M GA4 events it held 1.7 GB, 0.8 GB of them Arrow's
    free pages, on top of dbt's own DuckDB (DECISIONLOG, "Peak memory at 10M events")."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def warehouse_credentials(settings: Settings):
    """The warehouse file, with the memory limit (settings) on every connection dlt opens."""
    from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

    credentials = DuckDbCredentials(str(settings.warehouse_path))
    credentials.global_config = settings.dlt_duckdb_config()
    return credentials


def run_source(source: str, settings: Settings | None = None, **source_kwargs) -> LoadInfo:
    """Load one source end to end (what `python -m ingestion <source>` does)."""
    settings = settings or load_settings()
    pipeline = make_pipeline(source, settings)
    prepare_before_load(source, settings)
    info = pipeline.run(load_source(source, settings, **source_kwargs), loader_file_format=LOADER_FILE_FORMAT)
    info.raise_on_failed_jobs()
    settle_after_load(source, pipeline, settings)
    release_load_memory()
    return info
