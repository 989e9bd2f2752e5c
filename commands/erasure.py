"""The warehouse side of `microfunnel forget`: find a person, collect their identifiers, erase their rows.

A person is what the identity graph says (marts.dim_person_identifiers): every identifier of
theirs is collected from there, then the identifiers only one source knows (a Klaviyo profile id)
from the raw rows those identifiers reach. Rows are erased by typed identifier: in a raw table by
the columns its SourceSpec declares (`identifiers`), in the modelled schemas by columns named for
what they hold (person_id, anonymous_id, customer_id, order_id, identifier_type/_value pairs, the
graph's node numbers). An identifier the guardrails cut as shared (a family computer, a throw-away
email) is nobody's alone, so it is never used to erase: that would erase other people's rows.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingestion.sources.spec import SourceSpec
from microfunnel.pii import hash_email

IDS = "forget_ids"  # temp table (identifier_type, identifier_value) of the person being erased
SUPPRESSION_SCHEMA = "microfunnel_suppression"

# Types the graph holds (dim_person_identifiers); user_id is the GA4 alias of a customer_id node.
GRAPH_TYPES = ("anonymous_id", "user_id", "customer_id", "email_hash", "order_id", "gclid", "fbclid")
# Never loaded from a source, so never suppressed: the warehouse's own numbers for the person.
INTERNAL_TYPES = ("person_id", "node_id", "user_id")

# Modelled columns named for the identifier they hold -> its type.
TYPED_COLUMNS = {
    "person_id": "person_id",
    "current_person_id": "person_id",
    "previous_person_id": "person_id",
    "anonymous_id": "anonymous_id",
    "ga_client_id": "anonymous_id",
    "user_id": "customer_id",
    "customer_id": "customer_id",
    "email_hash": "email_hash",
    "order_id": "order_id",
    "gclid": "gclid",
    "fbclid": "fbclid",
    "profile_id": "klaviyo_profile_id",
    "node_id": "node_id",
    "node_id_a": "node_id",
    "node_id_b": "node_id",
    "linked_node_id": "node_id",
    "component_id": "node_id",  # a component is labelled by its smallest node
}
# Columns whose value starts with an identifier: a session key is `<anonymous_id>-<ga_session_id>`.
PREFIXED_COLUMNS = {"session_key": "anonymous_id"}
# (type column, value column) pairs: the value is of the type the row names.
PAIRED_COLUMNS = (
    ("identifier_type", "identifier_value"),
    ("identifier_type_a", "identifier_value_a"),
    ("identifier_type_b", "identifier_value_b"),
    ("anchor_identifier_type", "anchor_identifier_value"),
)


class SharedIdentifier(RuntimeError):
    """The identifier asked for is used by several people (cut by the guardrails): not one person's."""


@dataclass(frozen=True)
class Lookup:
    """What the request names, in the graph's canonical form, and how to show it without PII."""

    identifier_type: str
    identifier_value: str
    shown: str


def lookup_for(
    email: str | None = None,
    customer_id: str | None = None,
    anonymous_id: str | None = None,
    key: str | None = None,
) -> Lookup:
    """The identifier to look up: an email becomes its keyed hash (as the sources store it), a Shopify
    customer GID its numeric id (the graph's customer_id), a `_ga` cookie value its user_pseudo_id."""
    if email is not None:
        if "@" not in email or not email.strip():
            raise ValueError(f"--email {email!r}: not an email address")
        if not key:
            raise ValueError("--email needs PII_HASH_KEY, the key the sources hashed emails with")
        digest = hash_email(email, key)
        return Lookup("email_hash", digest, f"email (hash {digest[:12]}…)")
    if customer_id is not None:
        value = customer_id.strip().rsplit("/", 1)[-1]  # gid://shopify/Customer/123 -> 123
        if not value.isdigit():
            raise ValueError(f"--customer-id {customer_id!r}: expected the shop's numeric customer id")
        return Lookup("customer_id", value, f"customer id {value}")
    if anonymous_id is not None:
        value = anonymous_id.strip()
        if value.upper().startswith("GA1."):  # a `_ga` cookie: GA1.1.<client id>
            value = value.split(".", 2)[2]
        if not value:
            raise ValueError("--anonymous-id: empty")
        return Lookup("anonymous_id", value, f"anonymous id {value}")
    raise ValueError("name the person: one of --email, --customer-id, --anonymous-id")


