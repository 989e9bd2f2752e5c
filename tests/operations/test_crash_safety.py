"""A crashed run is a non-event: the next run starts at once and ends where an uninterrupted one does.

Regression: a SIGKILLed `microfunnel run` kept its slot in the `duckdb_warehouse` pool of the
shared Dagster instance, and every later run waited forever at ~97 % CPU, ignoring SIGINT/SIGTERM.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, DagsterRunStatus
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.dagster_run import DagsterRun

from commands.runner import RUN_INSTANCE_PREFIX, memory_backed_tmp, remove_instances_of_dead_runs
from commands.stopping import GRACE_SECONDS
from orchestration.stale_runs import IN_PROCESS_JOB, LEGACY_POOL, release_stale_runs
from tests.operations.ops_runs import MicrofunnelProcess, process_is_gone
from tests.support.marts import mart_differences

pytestmark = pytest.mark.slow


def plant_stale_run(dagster_home: Path) -> str:
    """What an older version left behind when killed: a STARTED in-process run holding the pool's one slot."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home))) as instance:
        run_id = str(uuid.uuid4())
        instance.add_run(DagsterRun(job_name=IN_PROCESS_JOB, run_id=run_id, status=DagsterRunStatus.STARTED))
        instance.event_log_storage.set_concurrency_slots(LEGACY_POOL, 1)
        assert instance.event_log_storage.claim_concurrency_slot(LEGACY_POOL, run_id, "dbt_models").is_claimed
    return run_id


def ga4_load_in_flight(warehouse: Path) -> bool:
    """A GA4 load package exists and is not loaded yet: dlt is between extract and load."""
    pipeline = warehouse.parent / ".dlt_pipelines" / "microfunnel_ga4"
    pending = [
        pipeline / "normalize" / "extracted",
        pipeline / "load" / "normalized",
        pipeline / "load" / "new",
    ]
    return any(folder.is_dir() and any(folder.iterdir()) for folder in pending)


def dbt_child(run: MicrofunnelProcess, timeout: float = 300) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dbts = [pid for pid, command in run.children() if "dbt build" in command]
        if dbts:
            return dbts[0]
        time.sleep(0.1)
    raise AssertionError(f"no dbt build child process appeared:\n{run.output}")


def test_stale_runs_and_slots_of_an_older_version_are_released_once(tmp_path):
    run_id = plant_stale_run(tmp_path)
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path))) as instance:
        message = release_stale_runs(instance)
        assert message and run_id[:8] in message and "1 slot(s)" in message
        assert instance.get_run_by_id(run_id).status == DagsterRunStatus.FAILURE
        assert not instance.event_log_storage.get_concurrency_info(LEGACY_POOL).claimed_slots
        assert release_stale_runs(instance) is None


def test_a_run_killed_during_the_ga4_load_does_not_block_the_next_run(
    served_world, uninterrupted_warehouse, tmp_path
):
    warehouse = tmp_path / "warehouse.duckdb"
    env = served_world.env(warehouse)
    killed = MicrofunnelProcess.run(env)
    killed.wait_for("dlt_ga4 started")
    deadline = time.monotonic() + 120
    while not ga4_load_in_flight(warehouse) and time.monotonic() < deadline:
        time.sleep(0.01)
    killed.signal(signal.SIGKILL)
    killed.finish()
    assert "dlt_ga4 done" not in killed.output, "the kill came after the GA4 load; the test proves nothing"

    stale_run = plant_stale_run(Path(env["DAGSTER_HOME"]))  # as if an older version had been killed too
    code, output = MicrofunnelProcess.run(env).finish()

    assert code == 0, output
    released = [line for line in output.splitlines() if "released stale Dagster state" in line]
    assert len(released) == 1 and stale_run[:8] in released[0], output
    assert mart_differences(uninterrupted_warehouse, warehouse) == []


