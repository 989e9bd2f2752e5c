"""Running the graph outside the UI: `microfunnel run` (scripts, CI), `demo` and `dev`.

Environment is prepared here, at run time, never at import: the settings are exported for
dbt's profile and dlt's config, the catalog is validated before anything runs, and the dbt
manifest is parsed once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from microfunnel.conversions import load_catalog
from microfunnel.settings import INGESTION_DIR, PROJECT_ROOT, Settings, load_settings

SANDBOX_PII_KEY = "sandbox-only-pii-key-never-use-in-production"
FRESHNESS_AS_OF = "MICROFUNNEL_FRESHNESS_AS_OF"


def sandbox_clock(spec) -> str:
    """The sandbox world's "now" for freshness checks: 06:00 UTC the morning after its last day.

    The world is a replay of past days; judged against the real clock every table would be stale.
    """
    return f"{spec.end_date + timedelta(days=1)}T06:00:00+00:00"


def prepare_environment(settings: Settings) -> None:
    """Export the settings to dbt (profiles.yml env_var), dlt (.dlt in ingestion/) and Dagster."""
    os.environ.update(settings.dbt_env())
    bin_dir = str(Path(sys.executable).parent)  # dbt lives beside this interpreter, active venv or not
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    os.environ.setdefault("DLT_PROJECT_DIR", str(INGESTION_DIR))
    os.environ["SOURCES__CONFIG__PATH"] = str(settings.conversions_config)
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copy(PROJECT_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")


def load_definitions(settings: Settings):
    """Validate the catalog, prepare the environment, parse the dbt project, import the code location."""
    load_catalog(settings.conversions_config)
    prepare_environment(settings)
    from orchestration.resources import dbt_project

    project = dbt_project()
    project.preparer.prepare(project)
    from orchestration.definitions import defs

    return defs


def run_graph(
    selection: str = "*", settings: Settings | None = None, days: tuple[str, str] | None = None
) -> int:
    """Materialize the selected assets (default: all) in this process; 0 when every step succeeded.

    `days` (first, last; ISO dates) runs those reporting days' partitions as one run, as a backfill
    from the UI does; the default is every day from the first export day to yesterday.
    """
    result = materialize_graph(selection, settings, days)
    timings = [
        f"{event.step_key} {event.event_specific_data.duration_ms / 1000:.1f} s"
        for event in result.all_events
        if event.is_step_success
    ]
    print(f"steps: {', '.join(timings)}", flush=True)
    print(check_summary(result.get_asset_check_evaluations()), flush=True)
    if not result.success and os.environ.get("MICROFUNNEL_ALERT_WEBHOOK_URL"):
        _alert(result)
    return 0 if result.success else 1


def _alert(result) -> None:
    """A failed `microfunnel run` alerts like a failed scheduled run (no daemon watches in-process runs)."""
    import logging

    from orchestration.sensors import run_failure_payload, send_alert

    run = result.dagster_run
    payload = run_failure_payload(run.run_id, run.job_name, result.get_step_failure_events(), "run failed")
    try:
        send_alert(payload, logging.getLogger("microfunnel"))
    except RuntimeError as exc:
        print(f"alert not delivered: {exc}", file=sys.stderr)


def materialize_graph(
    selection: str = "*", settings: Settings | None = None, days: tuple[str, str] | None = None
):
    """The selected assets and their asset checks (the same ones the daily job runs), in this process."""
    from dagster import AssetSelection, DagsterInstance, materialize

    from orchestration.partitions import RANGE_END_TAG, RANGE_START_TAG, every_day

    defs = load_definitions(settings or load_settings())
    days = days or every_day()
    assets = [*defs.assets, *defs.asset_checks]  # the checks run here as in the daily job
    chosen = AssetSelection.all() if selection == "*" else AssetSelection.from_string(selection)
    quiet_console = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    return materialize(
        assets,
        selection=chosen,
        instance=DagsterInstance.get(),
        run_config=quiet_console,
        resources=defs.resources,
        raise_on_error=False,
        tags={RANGE_START_TAG: days[0], RANGE_END_TAG: days[1]},
    )


def check_summary(evaluations) -> str:
    """One line: how many checks passed, and each one that did not (warnings and failures by name)."""
    failed = [e for e in evaluations if not e.passed]
    lines = [f"checks: {len(evaluations) - len(failed)} of {len(evaluations)} passed"]
    for evaluation in sorted(failed, key=lambda e: e.asset_check_key.to_user_string()):
        details = evaluation.metadata.get("details") or evaluation.metadata.get("age_hours")
        suffix = f": {details.value}" if details is not None else ""
        lines.append(
            f"  {evaluation.severity.value.lower()}: {evaluation.asset_check_key.to_user_string()}{suffix}"
        )
    return "\n".join(lines)


def demo(spec) -> int:
    """Simulate the world, serve it, run the whole graph on a fresh warehouse, print the summary."""
    from commands.report import write_report
    from commands.summary import print_summary
    from sandbox.world_files import write_world_files

    started = time.monotonic()
    settings = load_settings()
    os.environ.setdefault("PII_HASH_KEY", SANDBOX_PII_KEY)
    os.environ.setdefault(FRESHNESS_AS_OF, sandbox_clock(spec))
    print(f"[1/4] simulating {spec.persons} persons over {spec.days} days (seed {spec.seed})", flush=True)
    _start_from_an_empty_warehouse(settings)
    world = write_world_files(spec, settings.sandbox_dir)
    os.environ["SOURCES__GA4__BUCKET_URL"] = str(settings.sandbox_dir / "ga4")
    print("[2/4] serving the vendor APIs on 127.0.0.1", flush=True)
    with sandbox_apis(world) as source_env:
        os.environ.update(source_env)
        print("[3/4] running the asset graph (dlt -> dbt -> checks -> serving snapshot)", flush=True)
        code = run_graph(settings=settings)
    if code:
        print("demo: the run failed; see the log above", file=sys.stderr)
        return code
    print("[4/4] summary", flush=True)
    report = write_report(settings.serving_path, settings.serving_path.with_name("report.html"))
    print_summary(settings, world, wall_seconds=time.monotonic() - started)
    print(f"report: {report}")
    return 0


def _start_from_an_empty_warehouse(settings: Settings) -> None:
    """The demo rebuilds from nothing, so it deletes the warehouse, but only the project's own one."""
    demo_data = PROJECT_ROOT / "data"
    if not settings.warehouse_path.resolve().is_relative_to(demo_data.resolve()):
        raise SystemExit(
            f"demo: WAREHOUSE_PATH={settings.warehouse_path} is outside {demo_data}; the demo starts from an "
            "empty warehouse and will not delete that file. Unset WAREHOUSE_PATH or point it into data/."
        )
    settings.warehouse_path.unlink(missing_ok=True)
    settings.warehouse_path.with_name(settings.warehouse_path.name + ".wal").unlink(missing_ok=True)
    shutil.rmtree(settings.warehouse_path.parent / ".dlt_pipelines", ignore_errors=True)