@dataclass
class Person:
    person_id: str
    identifiers: dict[str, set[str]] = field(default_factory=dict)  # type -> values

    def count(self, kinds: Iterable[str] | None = None) -> int:
        return sum(len(v) for k, v in self.identifiers.items() if kinds is None or k in kinds)

    def suppressible(self) -> list[tuple[str, str]]:
        """The identifiers a source may load again: every one but the warehouse's own numbers."""
        return sorted(
            (kind, value)
            for kind, values in self.identifiers.items()
            if kind not in INTERNAL_TYPES
            for value in values
        )


def has_table(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    (found,) = connection.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?", [schema, table]
    ).fetchone()
    return bool(found)


def columns_of(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = connection.execute(
        "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
        "order by column_index",
        [schema, table],
    ).fetchall()
    return [name for (name,) in rows]


def find_person(connection: duckdb.DuckDBPyConnection, lookup: Lookup) -> str | None:
    """The person_id the identifier belongs to, None when the graph does not know it."""
    if not has_table(connection, "marts", "dim_person_identifiers"):
        return None
    row = connection.execute(
        "select person_id, is_shared from marts.dim_person_identifiers "
        "where identifier_type = ? and identifier_value = ?",
        [lookup.identifier_type, lookup.identifier_value],
    ).fetchone()
    if row is None:
        return None
    if row[1]:
        raise SharedIdentifier(
            f"{lookup.shown} is used by several people (the identity guardrails cut it as shared), so it "
            "is not one person's: erasing by it would erase other people's rows. Ask for another identifier "
            "of the person (their customer id or browser id) and forget by that."
        )
    return row[0]


def collect(connection: duckdb.DuckDBPyConnection, person_id: str, specs: Iterable[SourceSpec]) -> Person:
    """Every identifier of the person into the temp table IDS (and the returned Person)."""
    connection.execute(
        f"create or replace temp table {IDS} (identifier_type varchar, identifier_value varchar)"
    )
    connection.execute(
        f"insert into {IDS} select distinct identifier_type, identifier_value "
        "from marts.dim_person_identifiers where person_id = ? and not is_shared",
        [person_id],
    )
    # user_id is the login alias of a customer_id node: a user_id column holds customer ids
    connection.execute(
        f"insert into {IDS} select 'customer_id', identifier_value from {IDS} "
        f"where identifier_type = 'user_id' except select identifier_type, identifier_value from {IDS}"
    )
    person_ids = {person_id}
    if has_table(connection, "marts", "person_id_history"):  # ids issued to them before a merge
        person_ids |= {
            row[0]
            for row in connection.execute(
                "select person_id from marts.person_id_history where current_person_id = ?", [person_id]
            ).fetchall()
        }
    connection.executemany(f"insert into {IDS} values ('person_id', ?)", [[p] for p in sorted(person_ids)])
    if has_table(connection, "intermediate", "int_identity_nodes"):
        connection.execute(
            f"insert into {IDS} select distinct 'node_id', cast(node_id as varchar) "
            f"from intermediate.int_identity_nodes nodes inner join {IDS} ids "
            "on ids.identifier_type = nodes.identifier_type and ids.identifier_value = nodes.identifier_value"
        )
    _collect_source_local(connection, list(specs))
    person = Person(person_id)
    for kind, value in connection.execute(f"select identifier_type, identifier_value from {IDS}").fetchall():
        person.identifiers.setdefault(kind, set()).add(value)
    return person


def _collect_source_local(connection: duckdb.DuckDBPyConnection, specs: list[SourceSpec]) -> None:
    """Identifiers only one source knows (a Klaviyo profile id), from the raw rows the person's
    other identifiers reach; repeated until nothing new turns up."""
    for _ in range(5):
        added = 0
        for spec in specs:
            for table, declared in spec.identifiers.items():
                present = _present(connection, spec.dataset, table, declared)
                local = {c: k for c, k in present.items() if k not in GRAPH_TYPES}
                if not local or not has_table(connection, spec.dataset, table):
                    continue
                condition = _raw_condition(present)
                for column, kind in local.items():
                    value = f'trim(cast("{column}" as varchar))'
                    (count,) = connection.execute(
                        f"insert into {IDS} select distinct '{kind}', {value} "
                        f'from {spec.dataset}."{table}" where ({condition}) '
                        f"and nullif({value}, '') is not null and {value} not in "
                        f"(select identifier_value from {IDS} where identifier_type = '{kind}')"
                    ).fetchone()
                    added += count
        if not added:
            return


def _present(
    connection: duckdb.DuckDBPyConnection, schema: str, table: str, declared: dict[str, str]
) -> dict[str, str]:
    existing = set(columns_of(connection, schema, table))
    return {column: kind for column, kind in declared.items() if column in existing}


def _raw_condition(columns: dict[str, str]) -> str:
    return " or ".join(
        f'trim(cast("{column}" as varchar)) in '
        f"(select identifier_value from {IDS} where identifier_type = '{kind}')"
        for column, kind in columns.items()
    )


def erase_raw(connection: duckdb.DuckDBPyConnection, specs: Iterable[SourceSpec]) -> dict[str, int]:
    """Delete the person's rows from every source's raw tables (and dlt's staging copies and child
    tables); {schema.table: rows deleted} for the tables that had any."""
    deleted: dict[str, int] = {}
    for spec in specs:
        for schema in (spec.dataset, f"{spec.dataset}_staging"):
            for table, declared in spec.identifiers.items():
                if not has_table(connection, schema, table):
                    continue
                present = _present(connection, schema, table, declared)
                if not present:
                    continue
                condition = _raw_condition(present)
                for child in _child_tables(connection, schema, table):
                    (count,) = connection.execute(
                        f'delete from {schema}."{child}" where _dlt_root_id in '
                        f'(select _dlt_id from {schema}."{table}" where {condition})'
                    ).fetchone()
                    if count:
                        deleted[f"{schema}.{child}"] = count
                (count,) = connection.execute(f'delete from {schema}."{table}" where {condition}').fetchone()
                if count:
                    deleted[f"{schema}.{table}"] = count
    return deleted


def _child_tables(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """dlt's child tables of `table` (nested lists), which point at their root row by _dlt_root_id."""
    rows = connection.execute(
        "select table_name from duckdb_tables() where schema_name = ? and starts_with(table_name, ?)",
        [schema, f"{table}__"],
    ).fetchall()
    parent_has_id = "_dlt_id" in columns_of(connection, schema, table)
    return [
        name for (name,) in rows if parent_has_id and "_dlt_root_id" in columns_of(connection, schema, name)
    ]


def modelled_condition(columns: list[str]) -> str | None:
    """The rows of a modelled table that are the person's, by the columns it has; None: it has none."""
    parts = [
        f'cast("{column}" as varchar) in '
        f"(select identifier_value from {IDS} where identifier_type = '{kind}')"
        for column, kind in TYPED_COLUMNS.items()
        if column in columns
    ]
    parts += [
        f"split_part(cast(\"{column}\" as varchar), '-', 1) in "
        f"(select identifier_value from {IDS} where identifier_type = '{kind}')"
        for column, kind in PREFIXED_COLUMNS.items()
        if column in columns
    ]
    parts += [  # the outer columns are named outside the subquery, so they are the table's
        f'("{kind}" || chr(31) || cast("{value}" as varchar)) in '
        f"(select identifier_type || chr(31) || identifier_value from {IDS})"
        for kind, value in PAIRED_COLUMNS
        if kind in columns and value in columns
    ]
    return " or ".join(parts) or None


def modelled_tables(
    connection: duckdb.DuckDBPyConnection, database: str | None = None
) -> list[tuple[str, str]]:
    """Tables (not views) of every schema but the raw ones and the suppression list: what dbt built."""
    where = "database_name = ?" if database else "database_name = current_database()"
    rows = connection.execute(
        f"select schema_name, table_name from duckdb_tables() where {where} "
        "and not starts_with(schema_name, 'raw_') and schema_name <> ? order by 1, 2",
        [database, SUPPRESSION_SCHEMA] if database else [SUPPRESSION_SCHEMA],
    ).fetchall()
    return rows


def erase_modelled(connection: duckdb.DuckDBPyConnection, count_only: bool = False) -> dict[str, int]:
    """Delete (or only count) the person's rows in every modelled table; {schema.table: rows}."""
    found: dict[str, int] = {}
    for schema, table in modelled_tables(connection):
        condition = modelled_condition(columns_of(connection, schema, table))
        if condition is None:
            continue
        verb = "select count(*) from" if count_only else "delete from"
        (count,) = connection.execute(f'{verb} {schema}."{table}" where {condition}').fetchone()
        if count:
            found[f"{schema}.{table}"] = count
    return found


def count_in_file(path: Path, person: Person) -> dict[str, int]:
    """The person's rows in another DuckDB file (the serving snapshot), by the same column rules."""
    found: dict[str, int] = {}
    if not path.exists():
        return found
    with duckdb.connect() as connection:
        connection.execute(f"attach '{path}' as snapshot (read_only)")
        connection.execute(f"create temp table {IDS} (identifier_type varchar, identifier_value varchar)")
        connection.executemany(
            f"insert into {IDS} values (?, ?)",
            [[k, v] for k, values in person.identifiers.items() for v in sorted(values)],
        )
        for schema, table in modelled_tables(connection, "snapshot"):
            columns = [
                name
                for (name,) in connection.execute(
                    "select column_name from duckdb_columns() where database_name = 'snapshot' "
                    "and schema_name = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
            ]
            condition = modelled_condition(columns)
            if condition:
                (count,) = connection.execute(
                    f'select count(*) from snapshot.{schema}."{table}" where {condition}'
                ).fetchone()
                if count:
                    found[f"{schema}.{table}"] = count
    return found


def pending_packages(pipelines_dir: Path) -> list[Path]:
    """Extracted or normalized load packages not loaded yet: a later run would load them unfiltered."""
    pending = []
    for stage in ("normalize/extracted", "load/new", "load/normalized"):
        for folder in pipelines_dir.glob(f"*/{stage}"):
            pending += [package for package in folder.iterdir() if package.is_dir()]
    return sorted(pending)


def scrub_pipelines_dir(pipelines_dir: Path) -> int:
    """Remove dlt's kept copies of loaded data (completed load packages hold every row they loaded) and
    its run traces; the pipelines' state and schemas stay. Returns how many packages were removed."""
    removed = 0
    for package in sorted(pipelines_dir.glob("*/load/loaded/*")):
        if package.is_dir():
            shutil.rmtree(package)
            removed += 1
    for trace in pipelines_dir.glob("*/trace.pickle"):
        trace.unlink()
    return removed


def identifiers_in_dlt_state(
    connection: duckdb.DuckDBPyConnection, pipelines_dir: Path, person: Person, specs: Iterable[SourceSpec]
) -> list[str]:
    """Where dlt's state (in the warehouse and in the pipelines' working folders) names the person:
    state holds cursors and hashes, not rows, so this is expected to be empty; shown if not."""
    from dlt.common.versioned_state import decompress_state

    values = {v for k, vs in person.identifiers.items() if k not in INTERNAL_TYPES for v in vs if len(v) > 3}
    places = []
    for spec in specs:
        if not has_table(connection, spec.dataset, "_dlt_pipeline_state"):
            continue
        for (state,) in connection.execute(
            f"select state from {spec.dataset}._dlt_pipeline_state"
        ).fetchall():
            text = json.dumps(decompress_state(state), default=str)
            if any(value in text for value in values):
                places.append(f"{spec.dataset}._dlt_pipeline_state")
                break
    for state_file in sorted(pipelines_dir.glob("*/state.json")):
        text = state_file.read_text()
        if any(value in text for value in values):
            places.append(str(state_file))
    return places
