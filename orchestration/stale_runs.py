"""Release what a killed run of an older version left in a persistent Dagster instance.

Before the writer lock, `microfunnel run` recorded its runs in $DAGSTER_HOME and took a slot
of the `duckdb_warehouse` pool (limit 1) per step. A SIGKILLed run kept its slot and its
STARTED status forever, and every later run waited on the slot. Runs no longer do either, so
whatever of that kind is found is a leftover: its slots are freed and the run is marked
failed, in one log line.
"""

from __future__ import annotations

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

LEGACY_POOL = "duckdb_warehouse"
IN_PROCESS_JOB = "__ephemeral_asset_job__"  # the job name `materialize()` gives in-process runs
UNFINISHED = [DagsterRunStatus.STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.CANCELING]


def release_stale_runs(instance: DagsterInstance) -> str | None:
    """Free the legacy pool's slots and fail unfinished in-process runs; a one-line summary, or None."""
    storage = instance.event_log_storage
    slot_runs: dict[str, int] = {}
    if storage.supports_global_concurrency_limits and LEGACY_POOL in storage.get_concurrency_keys():
        info = storage.get_concurrency_info(LEGACY_POOL)
        for claim in info.claimed_slots:
            slot_runs[claim.run_id] = slot_runs.get(claim.run_id, 0) + 1
        for pending in info.pending_steps:
            slot_runs.setdefault(pending.run_id, 0)
    unfinished = {
        record.dagster_run.run_id: record.dagster_run
        for record in instance.get_run_records(RunsFilter(statuses=UNFINISHED, job_name=IN_PROCESS_JOB))
    }
    stale = sorted(set(slot_runs) | set(unfinished))
    if not stale:
        return None
    for run_id in stale:
        storage.free_concurrency_slots_for_run(run_id)
        run = unfinished.get(run_id) or instance.get_run_by_id(run_id)
        if run is not None and run.status in UNFINISHED:
            instance.report_run_failed(run, "released by microfunnel: the process running it had died")
    slots = sum(slot_runs.values())
    return (
        f"released stale Dagster state left by killed runs in {instance.root_directory}: "
        f"{len(stale)} run(s) marked failed ({', '.join(r[:8] for r in stale)}), "
        f"{slots} slot(s) of pool {LEGACY_POOL} freed"
    )
