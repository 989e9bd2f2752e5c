"""`microfunnel sandbox ...`: simulate a world to files, or serve its APIs (see the README)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from sandbox.simulate import WorldSpec


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
    simulate.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        help="export as GA4 had by this day (late events not yet arrived are left out)",
    )
    serve = commands.add_parser(
        "serve", help="serve the world's Google Ads, Meta, Shopify, Klaviyo APIs until Ctrl-C"
    )
    add_world_arguments(serve)
    serve.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free port)")
    serve.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
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
        world = write_world_files(world_spec(args), out, fmt=args.format, as_of=args.as_of)
        print(
            f"{out}: {len(world.events)} GA4 events, {len(world.orders)} orders, "
            f"{len(world.persons)} persons; ground truth in {out / 'truth'}"
        )
        return 0
    raise SystemExit(f"unknown sandbox command {args.sandbox_command!r}")


def serve(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C; print the base URL and the env vars that point the sources here."""
    import threading

    from sandbox.server import KINDS, SandboxServer, parse_fault
    from sandbox.simulate import simulate

    if args.list_faults:
        print("\n".join(f"{kind:12} {meaning}" for kind, meaning in KINDS.items()))
        return 0
    try:
        faults = [parse_fault(text) for text in args.fault]
    except ValueError as exc:
        raise SystemExit(f"error: --fault {exc}") from exc
    world = simulate(world_spec(args))
    with SandboxServer(world, port=args.port, as_of=args.as_of, faults=faults) as server:
        env = server.source_env()
        lines = [f"{key}={value}" for key, value in env.items()]
        if args.env_file:
            args.env_file.parent.mkdir(parents=True, exist_ok=True)
            args.env_file.write_text("\n".join(lines) + "\n")
        print(
            f"serving Google Ads, Meta Ads, Shopify, Klaviyo APIs ({len(world.orders)} orders, "
            f"{len(world.email_events)} email events) at {server.base_url}"
        )
        print("point the sources here (these are sandbox-only credentials):")
        print("\n".join(f"  export {line}" for line in lines))
        print("  export PII_HASH_KEY=<any long random string>   # if not set yet")
        print("Ctrl-C to stop", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")
    return 0
