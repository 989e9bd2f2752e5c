"""Progress of long steps (simulating a world, a source's load, a dbt build), throttled.

A load of a few minutes that prints nothing looks hung; one that prints a line per row floods
the console and the CI log. So a step counts as often as it likes and a `Progress` says at most
one line every few seconds: on a terminal one line rewritten in place, elsewhere (CI, a log
file, Dagster's run log) plain lines. A step shorter than the interval prints nothing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

# Dagster log records starting with this are progress: `microfunnel run` shows them on the console
# (commands.run_output) although it hides the other INFO records.
PROGRESS_MARK = "progress: "

LINE_EVERY_SECONDS = 5.0  # plain lines (logs, CI): few enough to read
TTY_EVERY_SECONDS = 0.5  # a line rewritten in place may move often


def count(number: float) -> str:
    """12345 -> '12,345': counts people read at a glance."""
    return f"{number:,.0f}"


def rate(done: int, seconds: float, unit: str) -> str:
    """'2,400 persons/s', '3.5 nodes/s'; empty before the first second or the first tenth per
    second, when a rate means nothing."""
    per_second = done / seconds if seconds >= 1 else 0
    if per_second < 0.05:
        return ""
    return f"{per_second:.1f} {unit}/s" if per_second < 10 else f"{count(per_second)} {unit}/s"


class Throttle:
    """True at most once per `every` seconds, the first time `every` seconds after the start."""

    def __init__(self, every: float, clock: Callable[[], float] = time.monotonic):
        self.every, self.clock = every, clock
        self.last = clock()
        self.fired = 0

    def due(self) -> bool:
        now = self.clock()
        if now - self.last < self.every:
            return False
        self.last = now
        self.fired += 1
        return True


class Progress:
    """'label: 12,000/20,000 persons (2,400 persons/s)', said at most every few seconds.

    `say` receives each line (print, a logger's info, ...); without it the lines go to `stream`,
    rewritten in place when `stream` is a terminal. `finish()` says the final count, but only
    when a line was said before (a short step stays silent) and the count moved since.
    """

    def __init__(
        self,
        label: str,
        total: int | None = None,
        unit: str = "",
        say: Callable[[str], None] | None = None,
        stream: TextIO | None = None,
        every: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        throttle: Throttle | None = None,
    ):
        """`throttle`: one shared by the stages of a longer process (a load's extract, normalize
        and load), so a line is due every interval of the whole, not only of a long stage."""
        self.label, self.total, self.unit = label, total, unit
        self.stream = stream or sys.stdout
        self.in_place = say is None and _is_terminal(self.stream)
        self.say = say or self._write
        default = TTY_EVERY_SECONDS if self.in_place else LINE_EVERY_SECONDS
        self.throttle = throttle or Throttle(default if every is None else every, clock)
        self.clock, self.started = self.throttle.clock, self.throttle.clock()
        self.done = 0
        self.last_line = ""

    def update(self, done: int) -> None:
        """The count so far; says a line when one is due."""
        self.done = done
        if self.throttle.due():
            self._say(self.line())

    def advance(self, by: int = 1) -> None:
        self.update(self.done + by)

    def finish(self) -> None:
        if self.throttle.fired and (self.done or self.last_line):  # silent when it counted nothing
            line = self.line()
            if line.split(" (")[0] != self.last_line.split(" (")[0]:  # the count moved since
                self._say(line)
            if self.in_place:
                self.stream.write("\n")
                self.stream.flush()

    def line(self) -> str:
        so_far = f"{count(self.done)}/{count(self.total)}" if self.total else count(self.done)
        speed = rate(self.done, self.clock() - self.started, self.unit)
        return f"{self.label}: {so_far} {self.unit}" + (f" ({speed})" if speed else "")

    def _say(self, line: str) -> None:
        self.last_line = line
        self.say(line)

    def _write(self, line: str) -> None:
        if self.in_place:
            self.stream.write(f"\r{line}\x1b[K")  # back to the line's start, clear what was longer
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
