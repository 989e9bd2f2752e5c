"""Keeping Python's cycle collector off large heaps that it cannot free anything of.

A full collection walks every tracked object. After the imports of a run (dlt, dbt, Dagster) and,
in the demo, the simulated world, that is ~2M objects and 0.2-1.1 s per pass, and allocation-heavy
work triggers dozens of passes: 5 s of a demo run, 2.2 s of its simulation, 1.3 s of its export
(measured; DECISIONLOG "The demo's Python: compiled imports, no collection over live heaps, no
teardown").
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cycle collection inside: for building a large structure whose objects all stay alive."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def objects_alive_now_left_alone() -> Iterator[None]:
    """The objects alive on entry are out of the collector's reach inside (`gc.freeze`); objects
    made inside are collected as usual. Nestable: only the outermost gives them back, on any exit,
    so a process that goes on (the tests) collects them once they are garbage, and so does a normal
    interpreter exit. Frozen at exit, DuckDB's bindings report them as leaked (a wall of
    `nanobind: leaked` lines)."""
    outermost = gc.get_freeze_count() == 0
    gc.freeze()
    try:
        yield
    finally:
        if outermost:
            gc.unfreeze()
