"""A load's progress from dlt's own counters: 'extract: 812,340 rows (41,000 rows/s)'.

dlt counts as it goes (rows per table while extracting and normalizing, files while loading)
and hands the counts to the pipeline's collector. dlt's `LogCollector` prints every counter,
memory and CPU each period, a block per second; this one says one line per stage every ~10 s
(microfunnel.progress): enough to see a long load move, too few to flood a run's output.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import dlt
from dlt.common.runtime.collector import Collector

from microfunnel.progress import Progress, Throttle

LOAD_EVERY_SECONDS = 10.0


class LoadProgress(Collector):
    """Rows extracted, rows normalized (of those extracted), files loaded, for one source's load.

    Rows count the source's own tables: nested child tables (`events__items`, made by normalize)
    and dlt's bookkeeping tables would inflate the count past what the source returned.
    """

    def __init__(
        self,
        say: Callable[[str], None],
        prefix: str = "",
        every: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        """`prefix` names the load in each line ('ga4 ') where nothing else does (Dagster's step does)."""
        self.say, self.prefix, self.clock = say, prefix, clock
        self.every = LOAD_EVERY_SECONDS if every is None else every
        self.step: str | None = None
        self.stage = ""
        self.meter: Progress | None = None
        self.throttle: Throttle | None = None  # one for the whole load: its stages may each be short
        self.extracted = 0

    def _start(self, step: str) -> None:
        """`step` is dlt's 'Extract ga4', 'Normalize ga4 in <load id>' or 'Load ga4 in <load id>'."""
        self.stage = step.split(" ", 1)[0].lower()
        unit = "files" if self.stage == "load" else "rows"
        total = self.extracted if self.stage == "normalize" and self.extracted else None
        if self.throttle is None:
            self.throttle = Throttle(self.every, self.clock)
        self.meter = Progress(f"{self.prefix}{self.stage}", total, unit, say=self.say, throttle=self.throttle)

    def update(
        self,
        name: str,
        inc: int = 1,
        total: int | None = None,
        inc_total: int | None = None,
        message: str | None = None,
        label: str | None = None,
    ) -> None:
        meter = self.meter
        if meter is None or label:  # labelled counters (Completed, Failed) repeat the plain ones
            return
        if self.stage == "load":
            if name == "Jobs":
                if total is not None:
                    meter.total = total
                if inc_total:
                    meter.total = (meter.total or 0) + inc_total
                meter.advance(inc)
        elif is_source_table(name):
            meter.advance(inc)

    def _stop(self) -> None:
        if self.meter is None:
            return
        if self.stage == "extract":  # the source's extract, then one of dlt's state: add them up
            self.extracted += self.meter.done
        elif self.stage == "load":
            self.extracted, self.throttle = 0, None  # a next run of the pipeline counts afresh
        self.meter.finish()
        self.meter = None


def is_source_table(name: str) -> bool:
    """A table the source yields rows for: not dlt's counters, nested tables or bookkeeping."""
    return (
        name not in {"Resources", "Files", "Items", "Jobs"}
        and "__" not in name
        and not name.startswith("_dlt")
    )


def reporting_progress(pipeline: dlt.Pipeline, say: Callable[[str], None], prefix: str = "") -> dlt.Pipeline:
    """`pipeline`, its loads now saying their progress to `say` (dlt's `progress=` at creation
    does the same; the pipeline is made elsewhere, by `make_pipeline`)."""
    pipeline.collector = LoadProgress(say, prefix)
    return pipeline