@contextmanager
def sandbox_apis(world) -> Iterator[dict[str, str]]:
    """Serve the world's Google Ads, Meta Ads and Shopify APIs; yield the env vars pointing at them."""
    from sandbox.server import SandboxServer

    with SandboxServer(world) as server:
        yield server.source_env()


def dev(spec) -> int:
    """The Dagster UI on 127.0.0.1:3000, its sources pointed at a sandbox world served beside it."""
    from sandbox.world_files import write_world_files

    settings = load_settings()
    os.environ.setdefault("PII_HASH_KEY", SANDBOX_PII_KEY)
    os.environ.setdefault(FRESHNESS_AS_OF, sandbox_clock(spec))
    prepare_environment(settings)
    write_world_files(spec, settings.sandbox_dir)
    env_file = settings.sandbox_dir / "sources.env"
    env_file.unlink(missing_ok=True)
    world_args = [
        "--seed",
        str(spec.seed),
        "--persons",
        str(spec.persons),
        "--days",
        str(spec.days),
        "--start-date",
        spec.start_date.isoformat(),
    ]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "commands.cli",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--env-file",
            str(env_file),
            *world_args,
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not env_file.exists():
            if server.poll() is not None or time.monotonic() > deadline:
                print("dev: the sandbox API server did not start", file=sys.stderr)
                return 1
            time.sleep(0.2)
        source_env = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        source_env["SOURCES__GA4__BUCKET_URL"] = str(settings.sandbox_dir / "ga4")
        print(
            f"sandbox world in {settings.sandbox_dir}; its APIs at {source_env['SOURCES__SHOPIFY__BASE_URL']}"
        )
        return subprocess.call(
            [
                str(Path(sys.executable).with_name("dagster")),
                "dev",
                "-w",
                str(PROJECT_ROOT / "workspace.yaml"),
                "-h",
                "127.0.0.1",
                "-p",
                "3000",
            ],
            env={**os.environ, **source_env},
            cwd=PROJECT_ROOT,
        )
    finally:
        server.terminate()
