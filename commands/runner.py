"""Running the graph outside the UI: `microfunnel run` (scripts, CI), `demo` and `dev`.

Each layer reads `load_settings()` itself, so nothing is exported here. An in-process run uses
an ephemeral Dagster instance (no run storage, no concurrency slots that a killed run could
keep) and holds the warehouse's writer lock for its whole length: the kernel releases it when
the process dies, however it dies.
"""

from __future__ import annotations

import difflib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path

from microfunnel import garbage_collection
from microfunnel.conversions import load_catalog
from microfunnel.settings import PROJECT_ROOT, Settings, load_settings
from microfunnel.warehouse_lock import WarehouseInUseError, ensure_no_other_process_has_it_open, writer_lock
from sandbox.cli import SANDBOX_PII_KEY, export_progress, persons_progress

RUN_JOB = "microfunnel_run"
FRESHNESS_AS_OF = "MICROFUNNEL_FRESHNESS_AS_OF"


def sandbox_clock(spec) -> str:
    """The sandbox world's "now" for freshness checks: 06:00 UTC the morning after its last day.

    The world is a replay of past days; judged against the real clock every table would be stale.
    """
    return f"{spec.end_date + timedelta(days=1)}T06:00:00+00:00"


def load_definitions(settings: Settings):
    """Validate the catalog, then build the graph of the sources enabled now (it prepares the dbt
    manifest when stale); built once per process and selection."""
    load_catalog(settings.conversions_config)
    from ingestion.registry import enabled_sources
    from orchestration.definitions import build_definitions

    return build_definitions(enabled_sources(settings))


@contextmanager
def without_dagster_yaml_hint() -> Iterator[None]:
    """Dagster logs "no dagster.yaml, using defaults" for a folder without one; ours need none."""
    dagster_log = logging.getLogger("dagster")
    level = dagster_log.level
    dagster_log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        dagster_log.setLevel(level)


def release_stale_dagster_state() -> None:
    """Older versions left runs and pool slots of killed runs in $DAGSTER_HOME; free them, say so."""
    home = os.environ.get("DAGSTER_HOME")
    if not home or not Path(home).is_dir() or not any(Path(home).iterdir()):
        return  # no instance there yet: nothing can be stale
    from dagster import DagsterInstance
    from dagster._core.instance.ref import InstanceRef

    from orchestration.stale_runs import release_stale_runs

    with without_dagster_yaml_hint(), DagsterInstance.from_ref(InstanceRef.from_dir(home)) as instance:
        released = release_stale_runs(instance)
    if released:
        print(released, flush=True)


def run_graph(
    selection: str = "*",
    settings: Settings | None = None,
    days: tuple[str, str] | None = None,
    verbose: bool = False,
    before_first_step: Callable[[], None] | None = None,
) -> int:
    """Materialize the selected assets (default: all) in this process; 0 when every step succeeded.

    `days` (first, last; ISO dates) runs those reporting days' partitions as one run, as a backfill
    from the UI does; without it the sources load incrementally from their cursors. The run holds
    the warehouse's writer lock throughout; SIGINT/SIGTERM stop it (exit code 130).
    `before_first_step` is called once the graph is built (the demo waits there for its world).
    """
    from commands.stopping import STOPPED_EXIT_CODE, stop_on_signals

    settings = settings or load_settings()
    with stop_on_signals() as stopper:
        try:
            with writer_lock(
                settings.warehouse_path, what=f"microfunnel run (pid {os.getpid()})", report=print
            ):
                ensure_no_other_process_has_it_open(settings.warehouse_path, settings.serving_path)
                release_stale_dagster_state()
                result = materialize_graph(
                    selection, settings, days, verbose=verbose, before_first_step=before_first_step
                )
        except WarehouseInUseError as exc:
            print(f"error: {exc}", file=sys.stderr, flush=True)
            return 1
        except SelectionError as exc:
            print(f"error: {exc}", file=sys.stderr, flush=True)
            return 2
        except KeyboardInterrupt:
            result = None
        if stopper.stopped or result is None:
            print("microfunnel run: stopped", file=sys.stderr, flush=True)
            return STOPPED_EXIT_CODE
    timings = [
        f"{event.step_key} {event.event_specific_data.duration_ms / 1000:.1f} s"
        for event in result.all_events
        if event.is_step_success
    ]
    print(f"steps: {', '.join(timings)}", flush=True)
    print(check_summary(result.get_asset_check_evaluations()), flush=True)
    if not verbose:
        print(f"full log: {run_log_path(settings)} (or run with --verbose)", flush=True)
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


RUN_INSTANCE_PREFIX = "microfunnel-run-"  # then the run's pid: microfunnel-run-<pid>-<random>


