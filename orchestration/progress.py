"""Progress of a step in Dagster's run log: a dlt load's rows so far, a dbt build's nodes so far.

Lines go to `context.log.info` marked with PROGRESS_MARK, so they show in the UI's run log and
`microfunnel run` puts them on the console among its one-line-per-step output (commands.run_output).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from microfunnel.progress import PROGRESS_MARK, Progress

BUILD_EVERY_SECONDS = 10.0

# dbt's structured events that end one node (model, seed, snapshot, test, skip); each carries
# the node's `index` in the build and the build's `total` (`num_models` on a test).
NODE_DONE_EVENTS = frozenset(
    {
        "LogModelResult",
        "LogSeedResult",
        "LogSnapshotResult",
        "LogTestResult",
        "LogFunctionResult",
        "LogNodeResult",
        "LogNodeNoOpResult",
        "SkippingDetails",
        "LogSkipBecauseError",
    }
)


def progress_to(context) -> Callable[[str], None]:
    """Say a progress line in the step's log."""
    return lambda line: context.log.info(PROGRESS_MARK + line)


class DbtNodeProgress:
    """'dbt build: 120/344 nodes (3 nodes/s)' from dbt's events, at most every ~10 s."""

    def __init__(
        self,
        say: Callable[[str], None],
        every: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        every = BUILD_EVERY_SECONDS if every is None else every
        self.meter = Progress("dbt build", None, "nodes", say=say, every=every, clock=clock)
        self.done_indexes: set[int] = set()

    def observe(self, raw_event: Mapping[str, Any]) -> None:
        """One of dbt's JSON log events (`--log-format json`, as dagster-dbt reads them)."""
        name = raw_event.get("info", {}).get("name")
        data = raw_event.get("data", {})
        total = data.get("total") or data.get("num_models")
        if name == "LogStartLine" or name in NODE_DONE_EVENTS:
            if total:
                self.meter.total = max(self.meter.total or 0, total)
        if name in NODE_DONE_EVENTS and data.get("index") is not None:
            # a node skipped after an error can report twice: count indexes, not events
            self.done_indexes.add(data["index"])
            self.meter.update(len(self.done_indexes))

    def finish(self) -> None:
        self.meter.finish()


def dbt_events_with_progress(invocation, context) -> Iterator[Any]:
    """What `invocation.stream()` yields (dagster-dbt's events, converted the same way), saying the
    build's node count in the step's log as dbt's events arrive."""
    progress = DbtNodeProgress(progress_to(context))
    for event in invocation.stream_raw_events():
        progress.observe(event.raw_event)
        yield from event.to_default_asset_events(
            manifest=invocation.manifest,
            dagster_dbt_translator=invocation.dagster_dbt_translator,
            context=invocation.context,
            target_path=invocation.target_path,
            project=invocation.project,
        )
    progress.finish()
