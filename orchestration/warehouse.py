"""The one-writer guarantee, as every step that opens the warehouse sees it.

Each such step (dlt loads, dbt build, checks reading the warehouse, the serving publish) runs
inside `warehouse_access`: it holds the kernel-released writer lock (microfunnel/warehouse_lock.py)
and fails within seconds, naming the holder, when a process outside the pipeline has the
file open. The jobs run their steps in one process (in_process executor), so a run is one
writer; two runs started together take turns step by step, each logging what it waits for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from microfunnel.settings import Settings, load_settings
from microfunnel.warehouse_lock import (
    ensure_no_other_process_has_it_open,
    in_use_error,
    is_lock_conflict,
    writer_lock,
)


@contextmanager
def warehouse_access(context, settings: Settings | None = None) -> Iterator[Settings]:
    """Hold the writer lock for this step (`context`: any op, asset or check context); turn DuckDB's
    lock conflicts into an error that says what to do."""
    settings = settings or load_settings()
    op_context = getattr(context, "op_execution_context", context)  # asset check contexts wrap one
    holder = f"Dagster run {op_context.run_id}, step {op_context.op_handle}"
    with writer_lock(settings.warehouse_path, what=holder, report=context.log.info):
        ensure_no_other_process_has_it_open(settings.warehouse_path, settings.serving_path)
        try:
            yield settings
        except Exception as exc:
            if is_lock_conflict(exc):
                raise in_use_error(settings.warehouse_path, settings.serving_path, str(exc)) from exc
            raise
