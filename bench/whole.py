"""The whole pipeline at scale: a GA4-only world of N events, the real `microfunnel run` timed
stage by stage, its peers run side by side on the same data, and one incremental day against a
full refresh.

What is measured is what users run: `microfunnel run` as a subprocess in a temporary folder
(its own warehouse, serving file, DAGSTER_HOME and dbt target folder). Stage times come from the
run itself: each Dagster step's duration (its `done in` line; the line's arrival gives its
window), and inside the dbt steps each node's compile+execute interval from dbt's
run_results.json, grouped into the issue's stages by the model's folder (STAGE_OF_FOLDER). Where
two nodes overlap (a profile with more than one dbt thread), each gets half of that time: the stage
rows add up to the dbt step, and the step rows to the run's wall time (what no node covers is dbt's start-up,
its gaps between nodes or its end, dbt_phases; what no step covers is "run start-up & teardown":
imports, definitions, manifest check). Peak RSS is the resident memory of the whole process tree
(the run and its dbt child), sampled every 100 ms and given to the stages running at that instant.

Peers (bench/whole_peers.py) run after the run, in this process, on the same files or on this
run's warehouse, and each one's answer is checked against ours. `--code REV` runs the pipeline of
a git revision (exported into the work folder) instead of the working tree, so a result names one
commit however busy the checkout is. Figures go to bench/results/<name>.json (committable).

python -m bench whole --events 1000000 --format parquet
python -m bench whole --events 300000 --shapes          # every shape at one size, ratios to normal
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from microfunnel.settings import INGESTION_DIR, PROJECT_ROOT

RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
FORMATS = ("parquet", "ndjson.gz")
SHAPES = ("normal", "heavy_persons", "hub", "chain")
BENCH_PII_KEY = "bench-whole-only-key"  # the world's emails are synthetic; any key hashes them
DUCKDB_ENV = {  # passed to the run when given: the project's DuckDB memory limit and spill folder
    "memory_limit": "MICROFUNNEL_DUCKDB_MEMORY_LIMIT",
    "temp_directory": "MICROFUNNEL_DUCKDB_TEMP_DIR",
}
SHAPE_LIMIT = 3.0  # the goal: no stress shape makes its stage more than 3x slower
INCREMENTAL_GOAL = 5.0  # the goal: a full refresh takes >= 5x one incremental day
MEMORY_GOAL_MB = 4096  # the goal at M = 10M events

# The stages, then the rest of the run so the rows add up to its wall time.
INGEST = "ingest"
CONFIG = "config load (dlt)"
STAGING = "staging"
STITCHING = "identity stitching"
SESSIONS = "sessions + person timeline"
MICRO = "micro-conversions"
FUNNELS = "funnel facts"
DAILY = "daily roll-ups"
OTHER_MODELS = "other dbt models (audiences, experiments, ...)"
TESTS = "dbt tests (data + unit)"
DBT_START = "dbt start-up (process, parse)"
DBT_GAPS = "dbt between nodes"
DBT_END = "dbt end (results back to Dagster)"
CHECKS = "asset checks (freshness, funnels)"
PUBLISH = "publish (serving snapshot)"
STARTUP = "run start-up & teardown"
TOTAL = "total (the run's wall time)"
STAGE_ORDER = (
    INGEST,
    CONFIG,
    STAGING,
    STITCHING,
    SESSIONS,
    MICRO,
    FUNNELS,
    DAILY,
    OTHER_MODELS,
    TESTS,
    DBT_START,
    DBT_GAPS,
    DBT_END,
    CHECKS,
    PUBLISH,
    STARTUP,
)
STEP_STAGES = {"dlt_ga4": INGEST, "dlt_config": CONFIG, "serving__snapshot": PUBLISH}
DBT_STEPS = ("dbt_models", "dbt_day_grained_models")
# A model's stage by its path under models/ (first match); the tag day_grained wins over all.
STAGE_OF_FOLDER = (
    ("models/staging/", STAGING),
    ("models/intermediate/identity/", STITCHING),
    ("models/marts/identity/", STITCHING),
    ("models/intermediate/sessions/", SESSIONS),
    ("models/intermediate/events/", SESSIONS),  # events on their session's person: the timeline
    ("models/marts/core/fct_sessions", SESSIONS),
    ("models/intermediate/conversions/", MICRO),
    ("models/marts/conversions/", MICRO),
    ("models/intermediate/funnels/", FUNNELS),
    ("models/intermediate/paths/", FUNNELS),  # the per-person paths the funnel marts count
    ("models/marts/funnels/", FUNNELS),
)
# Stages whose input is the GA4 events (rows/s = events / s); the others name theirs.
EVENT_STAGES = (STAGING, STITCHING, SESSIONS, MICRO, FUNNELS)


# ---------------------------------------------------------------- stages (pure, unit-tested)


def stage_of_step(step_key: str) -> str | None:
    """The stage a Dagster step's whole time belongs to; None for a dbt step (split by its nodes)."""
    if step_key in DBT_STEPS:
        return None
    if step_key in STEP_STAGES:
        return STEP_STAGES[step_key]
    return INGEST if step_key.startswith("dlt_") else CHECKS


def stage_of_node(unique_id: str, path: str = "", tags: Iterable[str] = ()) -> str:
    """The stage of one dbt node: tests by kind, models by the tag day_grained, then by folder."""
    kind = unique_id.split(".", 1)[0]
    if kind in ("test", "unit_test"):
        return TESTS
    if "day_grained" in tags:
        return DAILY
    for prefix, stage in STAGE_OF_FOLDER:
        if path.startswith(prefix):
            return stage
    return OTHER_MODELS


@dataclass(frozen=True)
class Interval:
    """Something that ran from `start` to `end` (epoch seconds), and the stage it counts for."""

    start: float
    end: float
    stage: str


