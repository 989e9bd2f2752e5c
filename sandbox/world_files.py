"""Write a simulated world to a folder: the GA4 export files and the ground truth beside them.

<out>/ga4/events_YYYYMMDD.json       what GA4 exported (with its dirt)
<out>/truth/identifiers.parquet      the true person(s) behind every identifier (Klaviyo's included)
<out>/truth/email_engagement.parquet per true person and email message: received, opened, clicked
<out>/truth/experiment_assignments.parquet per experiment and true person: the first variant seen
<out>/world.json                     the spec that reproduces the world
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from microfunnel import garbage_collection
from microfunnel.pii import pii_key
from sandbox.ga4_export import write_ga4_export
from sandbox.simulate import World, WorldSpec, simulate
from sandbox.truth import identifier_truth
from sandbox.truth_email import email_engagement
from sandbox.truth_experiments import EXPERIMENT_ASSIGNMENT_SCHEMA, experiment_assignment_rows


def write_world_files(
    spec: WorldSpec,
    out: Path,
    fmt: str = "json",
    as_of: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    export_progress: Callable[[int, int], None] | None = None,
    truth: bool = True,
) -> World:
    """Simulate `spec` and write its files under `out` (replacing an earlier world there);
    `progress` hears the persons simulated so far (see `simulate`), `export_progress` the events
    exported so far (see `write_ga4_export`). `truth=False` leaves the ground truth to the caller
    (`write_truth`: the demo's sandbox writes it once its APIs answer, `sandbox.served_world`)."""
    world = simulate(spec, progress)
    with garbage_collection.objects_alive_now_left_alone():  # the export: 5.6 s instead of 6.9 s (demo)
        shutil.rmtree(out / "ga4", ignore_errors=True)
        write_ga4_export(world, out / "ga4", as_of=as_of, fmt=fmt, progress=export_progress)
        (out / "world.json").write_text(json.dumps(dataclasses.asdict(spec), default=str, indent=2) + "\n")
        if truth:
            write_truth(world, out)
    return world


def write_truth(world: World, out: Path) -> None:
    """The ground truth files under out/truth (see the module's docstring), each written whole or not
    at all (a demo stopped meanwhile ends the process writing them)."""
    (out / "truth").mkdir(parents=True, exist_ok=True)
    truth = identifier_truth(world, pii_key(), email_marketing=True)
    _write_whole(
        pa.Table.from_pylist(
            [
                {
                    "identifier_type": t.identifier_type,
                    "identifier_value": t.identifier_value,
                    "person_id": t.person_id,
                    "is_shared": t.is_shared,
                }
                for t in truth
            ]
        ),
        out / "truth" / "identifiers.parquet",
    )
    _write_whole(
        pa.Table.from_pylist([dataclasses.asdict(row) for row in email_engagement(world)]),
        out / "truth" / "email_engagement.parquet",
    )
    _write_whole(
        pa.Table.from_pylist(experiment_assignment_rows(world), schema=EXPERIMENT_ASSIGNMENT_SCHEMA),
        out / "truth" / "experiment_assignments.parquet",
    )


def _write_whole(table: pa.Table, path: Path) -> None:
    partial = path.with_name(f".{path.name}.partial")
    pq.write_table(table, partial)
    partial.replace(path)
