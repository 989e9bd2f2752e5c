"""The dbt project as assets: models keyed [schema, model], sources keyed [raw_<source>, table]."""

import json
import os
import re
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from ingestion.registry import SourceSelection
from microfunnel.settings import load_settings
from microfunnel.spark_catalog import mirror_spark_tables
from orchestration.partitions import ONE_RUN_PER_RANGE, dbt_window_vars, reporting_days, run_day_window
from orchestration.progress import dbt_events_with_progress
from orchestration.resources import dbt_project, dbt_vars_args
from orchestration.warehouse import warehouse_access


class MicrofunnelDbtTranslator(DagsterDbtTranslator):
    """One method per concern: keys follow the warehouse's schema.table, groups the model folders."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return AssetKey([dbt_resource_props["config"]["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        path = dbt_resource_props.get("fqn", [])
        return "_".join(path[1:3]) if len(path) > 3 else (path[1] if len(path) > 1 else None)


# Tests on dbt sources (the raw tables) stay observations on the dlt assets: as checks they are
# re-run by every dbt step, and one on the day-partitioned raw_ga4.events then fails any
# unpartitioned run (DECISIONLOG: "every dbt test on a model is an asset check").
TRANSLATOR = MicrofunnelDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
DAY_GRAINED = "tag:day_grained"  # marts with one row per reporting day (and more): partitioned by day
# Tests of the layers under the marts (dbt_project.yml `data_tests:`): not checks of a run but the
# `dbt_invariants` job's (orchestration.invariants), so a run's fixed cost does not grow with them.
INVARIANTS = "tag:invariant"
# dbt's unit tests check the SQL, not the data: `make test` runs them, a production build need not.
BUILD_EXCLUDES_RESOURCE_TYPES = ["--exclude-resource-type", "unit_test"]
# A step's dbt.log at info level: each node's start and result, warnings, errors (the compiled SQL is in
# the step's target folder). dbt's default, debug, also logged every query and connection: 6,500 JSON
# lines a demo build and ~1.5 s of its ~24 s (measured). `--debug` by hand shows them again.
BUILD_LOG_LEVEL_FILE = ["--log-level-file", "info"]
PARTIAL_PARSE_FILE = "partial_parse.msgpack"


def step_target_path(project: DbtProject, context: AssetExecutionContext) -> Path:
    """A fresh target folder for one dbt step, seeded with the selection's `partial_parse.msgpack`.

    The folder is where dagster-dbt puts one (`$DBT_TARGET_PATH`, default `target/`, then
    `<step>-<run>-<id>`), but dagster-dbt seeds it only from `$DBT_TARGET_PATH/partial_parse.msgpack`,
    while a selection's manifest is parsed into its own folder (`target/sources-<digest>`): every
    step re-parsed the whole project (4.5-11 s each, twice a run). Seeded from the selection's
    folder, dbt parses only what changed. The step's older folders beyond the newest
    KEPT_STEP_FOLDERS are removed (each holds a manifest and a parse, ~10 MB)."""
    base = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    base = base if base.is_absolute() else project.project_dir / base
    step = context.op_execution_context.op.name
    target = base / f"{step}-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"
    target.mkdir(parents=True)
    remove_older_step_folders(base, step)
    parsed = project.project_dir / project.target_path / PARTIAL_PARSE_FILE
    if parsed.exists():
        shutil.copy(parsed, target / PARTIAL_PARSE_FILE)
    return target


KEPT_STEP_FOLDERS = 10  # a step's run_results.json and compiled SQL, for the last few runs


def remove_older_step_folders(base: Path, step: str, keep: int = KEPT_STEP_FOLDERS) -> list[Path]:
    """Remove `step`'s target folders (`<step>-<run>-<id>`) but the newest `keep`; return those removed.

    Without this every dbt step of every run left its folder behind: a daily run's two steps add
    ~20 MB a day. The newest are kept (the step that just started, those of runs still going, the
    last runs' results to look at); other steps' and other names' folders are left alone."""
    pattern = re.compile(rf"{re.escape(step)}-[0-9a-f]{{7}}-[0-9a-f]{{7}}")
    folders = [path for path in base.iterdir() if path.is_dir() and pattern.fullmatch(path.name)]
    older = sorted(folders, key=_modified_at, reverse=True)[keep:]
    for path in older:
        shutil.rmtree(path, ignore_errors=True)
    return older


def _modified_at(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # removed meanwhile by another process's step
        return 0.0


def mart_descriptions(project: DbtProject) -> dict[str, tuple[str, dict[str, str]]]:
    """{mart: (its description, {column: description})} from the manifest, for a Spark build's
    marts in the warehouse file (DuckDB's get them from persist_docs)."""
    manifest = json.loads(project.manifest_path.read_text())
    return {
        node["name"]: (node["description"], {name: c["description"] for name, c in node["columns"].items()})
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("schema") == "marts"
    }


def dbt_model_assets(selection: SourceSelection) -> list[AssetsDefinition]:
    """The dbt models of these sources as two asset groups: unpartitioned, and day-grained marts
    partitioned by reporting day. Built per selection: a disabled source's models do not exist."""
    project = dbt_project(selection)

    def build(context: AssetExecutionContext, dbt: DbtCliResource):
        """`dbt build` of the selected models; a partition window forces the persons it touched to
        recompute.

        Tests run with `buildable` indirect selection (dbt_project.yml `flags:`, so Dagster's own
        `empty` for subsetted checks still wins): a test over a person-grained and a day-grained
        mart (assert_funnel_daily_reconciles_with_funnel_steps) runs in the step that builds its
        last parent. dbt's default (eager) ran it in the first step, before the day-grained mart
        existed.

        The warehouse's folder is made first: a seed (reference data, no upstream) may be the
        graph's first writer, before any dlt load has created the file."""
        load_settings().warehouse_path.parent.mkdir(parents=True, exist_ok=True)
        window_vars = dbt_window_vars(run_day_window(context))
        args = [
            "build",
            "--indirect-selection",
            "buildable",
            *BUILD_EXCLUDES_RESOURCE_TYPES,
            *BUILD_LOG_LEVEL_FILE,
            *dbt_vars_args(selection, window_vars),
        ]
        with warehouse_access(context) as settings:
            target = step_target_path(project, context)
            yield from dbt_events_with_progress(dbt.cli(args, context=context, target_path=target), context)
            if settings.engine == "spark":  # the marts into the warehouse file, for the publish and checks
                mirrored = mirror_spark_tables(settings, mart_descriptions(project))
                context.log.info(f"copied {len(mirrored)} Spark marts into {settings.warehouse_path}")

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        exclude=f"{DAY_GRAINED} {INVARIANTS}",
        dagster_dbt_translator=TRANSLATOR,
    )
    def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
        """Staging, intermediate and person-grained marts: unpartitioned; incremental models
        (identity, funnel steps) recompute only what new data (or the window) changed."""
        yield from build(context, dbt)

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        select=DAY_GRAINED,
        name="dbt_day_grained_models",
        dagster_dbt_translator=TRANSLATOR,
        partitions_def=reporting_days(),
        backfill_policy=ONE_RUN_PER_RANGE,
    )
    def dbt_day_grained_models(context: AssetExecutionContext, dbt: DbtCliResource):
        """Day-grained marts, partitioned by reporting day. They are rebuilt whole (cheap aggregates
        of the person-grained facts): an identity merge can move a person's entry day out of any
        window."""
        yield from build(context, dbt)

    return [dbt_models, dbt_day_grained_models]
