"""The `microfunnel` command: validate the catalog, run the graph, run the demo, drive the sandbox.

Heavy imports (dlt, dbt, Dagster) happen inside the commands, so `microfunnel --help` is instant.
"""

from __future__ import annotations

import argparse
import sys

from microfunnel.conversions import ConfigError
from orchestration.process_life import exit_without_teardown


def build_parser() -> argparse.ArgumentParser:
    """Every command and option of `microfunnel`, each with its help (tests/unit/test_cli_help.py)."""
    parser = argparse.ArgumentParser(
        prog="microfunnel",
        description="Micro-conversion analytics: load GA4, ad and shop data (dlt), model the paths to "
        "purchase (dbt), run it all as one asset graph (Dagster) into DuckDB. Offline, the sandbox "
        "world stands in for the vendors. `microfunnel COMMAND --help` tells a command's options.",
    )
    commands = parser.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")
    commands.add_parser(
        "validate",
        help="check conversions.yml (CONVERSIONS_CONFIG) and say which sources are on and which "
        "credentials each lacks; exit 2 on a problem",
    )
    run = commands.add_parser("run", help="materialize the whole asset graph in-process (scripts, CI)")
    run.add_argument(
        "--select",
        default="*",
        help="Dagster asset selection to materialize, e.g. 'raw_ga4/events+' (default: all)",
    )
    run.add_argument(
        "--days",
        type=day_range,
        metavar="FIRST..LAST",
        help="run (or backfill) these reporting days as one run: 2026-10-05..2026-10-07, or one day "
        "(default: every source loads incrementally from its cursor)",
    )
    run.add_argument(
        "--verbose",
        action="store_true",
        help="print every Dagster event and dbt line (default: one line per step and its progress; "
        "the rest in logs/microfunnel-run.log beside the warehouse)",
    )
    demo = commands.add_parser(
        "demo",
        help="simulate the sandbox world, serve its APIs, run everything on a fresh warehouse, "
        "summarize and write the report",
    )
    commands.add_parser(
        "dev", help="open the Dagster UI on 127.0.0.1:3000, its sources pointed at the sandbox world"
    )
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
    sandbox = commands.add_parser(
        "sandbox", help="the offline world: write its GA4 export files, serve its vendor APIs"
    )
    from commands import forget as forget_cli

    forget_cli.add_parser(commands)
    from commands import audiences as audiences_cli

    audiences_cli.add_parser(commands)

    from sandbox import cli as sandbox_cli

    sandbox_cli.build_parser(sandbox)
    sandbox_cli.add_world_arguments(demo)
    sandbox_cli.add_world_arguments(commands.choices["dev"])
    describe_commands(parser)
    return parser


def describe_commands(parser: argparse.ArgumentParser) -> None:
    """A command's one-line help (in its parent's list) is also its own `--help` description
    unless it has a longer one: `microfunnel run --help` says what `run` does."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, command in action.choices.items():
                if not command.description and helps.get(name):
                    command.description = helps[name][:1].upper() + helps[name][1:] + "."
                describe_commands(command)


def entry() -> None:
    """The `microfunnel` console script: `main`, then an exit without the interpreter's teardown.

    After a run the process holds ~2M objects (dlt, dbt, Dagster, DuckDB, the demo's world). The
    teardown walks them with three full garbage collections: 5 s of the demo's ~80 s, measured.
    Freezing the objects instead (`gc.freeze`) saves the same time but makes DuckDB's bindings
    report them as leaked. Tests call `main`, which returns its exit code as before.
    """
    exit_without_teardown(main())


def main(argv: list[str] | None = None) -> int:
    from sandbox import cli as sandbox_cli

    args = build_parser().parse_args(argv)
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
    if args.command == "forget":
        from commands import forget as forget_cli

        return forget_cli.run(args)
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
