"""What `microfunnel run` prints: one line per step and whatever went wrong; the rest in a log file.

A run emits hundreds of lines (dbt's START/PASS per model and test, an event per check); by
default the console shows each step's start and end, its progress while it runs (rows loaded,
dbt nodes built: a line every ~10 s, see microfunnel.progress), failed checks and warnings,
and the full detail goes to a log file beside the warehouse. `--verbose` prints everything.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from typing import TextIO

from dagster import DagsterEventType, logger

from microfunnel.progress import PROGRESS_MARK

SHOWN_EVENTS = {
    DagsterEventType.STEP_START: "started",
    DagsterEventType.STEP_SUCCESS: "done",
    DagsterEventType.STEP_FAILURE: "FAILED",
}


# dagster-dbt's note on every test dbt ran beyond Dagster's selection (a subset run): log file only
ROUTINE_WARNINGS = ("Logging an `AssetObservation` instead of an `AssetCheckResult`",)


class StepLines(logging.Handler):
    """Step starts/ends, progress, failed checks, warnings and errors to the console; every record
    to the log file."""

    def __init__(self, console: TextIO, log_file: TextIO):
        super().__init__(logging.DEBUG)
        self.console, self.log_file = console, log_file

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", {}) or {}
        event = meta.get("dagster_event")
        message = meta.get("orig_message") or record.getMessage()
        step = meta.get("step_key") or ""
        error = failure_of(event)
        self.log_file.write(f"{record.levelname} {step} {message}\n{error.to_string() if error else ''}")
        line = self.console_line(record, event, step, message)
        if line:
            print(line, file=self.console, flush=True)

    @staticmethod
    def console_line(record, event, step, message) -> str | None:
        if event is not None and event.event_type in SHOWN_EVENTS:
            detail = ""
            if event.event_type == DagsterEventType.STEP_SUCCESS:
                detail = f" in {event.event_specific_data.duration_ms / 1000:.1f} s"
            elif event.event_type == DagsterEventType.STEP_FAILURE:
                error = failure_of(event)
                detail = f": {root_message(error) if error else message}"
            return f"  {step} {SHOWN_EVENTS[event.event_type]}{detail}"
        if event is not None and event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                return f"  check {evaluation.check_name} on {evaluation.asset_key.to_user_string()} failed"
            return None
        if event is None and message.startswith(PROGRESS_MARK):
            return f"  {step} {message.removeprefix(PROGRESS_MARK)}"
        if event is None and record.levelno >= logging.WARNING and not message.startswith(ROUTINE_WARNINGS):
            return f"  {record.levelname.lower()}: {step + ': ' if step else ''}{message}"
        return None


def failure_of(event):
    """The error of a STEP_FAILURE event, else None."""
    if event is None or event.event_type != DagsterEventType.STEP_FAILURE:
        return None
    return getattr(event.event_specific_data, "error", None)


def root_message(error) -> str:
    """The innermost cause's message: the user's error, not Dagster's wrapper around it."""
    while error.cause is not None:
        error = error.cause
    if error.cls_name == "DagsterExecutionInterruptedError":
        return "interrupted"
    return error.message.strip()


def step_lines_logger(console: TextIO, log_file: TextIO):
    """A Dagster logger definition printing StepLines to `console` and everything to `log_file`."""

    @logger(description="one line per step; detail in the run's log file")
    def step_lines(_init_context):
        run_logger = logging.Logger("microfunnel_run", logging.DEBUG)
        run_logger.addHandler(StepLines(console, log_file))
        return run_logger

    return step_lines


class _ToLogFile:
    """A stdout that sends dbt's raw per-node lines to the log file instead of the console."""

    def __init__(self, log_file: TextIO):
        self.log_file = log_file

    def write(self, text: str) -> int:
        if self.log_file.closed:  # a handler created during the run and used after it
            return sys.__stderr__.write(text)
        return self.log_file.write(text)

    def flush(self) -> None:
        if not self.log_file.closed:
            self.log_file.flush()


@contextmanager
def quiet_run_output(log_path: Path) -> Iterator[tuple[TextIO, TextIO]]:
    """Route raw output (dbt's lines, which dagster-dbt re-emits to stdout; dlt's and Python's
    warnings on stderr) into `log_path` during a run; yield (console, log file)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    console = sys.stdout
    with open(log_path, "w") as log_file, redirect_stdout(_ToLogFile(log_file)):
        # dlt (re)creates its stderr log handler inside the steps: sys.stderr is the log file by then
        with redirect_stderr(_ToLogFile(log_file)), libraries_logging_to(log_file):
            yield console, log_file


@contextmanager
def libraries_logging_to(log_file: TextIO) -> Iterator[None]:
    """dlt logs its own warnings (a schema hint per GA4 file, ...) to stderr: to the log file instead."""
    library = logging.getLogger("dlt")
    saved = library.handlers[:], library.propagate
    handler = logging.StreamHandler(log_file)
    handler.setFormatter(logging.Formatter("%(levelname)s dlt %(message)s"))
    library.handlers, library.propagate = [handler], False
    try:
        yield
    finally:
        library.handlers, library.propagate = saved