def dbt_phases(window: Interval, nodes: Sequence[Interval]) -> list[Interval]:
    """A dbt step's time outside its nodes, in three parts: before its first node (the process
    starts, parses, reads the warehouse's catalog), between nodes, after its last node (dbt
    writes its artifacts, Dagster turns its events into materializations and check results)."""
    inside = [n for n in nodes if n.end > window.start and n.start < window.end]
    if not inside:
        return [Interval(window.start, window.end, DBT_START)]
    first, last = max(min(n.start for n in inside), window.start), min(max(n.end for n in inside), window.end)
    return [
        Interval(window.start, first, DBT_START),
        Interval(first, last, DBT_GAPS),
        Interval(last, window.end, DBT_END),
    ]


def split_by_stage(window: Interval, nodes: Sequence[Interval], seconds: float) -> dict[str, float]:
    """`seconds` of one dbt step shared among stages: each instant of the window goes to the nodes
    running then, split equally (with two threads: half each), or else to its dbt phase (dbt_phases);
    the difference between `seconds` (Dagster's duration) and the observed window goes to the end."""
    shares: dict[str, float] = defaultdict(float)
    clipped = [
        Interval(max(n.start, window.start), min(n.end, window.end), n.stage)
        for n in nodes
        if n.end > window.start and n.start < window.end
    ]
    phases = dbt_phases(window, clipped)
    bounds = [p.start for p in phases] + [window.end]
    points = sorted({*bounds, *(n.start for n in clipped), *(n.end for n in clipped)})
    for a, b in zip(points, points[1:], strict=False):
        running = [n.stage for n in clipped if n.start <= a and n.end >= b]
        for stage in running:
            shares[stage] += (b - a) / len(running)
        if not running:
            shares[next(p.stage for p in phases if p.start <= a < p.end)] += b - a
    shares[phases[-1].stage] += seconds - (window.end - window.start)
    return {stage: max(value, 0.0) for stage, value in shares.items()}


def stages_at(t: float, steps: Sequence[Interval], nodes: Sequence[Interval]) -> list[str]:
    """The stages running at instant `t`: the dbt nodes running, else the step, else start-up."""
    running = [n.stage for n in nodes if n.start <= t <= n.end]
    if running:
        return running
    return [s.stage for s in steps if s.start <= t <= s.end][:1] or [STARTUP]


def cpu_by_stage(
    samples: Sequence[tuple[float, float]], steps: Sequence[Interval], nodes: Sequence[Interval], total: float
) -> dict[str, float]:
    """CPU seconds by stage: each increase between two samples goes to the stages running at the
    later one, split equally; what came before the first sample and after the last (`total` is the
    run's whole CPU) to start-up & teardown."""
    cpu: dict[str, float] = defaultdict(float)
    previous = 0.0
    for t, used in samples:
        running = stages_at(t, steps, nodes)
        for stage in running:
            cpu[stage] += max(used - previous, 0.0) / len(running)
        previous = max(previous, used)
    cpu[STARTUP] += max(total - previous, 0.0)
    return dict(cpu)


def peak_by_stage(
    samples: Sequence[tuple[float, int]], steps: Sequence[Interval], nodes: Sequence[Interval]
) -> dict[str, int]:
    """The highest sampled RSS (bytes) while each stage ran."""
    peaks: dict[str, int] = defaultdict(int)
    for t, rss in samples:
        for stage in stages_at(t, steps, nodes):
            peaks[stage] = max(peaks[stage], rss)
    return dict(peaks)


# ---------------------------------------------------------------- the run, observed


@dataclass
class Step:
    key: str
    started: float  # epoch seconds when its "started" line arrived
    ended: float | None = None
    seconds: float | None = None  # Dagster's duration (the "done in" line)
    failed: str | None = None


@dataclass
class RunRecord:
    """One `microfunnel run`: its wall time, steps, dbt nodes and RSS samples."""

    label: str
    run_dir: Path
    command: list[str]
    started: float
    wall: float = 0.0
    exit_code: int = 0
    steps: list[Step] = field(default_factory=list)
    nodes: list[Interval] = field(default_factory=list)
    node_seconds: dict[str, float] = field(default_factory=dict)  # unique_id -> execution_time
    samples: list[tuple[float, int]] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dbt_parses: dict[str, tuple[float, bool]] = field(default_factory=dict)  # step -> (seconds, full)
    cpu_samples: list[tuple[float, float]] = field(default_factory=list)  # (time, tree CPU seconds)
    cpu: float = 0.0  # CPU seconds of the whole run (its own and its children's)
    load: float = 0.0  # the machine's mean 1-minute load average during the run

    @property
    def warehouse(self) -> Path:
        return self.run_dir / "warehouse.duckdb"

    @property
    def serving(self) -> Path:
        return self.run_dir / "serving.duckdb"

    def stage_seconds(self) -> dict[str, float]:
        """Every second of the run's wall time in one stage (STAGE_ORDER)."""
        seconds: dict[str, float] = defaultdict(float)
        for step in self.steps:
            duration = step.seconds or 0.0
            stage = stage_of_step(step.key)
            if stage is not None:
                seconds[stage] += duration
                continue
            window = Interval(step.started, step.ended or step.started, DBT_START)
            for name, share in split_by_stage(window, self.nodes, duration).items():
                seconds[name] += share
        seconds[STARTUP] += max(self.wall - sum(step.seconds or 0.0 for step in self.steps), 0.0)
        return dict(seconds)

    def step_intervals(self) -> list[Interval]:
        """Each step's window and stage; a dbt step's as its phases (its nodes are self.nodes)."""
        intervals = []
        for step in self.steps:
            window = Interval(step.started, step.ended or step.started, stage_of_step(step.key) or DBT_START)
            intervals += [window] if step.key not in DBT_STEPS else dbt_phases(window, self.nodes)
        return intervals

    def stage_cpu(self) -> dict[str, float]:
        """The run's CPU seconds by stage (stages_at each sample); the rest after the last sample
        (the process's exit) is start-up & teardown."""
        return cpu_by_stage(self.cpu_samples, self.step_intervals(), self.nodes, self.cpu)

    def peak_rss(self) -> dict[str, int]:
        return peak_by_stage(self.samples, self.step_intervals(), self.nodes)

    def step_seconds(self) -> dict[str, float]:
        return {s.key: s.seconds or 0.0 for s in self.steps}


