"""`microfunnel sandbox ...`: simulate a world to files, or serve its APIs (see the README)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from microfunnel import garbage_collection
from microfunnel.pii import KEY_ENV
from microfunnel.progress import Progress
from sandbox.simulate import WorldSpec

# The key `microfunnel demo`, `dev` and `sandbox simulate` hash the sandbox's emails with when
# PII_HASH_KEY is unset: the world is made up, and its ground truth must match the warehouse.
SANDBOX_PII_KEY = "sandbox-only-pii-key-never-use-in-production"


def add_world_arguments(parser: argparse.ArgumentParser) -> None:
    """The knobs that define a world; the same values always give the same world."""
    defaults = WorldSpec()
    world = parser.add_argument_group(
        "sandbox world", "the simulated shop; the same values always give the same world, byte for byte"
    )
    world.add_argument(
        "--seed",
        type=int,
        default=defaults.seed,
        help="random seed: another seed, another world of the same size (default: %(default)s)",
    )
    world.add_argument(
        "--persons",
        type=int,
        default=defaults.persons,
        help="visitors to simulate; events, orders and load time grow with it (default: %(default)s)",
    )
    world.add_argument(
        "--days",
        type=int,
        default=defaults.days,
        help="days the world spans, one GA4 export file each (default: %(default)s)",
    )
    world.add_argument(
        "--start-date",
        type=date.fromisoformat,
        default=defaults.start_date,
        metavar="YYYY-MM-DD",
        help="the world's first day (default: %(default)s)",
    )


def world_spec(args: argparse.Namespace) -> WorldSpec:
    return WorldSpec(seed=args.seed, persons=args.persons, days=args.days, start_date=args.start_date)


def build_parser(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="sandbox_command", required=True, metavar="COMMAND")
    simulate = commands.add_parser(
        "simulate",
        help="write the world's GA4 export files and ground truth",
        description="Simulate a world and write what GA4 exported (events_YYYYMMDD files, with "
        "their dirt) and the ground truth (the true person behind every identifier) to a folder.",
    )
    add_world_arguments(simulate)
    simulate.add_argument(
        "--out", type=Path, default=None, help="folder to write to (default: SANDBOX_DIR, data/sandbox)"
    )
    simulate.add_argument(
        "--format",
        choices=["json", "parquet"],
        default="json",
        help="GA4 export file format: json (newline-delimited, as BigQuery exports) or parquet "
        "(default: %(default)s)",
    )
    simulate.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="export as GA4 had by this day (late events not yet arrived are left out)",
    )
    serve = commands.add_parser(
        "serve",
        help="serve the world's Google Ads, Meta, Shopify, Klaviyo APIs until Ctrl-C",
        description="Serve the world's vendor APIs on 127.0.0.1 in their real wire formats and "
        "print the environment variables that point the sources at them (GA4's at the files "
        "`sandbox simulate` wrote).",
    )
    add_world_arguments(serve)
    serve.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free port)")
    serve.add_argument(
        "--out",
        type=Path,
        default=None,
        help="the folder `sandbox simulate` wrote, for SOURCES__GA4__BUCKET_URL (default: SANDBOX_DIR)",
    )
    serve.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="answer as the vendors would have on this day (default: the whole world)",
    )
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND@ENDPOINT[#N][xTIMES][:ARG]",
        help="inject a fault, e.g. 429@insights#2:0.2 (repeatable; see --list-faults)",
    )
    serve.add_argument("--list-faults", action="store_true", help="print the fault kinds and exit")
    serve.add_argument(
        "--env-file",
        type=Path,
        default=None,
        help="also write the SOURCES__... variables to this file (KEY=value lines)",
    )


def run(args: argparse.Namespace) -> int:
    from microfunnel.settings import load_settings
    from sandbox.world_files import write_world_files

    if args.sandbox_command == "serve":
        return serve(args)
    out = args.out or load_settings().sandbox_dir
    if args.sandbox_command == "simulate":
        if not os.environ.get(KEY_ENV):
            os.environ[KEY_ENV] = SANDBOX_PII_KEY
            print(
                f"note: {KEY_ENV} is unset: hashing the ground truth's emails with the sandbox-only key, as "
                f"`microfunnel demo` does (load with {KEY_ENV}={SANDBOX_PII_KEY} to compare)",
                file=sys.stderr,
            )
        world = write_world_files(
            world_spec(args),
            out,
            fmt=args.format,
            as_of=args.as_of,
            progress=persons_progress(),
            export_progress=export_progress(),
        )
        print(
            f"{out}: {len(world.events)} GA4 events, {len(world.orders)} orders, "
            f"{len(world.persons)} persons; ground truth in {out / 'truth'}"
        )
        return 0
    raise SystemExit(f"unknown sandbox command {args.sandbox_command!r}")


def persons_progress(say: Callable[[str], None] | None = None, **options) -> Callable[[int, int], None]:
    """A `simulate(progress=...)` listener: 'simulating: 12,000/20,000 persons (2,400 persons/s)'
    every few seconds (in place on a terminal), the last count when done (when it said anything)."""
    return progress_listener("simulating", "persons", say, **options)


def export_progress(say: Callable[[str], None] | None = None, **options) -> Callable[[int, int], None]:
    """A `write_ga4_export(progress=...)` listener: 'writing the GA4 export: 300,000/720,000 events'."""
    return progress_listener("writing the GA4 export", "events", say, **options)


def progress_listener(
    label: str, unit: str, say: Callable[[str], None] | None = None, **options
) -> Callable[[int, int], None]:
    """A (done, total) listener saying a `Progress` line when one is due, the final count at the end."""
    meter: Progress | None = None

    def hear(done: int, total: int) -> None:
        nonlocal meter
        if meter is None:
            meter = Progress(label, total, unit, say=say, **options)
        meter.update(done)
        if done == total:
            meter.finish()

    return hear


def serve(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C; print the base URL and the env vars that point the sources here."""
    import threading

    from microfunnel.settings import load_settings
    from sandbox.server import KINDS, SandboxServer, parse_fault
    from sandbox.simulate import simulate

    if args.list_faults:
        print("\n".join(f"{kind:12} {meaning}" for kind, meaning in KINDS.items()))
        return 0
    try:
        faults = [parse_fault(text) for text in args.fault]
    except ValueError as exc:
        raise SystemExit(f"error: --fault {exc}") from exc
    ga4_dir = (args.out or load_settings().sandbox_dir) / "ga4"
    world = simulate(world_spec(args), persons_progress())
    # the world never changes while served: no collector passes over it (sandbox.served_world)
    with (
        garbage_collection.objects_alive_now_left_alone(),
        SandboxServer(world, port=args.port, as_of=args.as_of, faults=faults) as server,
    ):
        env = {**server.source_env(), "SOURCES__GA4__BUCKET_URL": str(ga4_dir.resolve())}
        if args.env_file:
            args.env_file.parent.mkdir(parents=True, exist_ok=True)
            args.env_file.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
        print(
            f"serving Google Ads, Meta Ads, Shopify, Klaviyo APIs ({len(world.orders)} orders, "
            f"{len(world.email_events)} email events) at {server.base_url}"
        )
        print("\n".join(export_lines(env, ga4_dir.is_dir(), bool(os.environ.get(KEY_ENV)))))
        print("Ctrl-C to stop", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")
    return 0


def export_lines(env: dict[str, str], ga4_files_exist: bool, pii_key_set: bool) -> list[str]:
    """What `serve` tells the user to export: every source's variables, GA4's folder included
    (with how to fill it when it is empty), and the PII key (never its value when set)."""
    lines = ["point the sources here (these are sandbox-only credentials):"]
    lines += [f"  export {key}={value}" for key, value in env.items()]
    if not ga4_files_exist:
        lines.append(
            "  # no GA4 files there yet: run `microfunnel sandbox simulate` with the same world options"
        )
    if pii_key_set:
        lines.append(f"  # {KEY_ENV} is set: the loads hash emails with it")
    else:
        lines.append(
            f"  export {KEY_ENV}={SANDBOX_PII_KEY}   # the sandbox's key, as `sandbox simulate` uses"
        )
    return lines
