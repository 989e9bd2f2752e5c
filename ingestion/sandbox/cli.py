"""`microfunnel sandbox ...`: simulate a world to files, or serve its APIs (see the README)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from ingestion.sandbox.simulate import WorldSpec


def add_world_arguments(parser: argparse.ArgumentParser) -> None:
    """The knobs that define a world; the same values always give the same world."""
    defaults = WorldSpec()
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--persons", type=int, default=defaults.persons)
    parser.add_argument("--days", type=int, default=defaults.days)
    parser.add_argument("--start-date", type=date.fromisoformat, default=defaults.start_date)


def world_spec(args: argparse.Namespace) -> WorldSpec:
    return WorldSpec(seed=args.seed, persons=args.persons, days=args.days, start_date=args.start_date)


def build_parser(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="sandbox_command", required=True)
    simulate = commands.add_parser("simulate", help="write the world's GA4 export files and ground truth")
    add_world_arguments(simulate)
    simulate.add_argument("--out", type=Path, default=None, help="folder (default: SANDBOX_DIR)")
    simulate.add_argument("--format", choices=["json", "parquet"], default="json")
    simulate.add_argument("--as-of", type=date.fromisoformat, default=None,
                          help="export as GA4 had by this day (late events not yet arrived are left out)")


def run(args: argparse.Namespace) -> int:
    from microfunnel.settings import load_settings
    from ingestion.sandbox.world_files import write_world_files

    out = args.out or load_settings().sandbox_dir
    if args.sandbox_command == "simulate":
        world = write_world_files(world_spec(args), out, fmt=args.format, as_of=args.as_of)
        print(f"{out}: {len(world.events)} GA4 events, {len(world.orders)} orders, "
              f"{len(world.persons)} persons; ground truth in {out / 'truth'}")
        return 0
    raise SystemExit(f"unknown sandbox command {args.sandbox_command!r}")