STARTED = re.compile(r"^  (\S+) started$")
DONE = re.compile(r"^  (\S+) done in ([\d.]+) s$")
FAILED = re.compile(r"^  (\S+) FAILED: (.*)$")


def tree_usage(pid: int) -> tuple[int, float]:
    """(resident bytes, CPU seconds) of `pid` and all its descendants, from Linux /proc: shared
    pages count in each process; CPU is each live process's user+system time plus what its reaped
    children used (so a dbt process that ended still counts, once)."""
    page, tick = os.sysconf("SC_PAGE_SIZE"), os.sysconf("SC_CLK_TCK")
    rss, cpu, todo = 0, 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/statm") as statm:
                rss += int(statm.read().split()[1]) * page
            with open(f"/proc/{current}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            cpu += sum(int(value) for value in fields[11:15]) / tick  # utime stime cutime cstime
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            continue
    return rss, cpu


class RssSampler(threading.Thread):
    """Samples tree_usage(pid) every `interval` seconds, and the machine's 1-minute load average every
    second (the machine is shared: a load above its cores means the run waited for CPU)."""

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, int]] = []  # (time, rss bytes)
        self.cpu: list[tuple[float, float]] = []  # (time, cpu seconds so far)
        self.load: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        ticks = 0
        while not self.stop.wait(self.interval):
            now = time.time()
            rss, cpu = tree_usage(self.pid)
            if rss:  # 0: the process has exited (or not yet started)
                self.samples.append((now, rss))
                self.cpu.append((now, cpu))
            ticks += 1
            if ticks % round(1 / self.interval) == 0:
                self.load.append(os.getloadavg()[0])


@dataclass(frozen=True)
class RunOptions:
    """What every run of one benchmark shares: DuckDB settings (DUCKDB_ENV) and the code to run."""

    duckdb: Mapping[str, str] = field(default_factory=dict)
    code: Path | None = None  # a `--code` export; None: the working tree


def run_env(
    run_dir: Path,
    folder: Path,
    first_day: date,
    last_day: date,
    options: RunOptions,
) -> dict[str, str]:
    """The environment of a GA4-only `microfunnel run` into `run_dir` (README, "Configuration");
    with `options.code`, the project's packages are imported from that folder (a `--code` export)."""
    env = {
        **os.environ,
        "MICROFUNNEL_SOURCES": "ga4",
        "SOURCES__GA4__BUCKET_URL": str(folder),
        "WAREHOUSE_PATH": str(run_dir / "warehouse.duckdb"),
        "SERVING_PATH": str(run_dir / "serving.duckdb"),
        "MICROFUNNEL_FIRST_EXPORT_DAY": first_day.isoformat(),
        "MICROFUNNEL_FRESHNESS_AS_OF": f"{last_day + timedelta(days=1)}T06:00:00+00:00",
        "DAGSTER_HOME": str(run_dir / "dagster_home"),
        "DBT_TARGET_PATH": str(run_dir / "dbt_target"),  # dagster-dbt's per-invocation folders
        "PII_HASH_KEY": os.environ.get("PII_HASH_KEY", BENCH_PII_KEY),
        "PYTHONUNBUFFERED": "1",
    }
    env.setdefault("DLT_PROJECT_DIR", str(INGESTION_DIR))
    if options.code is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(options.code), os.environ.get("PYTHONPATH")]))
        env["DLT_PROJECT_DIR"] = str(options.code / "ingestion")
    for name, value in options.duckdb.items():
        env[DUCKDB_ENV[name]] = value
    for stale in ("SOURCES__GA4__START_DATE", "SOURCES__GA4__END_DATE", "CONVERSIONS_CONFIG"):
        env.pop(stale, None)
    return env


# What the `microfunnel` console script runs, in the code under test (`--code`): `entry` since f19cd65,
# `main` before (the script installed in the environment names only one of them).
CONSOLE_SCRIPT = "import sys; from commands import cli; sys.exit(getattr(cli, 'entry', cli.main)())"


def run_pipeline(
    label: str, run_dir: Path, env: Mapping[str, str], select: str | None = None, echo: bool = True
) -> RunRecord:
    """`microfunnel run` in `run_dir`, its lines timestamped as they arrive, its tree's RSS sampled."""
    (run_dir / "dagster_home").mkdir(parents=True, exist_ok=True)
    dbt_target = Path(env["DBT_TARGET_PATH"])
    shutil.rmtree(dbt_target, ignore_errors=True)  # this run's dbt folders only
    command = [sys.executable, "-c", CONSOLE_SCRIPT, "run"]
    if select:
        command += ["--select", select]
    record = RunRecord(label, run_dir, command, started=time.time())
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=run_dir, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    sampler = RssSampler(process.pid)
    sampler.start()
    steps: dict[str, Step] = {}
    in_checks = False
    with open(run_dir / f"{label}.out", "w") as transcript:
        for line in process.stdout:
            now = time.time()
            line = line.rstrip("\n")
            transcript.write(line + "\n")
            if echo:
                print(f"    | {line}", flush=True)
            if match := STARTED.match(line):
                steps[match[1]] = Step(match[1], started=now)
                record.steps.append(steps[match[1]])
            elif (match := DONE.match(line)) and match[1] in steps:
                steps[match[1]].ended, steps[match[1]].seconds = now, float(match[2])
            elif (match := FAILED.match(line)) and match[1] in steps:
                steps[match[1]].ended, steps[match[1]].failed = now, match[2]
                steps[match[1]].seconds = now - steps[match[1]].started
            elif line.startswith("checks:"):
                record.checks, in_checks = [line], True
            elif in_checks and line.startswith("  "):
                record.checks.append(line.strip())
            elif line.startswith("  warning:") or line.startswith("  warn:"):
                record.warnings.append(line.strip())
            else:
                in_checks = False
    _, status, usage = os.wait4(process.pid, 0)  # its CPU, and its reaped children's
    process.returncode = record.exit_code = os.waitstatus_to_exitcode(status)
    record.wall = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    record.samples, record.cpu_samples = sampler.samples, sampler.cpu
    record.cpu = usage.ru_utime + usage.ru_stime
    record.nodes, record.node_seconds = dbt_nodes(dbt_target)
    record.dbt_parses = dbt_parses(dbt_target)
    record.load = sum(sampler.load) / len(sampler.load) if sampler.load else os.getloadavg()[0]
    return record