def remove_instances_of_dead_runs(folder: str | None) -> list[Path]:
    """Delete the temporary instances (`microfunnel-run-<pid>-*`) whose process is gone; return them."""
    removed = []
    for path in Path(folder or tempfile.gettempdir()).glob(f"{RUN_INSTANCE_PREFIX}*-*"):
        pid = path.name.removeprefix(RUN_INSTANCE_PREFIX).split("-")[0]
        if pid.isdigit() and not _process_exists(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


# A run's instance folder (its artifacts) takes little; a container's /dev/shm is often
# 64 MB (Docker's default), shared with whatever else uses it: below this much free, disk it is.
MEMORY_BACKED_MIN_FREE_BYTES = 256 * 2**20


def memory_backed_tmp() -> str | None:
    """/dev/shm (Linux's memory-backed folder) when it is there, writable and has
    MEMORY_BACKED_MIN_FREE_BYTES free; else None, the default temp folder."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK | os.X_OK)):
        return None
    return str(shm) if shutil.disk_usage(shm).free >= MEMORY_BACKED_MIN_FREE_BYTES else None


class SelectionError(ValueError):
    """`--select` names no asset of the graph; the message says what the keys look like."""


def asset_selection(defs, selection: str):
    """`--select` as a Dagster asset selection of this graph; SelectionError when it is not valid or
    selects nothing (a typo, `__` for `/`, or an asset of a source that is not configured)."""
    from dagster import AssetSelection, DagsterError

    graph = defs.resolve_asset_graph()
    try:
        chosen = AssetSelection.from_string(selection)
        selected = chosen.resolve(graph)
    except DagsterError as exc:
        reason = str(exc).split(". ")[0]
    else:
        if selected:
            return chosen
        reason = "it matches none"
    keys = sorted(key.to_user_string() for key in graph.get_all_asset_keys())
    words = selection.replace("key:", "").strip("+*() ").replace("__", "/")
    close = difflib.get_close_matches(words, keys, n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise SelectionError(
        f"--select {selection!r} selects no asset of this graph ({reason}).{hint} Asset keys are "
        f"written with '/': {', '.join(keys[:3])}, ... ({len(keys)} assets; the UI or "
        "`dagster asset list -m orchestration.definitions` shows them all). A source that is not "
        "configured has no assets here: `microfunnel validate` says which sources are on."
    )


def run_log_path(settings: Settings) -> Path:
    return settings.logs_dir / "microfunnel-run.log"


def materialize_graph(
    selection: str = "*",
    settings: Settings | None = None,
    days: tuple[str, str] | None = None,
    verbose: bool = True,
    before_first_step: Callable[[], None] | None = None,
):
    """The selected assets and their asset checks (the same ones the daily job runs), in this process,
    on a temporary instance: no run record or concurrency slot outlives the run. Quiet unless
    `verbose`: one line per step on the console, everything in the run's log file.
    `before_first_step`: called once all that is ready, just before the run's first step."""
    from dagster import AssetSelection, DagsterInstance, Definitions, define_asset_job, in_process_executor

    from commands.run_output import quiet_run_output, step_lines_logger
    from orchestration import dbt_forkserver
    from orchestration.partitions import range_tags

    settings = settings or load_settings()
    defs = load_definitions(settings)
    chosen = AssetSelection.all() if selection == "*" else asset_selection(defs, selection)
    job = define_asset_job(RUN_JOB, selection=chosen, executor_def=in_process_executor)
    with ExitStack() as stack:
        # A throw-away instance of its own: no run record or slot of this run outlives it in a shared
        # $DAGSTER_HOME. Its events (~1,000 a demo run) live in an in-memory sqlite, a third of the
        # cost of an instance on files (one connection, no commit per event; DECISIONLOG "The run's
        # Dagster events in memory"); its folder holds what the run's IO manager writes, in memory
        # where the system has a memory-backed folder. A run killed with SIGKILL leaves that folder
        # behind; the next run removes it (from either folder: a full /dev/shm sends a run to disk).
        instances_folder = memory_backed_tmp()
        for folder in {instances_folder, None}:
            remove_instances_of_dead_runs(folder)
        home = stack.enter_context(
            tempfile.TemporaryDirectory(prefix=f"{RUN_INSTANCE_PREFIX}{os.getpid()}-", dir=instances_folder)
        )
        with without_dagster_yaml_hint():
            instance = stack.enter_context(DagsterInstance.ephemeral(tempdir=home))
        if settings.engine == "duckdb":  # dbt imported while the sources load (not for Spark: DECISIONLOG)
            stack.enter_context(dbt_forkserver.serving())
        if before_first_step is not None:
            before_first_step()
        loggers = {}
        if not verbose:
            console, log_file = stack.enter_context(quiet_run_output(run_log_path(settings)))
            loggers = {"console": step_lines_logger(console, log_file)}
        run_defs = Definitions(
            assets=list(defs.assets),
            asset_checks=list(defs.asset_checks),  # the checks run here as in the daily job
            resources=defs.resources,
            jobs=[job],
            loggers=loggers or None,
        )
        console_config = {} if loggers else {"config": {"log_level": "INFO"}}
        job_def = run_defs.resolve_job_def(RUN_JOB)
        stack.enter_context(garbage_collection.objects_alive_now_left_alone())  # the imports, the world
        return job_def.execute_in_process(
            run_config={"loggers": {"console": console_config}},
            instance=instance,
            raise_on_error=False,
            tags=range_tags(days),
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
    """Simulate the world, serve it, run the whole graph on a fresh warehouse, print the summary.

    The world is simulated, written and served by a child process (`sandbox.served_world`) while
    this one builds the run; the run waits for it before its first step."""
    from commands.report import default_report_path, write_report
    from commands.stopping import STOPPED_EXIT_CODE
    from commands.summary import print_summary
    from sandbox.served_world import served_world

    started = time.monotonic()
    settings = load_settings()
    os.environ.setdefault("PII_HASH_KEY", SANDBOX_PII_KEY)
    os.environ.setdefault(FRESHNESS_AS_OF, sandbox_clock(spec))
    print(f"[1/4] simulating {spec.persons} persons over {spec.days} days (seed {spec.seed})", flush=True)
    with (
        writer_lock(settings.warehouse_path, what=f"microfunnel demo (pid {os.getpid()})", report=print),
        served_world(
            spec, settings.sandbox_dir, progress=persons_progress(), export_progress=export_progress()
        ) as sandbox,  # forked inside the lock: a second demo waits before it writes the same files
    ):
        _start_from_an_empty_warehouse(settings)
        os.environ.update(sandbox.env)

        def once_served() -> None:
            sandbox.wait_until_served()
            print("[2/4] serving the vendor APIs on 127.0.0.1", flush=True)
            print("[3/4] running the asset graph (dlt -> dbt -> checks -> serving snapshot)", flush=True)

        code = run_graph(settings=settings, before_first_step=once_served)
        if code == STOPPED_EXIT_CODE:
            sandbox.stop()  # Ctrl-C: the sandbox ends now, not once its world and truth are written
            return code
        if code:
            print("demo: the run failed; see the log above", file=sys.stderr)
            return code
        print("[4/4] summary", flush=True)
        identity_scores = sandbox.identity_scores(settings.serving_path)  # computed while the report is
        with garbage_collection.objects_alive_now_left_alone():
            report = write_report(settings.serving_path, default_report_path(settings.serving_path))
            print_summary(settings, identity_scores, wall_seconds=time.monotonic() - started)
    print(where_to_look(report, settings.serving_path))
    return 0


def where_to_look(report: Path, serving: Path) -> str:
    """The demo's last lines: the two files it made for people, and one line on opening each."""
    return (
        f"\nreport:  {report}\n"
        f"         open it in a browser (one file, works offline), e.g. xdg-open {report}\n"
        f"serving: {serving}\n"
        f"         duckdb -readonly {serving}, or point Superset/Metabase at it "
        '(README "Connecting BI tools to the serving file")'
    )


def _start_from_an_empty_warehouse(settings: Settings) -> None:
    """The demo rebuilds from nothing, so it deletes the warehouse (on Spark also the lake and Spark's
    tables), but only the project's own."""
    demo_data = PROJECT_ROOT / "data"
    spark = settings.engine == "spark"
    for name, path in [("WAREHOUSE_PATH", settings.warehouse_path)] + (
        [("MICROFUNNEL_LAKE_PATH", settings.lake), ("MICROFUNNEL_SPARK_WAREHOUSE", settings.spark_tables)]
        if spark
        else []
    ):
        if not path.resolve().is_relative_to(demo_data.resolve()):
            raise SystemExit(
                f"demo: {name}={path} is outside {demo_data}; the demo starts from nothing and will not "
                f"delete it. Unset {name} or point it into data/."
            )
    settings.warehouse_path.unlink(missing_ok=True)
    settings.warehouse_path.with_name(settings.warehouse_path.name + ".wal").unlink(missing_ok=True)
    shutil.rmtree(settings.warehouse_path.parent / ".dlt_pipelines", ignore_errors=True)
    if spark:
        shutil.rmtree(settings.lake, ignore_errors=True)
        shutil.rmtree(settings.spark_tables, ignore_errors=True)


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
    load_definitions(settings)  # fail here, not in the UI, on a bad catalog; prepares the dbt manifest
    release_stale_dagster_state()
    write_world_files(
        spec, settings.sandbox_dir, progress=persons_progress(), export_progress=export_progress()
    )
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