@pytest.fixture(scope="module")
def warehouse_after_a_kill_during_dbt(served_world, tmp_path_factory):
    """A run SIGKILLed in the middle of `dbt build`, then run again to the end."""
    warehouse = tmp_path_factory.mktemp("killed_in_dbt") / "warehouse.duckdb"
    env = served_world.env(warehouse)
    killed = MicrofunnelProcess.run(env)
    killed.wait_for("dbt_models started")
    dbt_child(killed)
    time.sleep(3)  # let dbt write some models
    assert "dbt_models done" not in killed.output
    tree = killed.descendants()  # dbt's client, the dbt fork server, the dbt it forked
    assert any("orchestration.dbt_forkserver" in command for _, command in tree), tree
    killed.signal(signal.SIGKILL)
    killed.finish()
    orphan_died = all(process_is_gone(pid) for pid, _ in tree)
    instance_left = run_instances(killed.process.pid)
    code, output = MicrofunnelProcess.run(env).finish()
    return warehouse, env, orphan_died, code, output, (instance_left, run_instances(killed.process.pid))


def run_instances(pid: int) -> list[Path]:
    """The temporary Dagster instance folders of the `microfunnel run` with this pid."""
    return list(Path(memory_backed_tmp() or tempfile.gettempdir()).glob(f"{RUN_INSTANCE_PREFIX}{pid}-*"))


def test_a_run_killed_during_dbt_build_takes_its_dbt_processes_with_it(warehouse_after_a_kill_during_dbt):
    _, _, orphan_died, _, _, _ = warehouse_after_a_kill_during_dbt
    assert orphan_died, "dbt (or its fork server) kept running after its run was killed"


def test_after_a_kill_during_dbt_build_the_next_run_equals_an_uninterrupted_one(
    warehouse_after_a_kill_during_dbt, uninterrupted_warehouse
):
    warehouse, _, _, code, output, _ = warehouse_after_a_kill_during_dbt
    assert code == 0, output
    assert mart_differences(uninterrupted_warehouse, warehouse) == []


def test_the_next_run_removes_the_temporary_instance_the_killed_run_left(warehouse_after_a_kill_during_dbt):
    *_, (left_by_the_kill, after_the_next_run) = warehouse_after_a_kill_during_dbt
    assert len(left_by_the_kill) == 1, "the killed run had no temporary instance: the test proves nothing"
    assert after_the_next_run == []


def test_only_instances_of_runs_that_are_gone_are_removed(tmp_path):
    gone = subprocess.Popen(["true"])  # noqa: S607
    gone.wait()
    dead = tmp_path / f"{RUN_INSTANCE_PREFIX}{gone.pid}-abc123"
    alive = tmp_path / f"{RUN_INSTANCE_PREFIX}{os.getpid()}-def456"
    older_version = tmp_path / f"{RUN_INSTANCE_PREFIX}ghi789"  # no pid in its name: left alone
    for folder in (dead, alive, older_version):
        (folder / "storage").mkdir(parents=True)
    assert remove_instances_of_dead_runs(str(tmp_path)) == [dead]
    assert sorted(tmp_path.iterdir()) == sorted([alive, older_version])


def test_sigterm_stops_a_run_promptly_with_a_message_and_keeps_the_published_snapshot(
    warehouse_after_a_kill_during_dbt,
):
    warehouse, env, *_ = warehouse_after_a_kill_during_dbt
    serving = warehouse.with_name("serving.duckdb")
    published = hashlib.sha256(serving.read_bytes()).hexdigest()

    run = MicrofunnelProcess.run(env)
    run.wait_for("dbt_models started")
    dbt = dbt_child(run)
    run.signal(signal.SIGTERM)
    code, output = run.finish(timeout=120)  # GRACE_SECONDS and dbt's own stop fit well inside

    assert code == 130, output
    assert "SIGTERM received, stopping" in output
    # dbt stops at its next node; on a loaded machine that can outlast the grace period, and the
    # run then exits on its own: either ending is prompt, exits 130 and leaves the snapshot whole
    exited_after_grace = f"still stopping after {GRACE_SECONDS:.0f} s; exiting now"
    assert "microfunnel run: stopped" in output or exited_after_grace in output
    assert process_is_gone(dbt)
    assert hashlib.sha256(serving.read_bytes()).hexdigest() == published
    with duckdb.connect(str(serving), read_only=True) as connection:
        assert connection.execute("select count(*) from marts.fct_sessions").fetchone()[0] > 0