# Loads the definitions, which parse the selection's manifest when it is missing or stale (parsed
# with other files, sources or profile environment: orchestration.resources.parse_stamp).
PREPARE = (
    "from commands.runner import load_definitions; from microfunnel.settings import load_settings; "
    "load_definitions(load_settings())"
)


def prepare_project(env: Mapping[str, str]) -> float:
    """Build the run's definitions once, unmeasured: the dbt manifest of a GA4-only selection is
    parsed when missing or stale, which only the first run after a change pays (a daily run finds
    it current). Without it, the first run measured would carry the parse in its start-up."""
    started = time.perf_counter()
    folder = Path(env["WAREHOUSE_PATH"]).parent  # not the checkout: `-c` imports from its cwd first
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-c", PREPARE], cwd=folder, env=dict(env), check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def dbt_nodes(target: Path) -> tuple[list[Interval], dict[str, float]]:
    """Each dbt node's [first start, last end] (compile + execute) and stage, from the
    run_results.json and manifest.json of every dbt invocation under `target`."""
    intervals, seconds = [], {}
    for results_file in sorted(target.glob("*/run_results.json")):
        manifest = json.loads((results_file.parent / "manifest.json").read_text())
        nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
        for result in json.loads(results_file.read_text())["results"]:
            uid, timing = result["unique_id"], result.get("timing") or []
            seconds[uid] = seconds.get(uid, 0.0) + result.get("execution_time", 0.0)
            times = [_epoch(t[k]) for t in timing for k in ("started_at", "completed_at") if t.get(k)]
            if not times:
                continue
            node = nodes.get(uid, {})
            stage = stage_of_node(uid, node.get("original_file_path", ""), node.get("tags", ()))
            intervals.append(Interval(min(times), max(times), stage))
    return intervals, seconds


def dbt_parses(target: Path) -> dict[str, tuple[float, bool]]:
    """Per dbt invocation under `target` (named <step>-<run>-<id>): how long dbt parsed the project
    (its first log line to "Found N models") and whether it was a full parse (no partial_parse.msgpack
    to start from), read from the invocation's dbt.log (JSON lines)."""
    parses = {}
    for log in sorted(target.glob("*/dbt.log")):
        started = found = None
        full = False
        with open(log) as lines:
            for line in lines:
                if '"name": "' not in line:
                    continue
                try:
                    info = json.loads(line)["info"]
                except (ValueError, KeyError):
                    continue
                started = started or _epoch(info["ts"])
                full = full or info.get("name") == "UnableToPartialParse"
                if info.get("name") == "FoundStats":
                    found = _epoch(info["ts"])
                    break
        if started and found:
            parses[log.parent.name.split("-")[0]] = (found - started, full)
    return parses


def node_label(unique_id: str) -> str:
    """A dbt node's readable name: model.microfunnel.x -> x; a test's name without its hash; a unit
    test as model:test."""
    parts = unique_id.split(".")
    if parts[0] == "unit_test" and len(parts) >= 4:
        return f"{parts[2]}:{parts[3]}"
    return parts[2] if parts[0] == "test" and len(parts) >= 3 else parts[-1]


def _epoch(text: str) -> float:
    stamp = datetime.fromisoformat(text)
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp()


def export_code(revision: str, root: Path) -> tuple[Path, str]:
    """`git archive` of `revision` into root/code: the run imports it instead of the working tree,
    so a benchmark measures one commit whatever is being edited in the checkout."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    code = root / "code"
    shutil.rmtree(code, ignore_errors=True)
    code.mkdir(parents=True)
    archive = subprocess.Popen(["git", "archive", commit], cwd=PROJECT_ROOT, stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(code)], stdin=archive.stdout, check=True)
    if archive.wait():
        raise SystemExit(f"git archive {commit} failed")
    return code, commit


# ---------------------------------------------------------------- the world


@dataclass
class World:
    """The export files of the first run in `folder`; the next day's, written aside, in `next_day`."""

    folder: Path
    file_format: str
    shape: str
    events: int  # in the first run's files
    next_day_events: int
    persons: int
    first_day: date
    last_day: date  # the first run's last day; the next day is the one after
    seconds: float
    next_day: list[Path] = field(default_factory=list)

    def add_next_day(self) -> None:
        """The next day's export arrives: moved into the folder with a new modification time (the
        GA4 source reads files changed since its last run)."""
        for path in self.next_day:
            target = self.folder / path.name
            path.rename(target)
            os.utime(target)


def export_day_of(path: Path) -> date | None:
    match = re.search(r"events_(\d{8})", path.name)
    return datetime.strptime(match[1], "%Y%m%d").date() if match else None


def count_events(paths: Iterable[Path]) -> int:
    """Events in export files: Parquet from its footer, NDJSON by its lines."""
    import pyarrow.parquet as pq

    total = 0
    for path in paths:
        if ".parquet" in path.name:
            total += pq.ParquetFile(path).metadata.num_rows
        else:
            opener = gzip.open if path.name.endswith(".gz") else open
            with opener(path, "rb") as stream:
                total += sum(1 for line in stream if line.strip())
    return total


def make_world(root: Path, events: int, file_format: str, shape: str, days: int, seed: int) -> World:
    """bench.ga4_world's world of `events` over `days` days, and its next day written aside for the
    incremental run (the same persons continuing, events // days rows)."""
    from bench.ga4_world import generate_world, write_day

    started = time.perf_counter()
    generated = generate_world(
        root / f"world-{file_format}", events, file_format, shape=shape, days=days, seed=seed
    )
    next_day = write_day(
        root / f"next-day-{file_format}",
        generated.last_day + timedelta(days=1),
        events,
        file_format,
        shape=shape,
        days=days,
        seed=seed,
    )
    return World(
        folder=Path(generated.folder),
        file_format=file_format,
        shape=shape,
        events=generated.events,
        next_day_events=count_events([next_day]),
        persons=generated.persons,
        first_day=generated.first_day,
        last_day=generated.last_day,
        seconds=time.perf_counter() - started,
        next_day=[next_day],
    )


