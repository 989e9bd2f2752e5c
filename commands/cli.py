"""The `microfunnel` command: validate the catalog, run the graph, run the demo, drive the sandbox.

Heavy imports (dlt, dbt, Dagster) happen inside the commands, so `microfunnel --help` is instant.
"""

from __future__ import annotations

import argparse
import sys

from microfunnel.conversions import ConfigError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="microfunnel", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("validate", help="check conversions.yml (CONVERSIONS_CONFIG) and exit")
    run = commands.add_parser("run", help="materialize the whole asset graph in-process (scripts, CI)")
    run.add_argument(
        "--select", default="*", help="Dagster asset selection, e.g. 'raw_ga4/events+' (default: all)"
    )
    run.add_argument(
        "--days",
        type=day_range,
        help="run (or backfill) these reporting days as one run: 2026-10-05..2026-10-07, or one day",
    )
    run.add_argument(
        "--verbose",
        action="store_true",
        help="print every Dagster event and dbt line (default: one per step)",
    )
    demo = commands.add_parser(
        "demo", help="simulate the sandbox world, serve its APIs, run everything, summarize"
    )
    commands.add_parser("dev", help="open the Dagster UI on 127.0.0.1:3000 against the sandbox world")
    report = commands.add_parser(
        "report",
        help="write the HTML report (funnels, trends, paths, lift, campaign ROAS) of the serving snapshot",
    )
    report.add_argument(
        "--serving",
        help="the serving DuckDB file to read, read-only (default: SERVING_PATH, data/serving.duckdb)",
    )
    report.add_argument(
        "--out",
        help="the HTML file to write (default: report.html next to the serving file); prints its path",
    )
    sandbox = commands.add_parser("sandbox", help="the offline world: simulate files, serve the vendor APIs")
    from commands import audiences as audiences_cli

    audiences_cli.add_parser(commands)

    from sandbox import cli as sandbox_cli

    sandbox_cli.build_parser(sandbox)
    sandbox_cli.add_world_arguments(demo)
    sandbox_cli.add_world_arguments(commands.choices["dev"])
    args = parser.parse_args(argv)
    try:
        return _dispatch(args, sandbox_cli)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def day_range(text: str) -> tuple[str, str]:
    """`2026-10-05..2026-10-07` or `2026-10-05` -> (first, last) ISO dates, first <= last."""
    from datetime import date

    first, _, last = text.partition("..")
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last or first)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected FIRST..LAST ISO dates, e.g. 2026-10-05..2026-10-07"
        ) from None
    if end < start:
        raise argparse.ArgumentTypeError(f"{text!r}: the last day is before the first")
    return start.isoformat(), end.isoformat()


def _dispatch(args: argparse.Namespace, sandbox_cli) -> int:
    if args.command == "validate":
        return _validate()
    if args.command == "sandbox":
        return sandbox_cli.run(args)
    if args.command == "report":
        return _report(args.serving, args.out)
    if args.command == "audiences":
        from commands import audiences as audiences_cli

        return audiences_cli.run(args)
    from commands import runner

    if args.command == "run":
        return runner.run_graph(selection=args.select, days=args.days, verbose=args.verbose)
    if args.command == "demo":
        return runner.demo(sandbox_cli.world_spec(args))
    if args.command == "dev":
        return runner.dev(sandbox_cli.world_spec(args))
    raise SystemExit(f"unknown command {args.command!r}")


def _report(serving: str | None, out: str | None) -> int:
    """Write the report of the serving snapshot (SERVING_PATH unless --serving) and print where."""
    from pathlib import Path

    from commands.report import default_report_path, write_report
    from microfunnel.settings import load_settings

    path = Path(serving) if serving else load_settings().serving_path
    try:
        written = write_report(path, Path(out) if out else default_report_path(path))
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(written)
    return 0


def _validate() -> int:
    """Check the catalog, then say which sources are on, why, and which credentials each lacks."""
    import os

    from ingestion.registry import enabled_sources, missing_credentials, selectable_sources, spec
    from microfunnel.conversions import load_catalog
    from microfunnel.settings import INGESTION_DIR, load_settings

    os.environ.setdefault("DLT_PROJECT_DIR", str(INGESTION_DIR))
    settings = load_settings()
    catalog = load_catalog(settings.conversions_config, known_sources=selectable_sources())
    print(
        f"{settings.conversions_config}: ok ({len(catalog.micro_conversions)} micro-conversions, "
        f"{len(catalog.funnels)} funnels)"
    )
    selection = enabled_sources(settings)
    print(f"sources (decided by {selection.decided_by}):")
    lacking = 0
    for name in selectable_sources():
        if name not in selection.enabled:
            print(f"  {name:<12} off")
            continue
        missing = missing_credentials(name)
        lacking += bool(missing)
        keys = ", ".join(f"SOURCES__{name.upper()}__{key.upper()}" for key in missing)
        state = f"on, lacks {keys}" if missing else "on, configured"
        print(f"  {name:<12} {state}  ({spec(name).summary})")
    if lacking:
        print(
            "error: an enabled source lacks credentials; set them (env vars or ingestion/.dlt/secrets.toml)"
        )
        print("       or switch the source off (sources: in conversions.yml, or MICROFUNNEL_SOURCES)")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
