"""`microfunnel forget`: erase a person on request, and keep them erased.

One person (by email, customer id or GA4 browser id), found through the identity graph; every
identifier of theirs; every row those identifiers reach in the raw tables of every source and in
the modelled tables, deleted in one transaction together with a hashed entry per identifier in the
suppression list (`ingestion/suppression.py`), which every later load honours. dlt's kept copies
of loaded data go too. Then the models and the serving snapshot are rebuilt from what is left
(`microfunnel run` without the loads), and the warehouse and the serving file are searched again
to prove nothing of theirs came back. The whole command holds the warehouse's writer lock.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from microfunnel.settings import Settings, load_settings

if TYPE_CHECKING:
    from commands.erasure import Lookup, Person

NOBODY_EXIT_CODE = 3  # the identifier matches nobody: nothing was changed
SHARED_EXIT_CODE = 4  # the identifier is several people's: nothing was changed


def rebuild_selection() -> str:
    """Every model, check and the serving snapshot, and the internal loads (the catalog, which holds
    nobody): what `microfunnel run` builds, without reading a source again."""
    from ingestion.registry import all_specs

    internal = "".join(f' or key:"{spec.dataset}/*"' for spec in all_specs() if not spec.selectable)
    return f"not group:ingestion{internal}"


def add_parser(commands) -> None:
    """The `forget` subcommand: exactly one identifier of the person, each option saying what it takes."""
    forget_parser = commands.add_parser(
        "forget",
        help="erase one person (raw rows, models, serving file) on request and keep later loads from "
        "bringing them back",
        description=__doc__.split("\n\n")[0],
    )
    who = forget_parser.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "--email",
        help="the email address the person gave (hashed with PII_HASH_KEY as the sources do; never stored)",
    )
    who.add_argument(
        "--customer-id",
        help="the shop's customer id: the number, or Shopify's gid://shopify/Customer/<n>",
    )
    who.add_argument(
        "--anonymous-id",
        help="a GA4 browser id (user_pseudo_id, the GA client id; a _ga cookie value GA1.1.<id> is accepted)",
    )
    forget_parser.add_argument(
        "--no-rebuild",
        action="store_true",
        help="erase and suppress only, without rebuilding the models and the serving file (the next "
        "`microfunnel run` rebuilds them)",
    )


def run(args: argparse.Namespace) -> int:
    return forget(args.email, args.customer_id, args.anonymous_id, rebuild=not args.no_rebuild)


def forget(
    email: str | None = None,
    customer_id: str | None = None,
    anonymous_id: str | None = None,
    settings: Settings | None = None,
    rebuild: bool = True,
) -> int:
    """Erase the person; 0 when done, NOBODY_EXIT_CODE / SHARED_EXIT_CODE when nothing was changed."""
    import duckdb

    from commands.erasure import (
        SharedIdentifier,
        find_person,
        lookup_for,
        pending_packages,
        scrub_pipelines_dir,
    )
    from ingestion.pipelines import configured_pii_key, working_dir
    from ingestion.registry import all_specs
    from microfunnel.warehouse_lock import (
        WarehouseInUseError,
        ensure_no_other_process_has_it_open,
        writer_lock,
    )

    settings = settings or load_settings()
    if settings.engine == "spark":
        print(
            "error: forget erases rows in the DuckDB warehouse; with MICROFUNNEL_ENGINE=spark the rows are "
            f"Parquet files in the lake ({settings.lake}) and Spark's tables, which it cannot rewrite yet. "
            "Nothing was changed. Run it against a DuckDB build of the same sources "
            "(MICROFUNNEL_ENGINE=duckdb).",
            file=sys.stderr,
        )
        return 2
    key = configured_pii_key()
    if not key:
        print(
            "error: PII_HASH_KEY is not set: forget hashes the identifiers it suppresses (and a given email) "
            "with the key the sources use; set it as for `microfunnel run`",
            file=sys.stderr,
        )
        return 2
    try:
        lookup = lookup_for(email, customer_id, anonymous_id, key)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not settings.warehouse_path.exists():
        print(f"nobody matches {lookup.shown}: there is no warehouse at {settings.warehouse_path} yet")
        return NOBODY_EXIT_CODE
    specs = all_specs()
    pipelines = working_dir(settings)
    try:
        with writer_lock(
            settings.warehouse_path, what=f"microfunnel forget (pid {os.getpid()})", report=print
        ):
            ensure_no_other_process_has_it_open(settings.warehouse_path, settings.serving_path)
            pending = pending_packages(pipelines)
            if pending:
                print(
                    f"error: dlt has {len(pending)} load package(s) not loaded yet ({pending[0]}); they were "
                    "extracted before this request and would load unfiltered. Run `microfunnel run` to "
                    "finish them, then forget again.",
                    file=sys.stderr,
                )
                return 1
            with duckdb.connect(str(settings.warehouse_path)) as connection:
                try:
                    person_id = find_person(connection, lookup)
                except SharedIdentifier as exc:
                    print(f"not forgotten: {exc}")
                    return SHARED_EXIT_CODE
                if person_id is None:
                    print(
                        f"nobody matches {lookup.shown}: no person in the warehouse has it "
                        "(marts.dim_person_identifiers); nothing was changed"
                    )
                    return NOBODY_EXIT_CODE
                person, raw, modelled, added, state_places = _erase(
                    connection, person_id, lookup, key, specs, pipelines
                )
            packages = scrub_pipelines_dir(pipelines)
            print_summary(lookup, person, raw, modelled, added, packages, state_places)
            if not rebuild:
                return 0
            return _rebuild_and_verify(settings, person)
    except WarehouseInUseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _erase(connection, person_id: str, lookup: Lookup, key: str, specs, pipelines: Path):
    """Collect, delete and suppress in one transaction: a failure leaves the warehouse as it was."""
    from commands.erasure import collect, erase_modelled, erase_raw, identifiers_in_dlt_state
    from ingestion.suppression import record_suppressed

    person = collect(connection, person_id, specs)
    request_id = f"forget-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    connection.execute("begin transaction")
    try:
        raw = erase_raw(connection, specs)
        modelled = erase_modelled(connection)
        added = record_suppressed(
            connection,
            [*person.suppressible(), (lookup.identifier_type, lookup.identifier_value)],
            key,
            request_id,
        )
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise
    connection.execute("checkpoint")  # the deleted rows leave the write-ahead log
    state_places = identifiers_in_dlt_state(connection, pipelines, person, specs)
    return person, raw, modelled, added, state_places


def _rebuild_and_verify(settings: Settings, person: Person) -> int:
    """Rebuild every model and the serving snapshot from what is left, then search both files again."""
    import duckdb

    from commands.erasure import IDS, count_in_file, erase_modelled
    from commands.runner import run_graph

    selection = rebuild_selection()
    print(f"rebuilding the models and the serving snapshot (`microfunnel run --select '{selection}'`)")
    code = run_graph(selection=selection, settings=settings)
    if code:
        print(
            "error: the person's rows are erased and suppressed, but the rebuild failed; fix the failure "
            f"above and run `microfunnel run --select '{selection}'` so the serving file"
            " drops them too",
            file=sys.stderr,
        )
        return code
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        connection.execute(f"create temp table {IDS} (identifier_type varchar, identifier_value varchar)")
        connection.executemany(
            f"insert into {IDS} values (?, ?)",
            [[k, v] for k, values in person.identifiers.items() for v in sorted(values)],
        )
        left = erase_modelled(connection, count_only=True)
    served = count_in_file(settings.serving_path, person)
    if left or served:
        print(f"error: rows of the person are back after the rebuild: {left | served}", file=sys.stderr)
        return 1
    print(f"verified: neither the models nor the serving file {settings.serving_path} hold their rows")
    return 0


def print_summary(
    lookup: Lookup,
    person: Person,
    raw: dict[str, int],
    modelled: dict[str, int],
    added: int,
    packages: int,
    state_places: list[str],
) -> None:
    kinds = ", ".join(
        f"{len(values)} {kind}" for kind, values in sorted(person.identifiers.items()) if kind != "node_id"
    )
    print(f"forget {lookup.shown}: person {person.person_id} ({kinds})")
    print(f"deleted {sum(raw.values())} raw rows:")
    for table, count in sorted(raw.items()):
        print(f"  {table:<58} {count:>8}")
    print(f"deleted {sum(modelled.values())} modelled rows (the rebuild recomputes the rest):")
    for table, count in sorted(modelled.items()):
        print(f"  {table:<58} {count:>8}")
    print(
        f"suppression list: {added} identifiers added, hashed "
        "(microfunnel_suppression.suppressed_identifiers); every later load drops their rows"
    )
    print(f"dlt: removed {packages} completed load packages (kept copies of loaded rows) and the run traces")
    if state_places:
        print(f"warning: dlt state still names them in {', '.join(state_places)}")
    else:
        print("dlt state (cursors, _dlt_pipeline_state): none of their identifiers")