# ---------------------------------------------------------------- the table and the JSON


@dataclass
class PeerResult:
    """A peer's time on the same work as one of our stages, and whether its answer equals ours."""

    stage: str
    peer: str
    seconds: float | None
    ratio: float | None  # peer time / our time on the same data (projected for a sample)
    equal: bool | None
    note: str = ""
    detail: dict = field(default_factory=dict)


def stage_rows(
    record: RunRecord,
    inputs: Mapping[str, int],
    peers: Sequence[PeerResult] = (),
    extra_ingest: Sequence[RunRecord] = (),
) -> list[dict]:
    """One row per stage (STAGE_ORDER) with its peers; an extra ingest row per other file format."""
    seconds, cpu, peaks = record.stage_seconds(), record.stage_cpu(), record.peak_rss()
    rows = []
    for stage in STAGE_ORDER:
        if stage not in seconds:
            continue
        label = f"{INGEST} ({record.label})" if stage == INGEST and inputs else stage
        rows.append(
            _row(label, seconds[stage], inputs.get(stage), peaks.get(stage), peers, stage, record.label)
        )
        rows[-1]["cpu_s"] = round(cpu.get(stage, 0.0), 3)
        if stage == INGEST:
            for other in extra_ingest:
                rows.append(
                    _row(
                        f"{INGEST} ({other.label}, own run)",
                        other.stage_seconds().get(INGEST, 0.0),
                        inputs.get(f"{INGEST} ({other.label})"),
                        other.peak_rss().get(INGEST),
                        peers,
                        stage,
                        other.label,
                        counted=False,
                    )
                )
                rows[-1]["cpu_s"] = round(other.stage_cpu().get(INGEST, 0.0), 3)
    return rows


def _row(label, seconds, rows, peak, peers, stage, fmt, counted=True) -> dict:
    mine = [
        asdict(p)
        for p in peers
        if p.stage == stage and (stage != INGEST or p.detail.get("file_format") in (None, fmt))
    ]
    return {
        "stage": label,
        "seconds": round(seconds, 3),
        "cpu_s": None,
        "input_rows": rows,
        "rows_per_s": round(rows / seconds) if rows and seconds > 0 else None,
        "peak_rss_mb": round(peak / 2**20) if peak else None,
        "in_total": counted,
        "peers": mine,
    }


def format_table(rows: Sequence[dict], wall: float, peak_mb: float | None) -> str:
    """The stage table: one line per stage, a continuation line per further peer, a total."""
    header = ("stage", "wall s", "CPU s", "rows/s", "peak RSS MB", "peer", "peer s", "ratio", "answer equal?")
    lines = []
    for row in rows:
        peers = row["peers"] or [None]
        for index, peer in enumerate(peers):
            ours = (
                (
                    row["stage"],
                    _num(row["seconds"], 1),
                    _num(row.get("cpu_s"), 1),
                    _num(row["rows_per_s"]),
                    _num(row["peak_rss_mb"]),
                )
                if index == 0
                else ("", "", "", "", "")
            )
            theirs = (
                (peer["peer"], _num(peer["seconds"], 1), _ratio(peer["ratio"]), _equal(peer))
                if peer
                else ("", "", "", "")
            )
            lines.append(ours + theirs)
    total = sum(row["seconds"] for row in rows if row["in_total"])
    cpu = sum(row.get("cpu_s") or 0.0 for row in rows if row["in_total"])
    footer = [(TOTAL, _num(total, 1), _num(cpu, 1), "", _num(peak_mb), "", "", "", "")]
    if abs(total - wall) > 0.5:
        footer.append(("  (measured wall)", _num(wall, 1), "", "", "", "", "", "", ""))
    widths = [max(len(str(cells[i])) for cells in [header, *lines, *footer]) for i in range(len(header))]
    numeric = {1, 2, 3, 4, 6, 7}

    def render(cells) -> str:
        return "  ".join(
            str(c).rjust(w) if i in numeric else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([render(header), rule, *map(render, lines), rule, *map(render, footer)])


def _num(value, digits: int = 0) -> str:
    if value is None:
        return ""
    return f"{value:,.{digits}f}"


def _ratio(value) -> str:
    return "" if value is None else f"{value:.2f}x"


def _equal(peer: Mapping) -> str:
    if peer["equal"] is None:
        return "n/a"
    return "yes" if peer["equal"] else "no (see note)"


def result_name(events: int, formats: Sequence[str], shape: str) -> str:
    """whole-1M-parquet-normal, whole-300k-both-shapes, ..."""
    fmt = formats[0] if len(formats) == 1 else "both"
    return f"whole-{human_count(events)}-{fmt}-{shape}"


def human_count(n: int) -> str:
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if n >= size and n % (size // 10) == 0:
            text = f"{n / size:.1f}".removesuffix(".0")
            return f"{text}{unit}"
    return str(n)


def machine_info(argv: Sequence[str]) -> dict:
    """What a later reader needs to compare runs: cores, RAM, versions, commit, command line."""
    import duckdb

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    memory_kb = 0
    try:
        with open("/proc/meminfo") as meminfo:
            memory_kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration):
        pass
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench whole " + shlex.join(argv),
        "cores": os.cpu_count(),
        "ram_gib": round(memory_kb / 2**20, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def run_document(record: RunRecord, rows: Sequence[dict]) -> dict:
    """One run's figures for the JSON: wall, exit code, stage rows, steps, slowest models, checks."""
    slowest = sorted(record.node_seconds.items(), key=lambda item: item[1], reverse=True)[:10]
    peak = max((rss for _, rss in record.samples), default=0)
    return {
        "label": record.label,
        "wall_s": round(record.wall, 3),
        "cpu_s": round(record.cpu, 3),
        "exit_code": record.exit_code,
        "peak_rss_mb": round(peak / 2**20),
        "stages": list(rows),
        "steps": {key: round(value, 3) for key, value in record.step_seconds().items()},
        "timeline": [  # each step's start and end, seconds after the run started
            {
                "step": step.key,
                "start": round(step.started - record.started, 2),
                "end": round((step.ended or step.started) - record.started, 2),
            }
            for step in record.steps
        ],
        "slowest_dbt_nodes": [{"node": node_label(uid), "seconds": round(s, 3)} for uid, s in slowest],
        "checks": record.checks,
        "warnings": record.warnings,
        "dbt_parse_s": {
            step: {"seconds": round(sec, 2), "full": full} for step, (sec, full) in record.dbt_parses.items()
        },
        "mean_load": round(record.load, 2),
    }


def write_results(document: dict, name: str, results_dir: Path = RESULTS_DIR) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{name}.json"
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return path


# ---------------------------------------------------------------- the benchmark


def stage_inputs(record: RunRecord, world: World) -> dict[str, int]:
    """Each stage's input rows: export events for ingest, raw events for the event stages,
    funnel-step rows for the daily roll-ups, mart rows for publish."""
    import duckdb

    inputs = {INGEST: world.events}
    with duckdb.connect(str(record.warehouse), read_only=True) as connection:
        (raw,) = connection.execute("select count(*) from raw_ga4.events").fetchone()
        inputs.update(dict.fromkeys(EVENT_STAGES, raw))
        (steps,) = connection.execute("select count(*) from marts.fct_funnel_steps").fetchone()
        inputs[DAILY] = steps
    if record.serving.exists():
        with duckdb.connect(str(record.serving), read_only=True) as connection:
            tables = connection.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
            inputs[PUBLISH] = sum(
                connection.execute(f'select count(*) from marts."{name}"').fetchone()[0] for (name,) in tables
            )
    return inputs


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    formats = FORMATS if args.format == "both" else (args.format,)
    duckdb_settings = {
        name: value
        for name, value in (("memory_limit", args.memory_limit), ("temp_directory", args.temp_dir))
        if value
    }
    name = args.name or result_name(args.events, formats, "shapes" if args.shapes else args.shape)
    with _root(args.keep) as root:
        print(f"bench whole: {name} in {root}", flush=True)
        code = {"code": "working tree"}
        options = RunOptions(duckdb_settings)
        if args.code:
            folder, commit = export_code(args.code, root)
            options, code = RunOptions(duckdb_settings, folder), {"code": f"{args.code} = {commit}"}
            print(f"running the pipeline of {args.code} ({commit[:10]}), exported to {folder}", flush=True)
        if args.shapes:
            document = bench_shapes(root, args, formats[0], options)
        else:
            document = bench_one(root, args, formats, options)
    document = {"name": name, **machine_info(argv), **code, **document}
    path = write_results(document, name)
    print(f"\nfigures: {path}")
    return 0 if document.get("ok", False) else 1


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench whole", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="GA4 events of the first run")
    parser.add_argument("--days", type=int, default=28, help="export days of the first run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=(*FORMATS, "both"), default="both")
    parser.add_argument("--shape", choices=SHAPES, default="normal")
    parser.add_argument(
        "--shapes",
        action="store_true",
        help="run every shape at this size; print each stage's ratio to normal",
    )
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--skip-incremental", action="store_true")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="work in DIR and keep the world and warehouses"
    )
    parser.add_argument(
        "--memory-limit", help=f"DuckDB memory_limit for the run ({DUCKDB_ENV['memory_limit']})"
    )
    parser.add_argument(
        "--temp-dir", help=f"DuckDB temp_directory to spill to ({DUCKDB_ENV['temp_directory']})"
    )
    parser.add_argument("--name", help="results name (default: whole-<events>-<format>-<shape>)")
    parser.add_argument(
        "--code",
        metavar="REV",
        help="run the pipeline of this git revision (exported to the work folder) instead of the "
        "working tree, e.g. HEAD: a commit's figures whatever is being edited in the checkout",
    )
    parser.add_argument("--quiet", action="store_true", help="do not echo the runs' own lines")
    return parser.parse_args(argv)


class _root:
    """--keep DIR, else a temporary folder removed at the end."""

    def __init__(self, keep: Path | None):
        self.keep = keep

    def __enter__(self) -> Path:
        if self.keep:
            self.keep.mkdir(parents=True, exist_ok=True)
            return self.keep.resolve()
        self._tmp = tempfile.TemporaryDirectory(prefix="bench_whole_")
        return Path(self._tmp.name)

    def __exit__(self, *exc) -> None:
        if not self.keep:
            self._tmp.cleanup()


def bench_one(root: Path, args: argparse.Namespace, formats: Sequence[str], options: RunOptions) -> dict:
    """World(s), the main run on the first format, an ingest-only run per other format, the peers,
    then one incremental day against a full refresh."""
    from bench import whole_peers

    worlds = {}
    for fmt in formats:
        worlds[fmt] = make_world(root, args.events, fmt, args.shape, args.days, args.seed)
        w = worlds[fmt]
        print(
            f"world {fmt}: {w.events:,} events of {w.persons:,} persons, {w.first_day}..{w.last_day} "
            f"(+1 day aside: {w.next_day_events:,} events), generated in {w.seconds:.1f} s",
            flush=True,
        )
    main_fmt, world = formats[0], worlds[formats[0]]
    echo = not args.quiet
    env = run_env(root / "run-main", world.folder, world.first_day, world.last_day, options)
    print(f"dbt manifest prepared (unmeasured) in {prepare_project(env):.1f} s", flush=True)
    print(f"\nmicrofunnel run ({main_fmt}, fresh warehouse)", flush=True)
    record = run_pipeline(main_fmt, root / "run-main", env, echo=echo)
    if record.exit_code:
        print(
            f"the run failed (exit {record.exit_code}); its output: {root / 'run-main' / (main_fmt + '.out')}"
        )
        return {"ok": False, "main": run_document(record, [])}
    inputs = stage_inputs(record, world)
    extra_ingest = []
    for fmt in formats[1:]:
        other = worlds[fmt]
        print(f"\nmicrofunnel run --select raw_ga4/events ({fmt}: the ingest step alone)", flush=True)
        other_env = run_env(root / f"run-{fmt}", other.folder, other.first_day, other.last_day, options)
        extra_ingest.append(
            run_pipeline(fmt, root / f"run-{fmt}", other_env, select="raw_ga4/events", echo=echo)
        )
        inputs[f"{INGEST} ({fmt})"] = other.events

    peers: list[PeerResult] = []
    if not args.skip_peers:
        print("\npeers, on the same files and this run's warehouse", flush=True)
        for fmt in formats:
            ours = record if fmt == main_fmt else next(r for r in extra_ingest if r.label == fmt)
            peers += whole_peers.ingest_peers(root, worlds[fmt], ours, options.duckdb)
        seconds = record.stage_seconds()
        peers += whole_peers.funnel_peers(root, record.warehouse, seconds.get(FUNNELS, 0.0))
        peers += whole_peers.stitching_peers(record.warehouse, seconds.get(STITCHING, 0.0))

    rows = stage_rows(record, inputs, peers, extra_ingest)
    peak = max((rss for _, rss in record.samples), default=0) / 2**20
    document = {
        "world": {fmt: _world_doc(w) for fmt, w in worlds.items()},
        "main": run_document(record, rows),
        "ingest_runs": [run_document(r, []) for r in extra_ingest],
        "peers": [asdict(p) for p in peers],
    }
    incremental = None
    if not args.skip_incremental:
        incremental = incremental_vs_full(root, world, record, options, echo)
        document["incremental"] = incremental

    print(
        f"\n{args.events:,} events ({world.events:,} in the files), {args.shape} shape, {main_fmt}; "
        f"rows/s = input rows / s (events; daily roll-ups: funnel-step rows; publish: mart rows)"
    )
    print(format_table(rows, record.wall, peak))
    _print_notes(peers, record, peak, args.events)
    if incremental:
        _print_incremental(incremental)
    ok = record.exit_code == 0 and all(p.equal is not False for p in peers)
    ok = ok and (incremental is None or incremental["marts_equal"])
    return {"ok": ok, **document}


def _world_doc(world: World) -> dict:
    doc = asdict(world)
    doc["folder"], doc["next_day"] = str(world.folder), [str(p) for p in world.next_day]
    doc["bytes"] = sum(p.stat().st_size for p in world.folder.iterdir())
    return doc


def _print_notes(peers: Sequence[PeerResult], record: RunRecord, peak_mb: float, events: int) -> None:
    notes = [f"{p.peer}: {p.note}" for p in peers if p.note]
    if notes:
        print("\nnotes on the peers:")
        for note in notes:
            print(f"  - {note}")
    slowest = sorted(record.node_seconds.items(), key=lambda item: item[1], reverse=True)[:5]
    print("\nslowest dbt nodes: " + ", ".join(f"{node_label(uid)} {s:.1f} s" for uid, s in slowest))
    if record.dbt_parses:
        print(
            f"of '{DBT_START}': "
            + ", ".join(
                f"{step} parsed the project in {sec:.1f} s{' (a full parse)' if full else ''}"
                for step, (sec, full) in record.dbt_parses.items()
            )
        )
    cores = os.cpu_count() or 1
    busy = (
        " (above the cores: the run waited for CPU; times are inflated)" if record.load > cores + 0.5 else ""
    )
    print(f"machine load during the run: {record.load:.1f} on {cores} cores{busy}")
    goal = f" (goal at M = 10M: <= {MEMORY_GOAL_MB:,} MB)" if events >= 10_000_000 else ""
    print(f"peak RSS of the run's process tree: {peak_mb:,.0f} MB{goal}")
    if record.checks:
        print(" | ".join(record.checks))


def incremental_vs_full(root, world, record, options: RunOptions, echo: bool) -> dict:
    """The next day's file, then `microfunnel run` on the same warehouse (incremental), then the
    same files into a fresh warehouse (full refresh); the published marts compared table by table."""
    from tests.support.marts import mart_differences

    world.add_next_day()
    next_last = world.last_day + timedelta(days=1)
    print(f"\nincremental: + {next_last} ({world.next_day_events:,} events), the same warehouse", flush=True)
    inc_env = run_env(record.run_dir, world.folder, world.first_day, next_last, options)
    inc_env["DBT_TARGET_PATH"] = str(record.run_dir / "dbt_target_incremental")
    # The parse is stamped with the warehouse it was made for, and another run in between (the
    # NDJSON.gz run of --format both) re-stamped it for its own: prepare it again, unmeasured, as a
    # daily run finds it (unprepared, the incremental run's start-up carried a parse, ~20 s at 1M).
    prepare_project(inc_env)
    incremental = run_pipeline("incremental", record.run_dir, inc_env, echo=echo)
    print("\nfull refresh: the same files, a fresh warehouse", flush=True)
    full_env = run_env(root / "run-full", world.folder, world.first_day, next_last, options)
    prepare_project(full_env)  # its own warehouse: a daily run there would find its own parse
    full = run_pipeline("full-refresh", root / "run-full", full_env, echo=echo)
    differences = (
        mart_differences(full.serving, incremental.serving)
        if not (incremental.exit_code or full.exit_code)
        else ["a run failed"]
    )
    return {
        "incremental": run_document(incremental, _simple_rows(incremental)),
        "full_refresh": run_document(full, _simple_rows(full)),
        "ratio_full_over_incremental": round(full.wall / incremental.wall, 2) if incremental.wall else None,
        "cpu_ratio_full_over_incremental": round(full.cpu / incremental.cpu, 2) if incremental.cpu else None,
        "goal": INCREMENTAL_GOAL,
        "marts_equal": not differences,
        "differences": differences[:20],
    }


def _simple_rows(record: RunRecord) -> list[dict]:
    return stage_rows(record, {})


def _print_incremental(result: dict) -> None:
    inc, full = result["incremental"], result["full_refresh"]
    print("\none incremental day against a full refresh (the same files, then the marts compared)")
    theirs = {row["stage"]: row for row in full["stages"]}
    width = max(len(row["stage"]) for row in inc["stages"])
    head = ("incremental s", "full s", "full/inc", "inc CPU s", "full CPU s", "full/inc")
    print(f"  {'stage':<{width}}  " + "  ".join(f"{h:>13}" for h in head))

    def line(
        label: str, inc_s: float, full_s: float, inc_cpu: float, full_cpu: float, goal: str = ""
    ) -> None:
        cells = (
            f"{inc_s:.1f}",
            f"{full_s:.1f}",
            f"{full_s / inc_s:.1f}x" if inc_s > 0.05 else "",
            f"{inc_cpu:.1f}",
            f"{full_cpu:.1f}",
            f"{full_cpu / inc_cpu:.1f}x" if inc_cpu > 0.05 else "",
        )
        print(f"  {label:<{width}}  " + "  ".join(f"{c:>13}" for c in cells) + goal)

    for row in inc["stages"]:
        other = theirs.get(row["stage"], {})
        line(
            row["stage"],
            row["seconds"],
            other.get("seconds", 0.0),
            row["cpu_s"] or 0.0,
            other.get("cpu_s") or 0.0,
        )
    line(
        "the run",
        inc["wall_s"],
        full["wall_s"],
        inc["cpu_s"],
        full["cpu_s"],
        f"   (goal >= {INCREMENTAL_GOAL:.0f}x)",
    )
    verdict = "yes" if result["marts_equal"] else "NO: " + "; ".join(result["differences"][:3])
    print(f"  published marts equal (serving files, table by table, EXCEPT ALL both ways): {verdict}")


def bench_shapes(root: Path, args: argparse.Namespace, fmt: str, options: RunOptions) -> dict:
    """Every shape at one size, the main run only; each stage's time as a ratio to normal's."""
    runs: dict[str, RunRecord] = {}
    worlds: dict[str, World] = {}
    skipped: dict[str, str] = {}
    for shape in SHAPES:
        try:
            world = make_world(root / shape, args.events, fmt, shape, args.days, args.seed)
        except ValueError as exc:  # a shape the size cannot hold (hub browsers beyond a day's events)
            print(f"\nshape {shape}: not generated: {exc}", flush=True)
            skipped[shape] = str(exc)
            continue
        worlds[shape] = world
        print(
            f"\nshape {shape}: {world.events:,} events of {world.persons:,} persons ({world.seconds:.1f} s)"
        )
        env = run_env(root / shape / "run", world.folder, world.first_day, world.last_day, options)
        # each shape's run has its own warehouse, which the parse is stamped with: prepare each
        print(f"dbt manifest prepared (unmeasured) in {prepare_project(env):.1f} s", flush=True)
        runs[shape] = run_pipeline(shape, root / shape / "run", env, echo=not args.quiet)
    table = shape_table({shape: run.stage_seconds() for shape, run in runs.items()})
    print(f"\n{args.events:,} events, {fmt}: seconds per stage and ratio to the normal shape")
    print(format_shape_table(table))
    loads = ", ".join(f"{shape} {run.load:.1f}" for shape, run in runs.items())
    print(f"machine load during each run (mean 1-minute load average, {os.cpu_count()} cores): {loads}")
    over = [
        (row["stage"], shape) for row in table for shape, r in row["ratios"].items() if r and r > SHAPE_LIMIT
    ]
    print(
        f"stages more than {SHAPE_LIMIT:.0f}x slower than normal: "
        + (", ".join(f"{stage} ({shape})" for stage, shape in over) or "none")
    )
    if skipped:
        print("not run: " + "; ".join(f"{shape} ({reason})" for shape, reason in skipped.items()))
    return {
        "ok": all(run.exit_code == 0 for run in runs.values()) and not skipped,
        "skipped": skipped,
        "world": {shape: _world_doc(w) for shape, w in worlds.items()},
        "shapes": {shape: run_document(run, _simple_rows(run)) for shape, run in runs.items()},
        "ratios_to_normal": table,
        "limit": SHAPE_LIMIT,
    }


def shape_table(seconds: Mapping[str, Mapping[str, float]]) -> list[dict]:
    """Per stage: each shape's seconds and its ratio to the normal shape's (None under 0.5 s)."""
    seconds = {shape: {**by_stage, TOTAL: sum(by_stage.values())} for shape, by_stage in seconds.items()}
    normal = seconds.get("normal", {})
    stages = [s for s in (*STAGE_ORDER, TOTAL) if any(s in by_stage for by_stage in seconds.values())]
    return [
        {
            "stage": stage,
            "seconds": {shape: round(by_stage.get(stage, 0.0), 3) for shape, by_stage in seconds.items()},
            "ratios": {
                shape: round(by_stage.get(stage, 0.0) / normal[stage], 2)
                if normal.get(stage, 0.0) >= 0.5
                else None
                for shape, by_stage in seconds.items()
            },
        }
        for stage in stages
    ]


def format_shape_table(table: Sequence[dict]) -> str:
    shapes = list(table[0]["seconds"]) if table else []
    width = max([len("stage"), *(len(row["stage"]) for row in table)])
    head = f"{'stage':<{width}}  " + "  ".join(f"{shape:>20}" for shape in shapes)
    lines = [head, "-" * len(head)]
    for row in table:
        cells = []
        for shape in shapes:
            ratio = row["ratios"][shape]
            mark = "!" if ratio and ratio > SHAPE_LIMIT else " "
            cells.append(
                f"{row['seconds'][shape]:>9.1f} s {'' if ratio is None else f'{ratio:5.2f}x'}{mark}".rjust(20)
            )
        lines.append(f"{row['stage']:<{width}}  " + "  ".join(cells))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
