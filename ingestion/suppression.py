"""The suppression list: identifiers of persons erased on request, which no later load may bring back.

`microfunnel forget` deletes a person's rows and records every identifier of theirs here, hashed
(a keyed HMAC of `<type>:<value>`, PII_HASH_KEY): the list names nobody, yet a load can recognise
them. Every source's resources pass through one filter (`honour_suppression`, applied where
`ingestion.pipelines` builds a source) that drops each row carrying a suppressed identifier in one
of the columns its SourceSpec declares (`identifiers`): dict rows one by one, Arrow tables (GA4)
with pyarrow compute. A re-ingest of the same source data (the vendor still has it, the export
files still hold it) therefore cannot bring an erased person back.

The list lives in the warehouse (schema `microfunnel_suppression`), beside the data it guards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from dlt.extract.items_transform import ItemTransform

from ingestion.sources.spec import SourceSpec
from microfunnel.pii import hash_identifier

SCHEMA = "microfunnel_suppression"
TABLE = f"{SCHEMA}.suppressed_identifiers"
CREATE = f"""
create schema if not exists {SCHEMA};
create table if not exists {TABLE} (
    identifier_type varchar not null,
    identifier_hash varchar not null,
    request_id varchar not null,
    requested_at timestamp with time zone not null,
    primary key (identifier_type, identifier_hash)
)
"""


def suppression_hash(identifier_type: str, value: object, key: str) -> str:
    """The keyed hash one identifier is suppressed by; the type is part of it (customer 7 is not order 7)."""
    return hash_identifier(f"{identifier_type}:{value}", key)


def canonical(value: object) -> str | None:
    """An identifier as the identity graph compares it: text, trimmed; empty is no identifier."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def read_suppressed(warehouse: Path) -> frozenset[str]:
    """Every suppressed hash (empty when the warehouse or the list does not exist yet)."""
    if not warehouse.exists():
        return frozenset()
    with duckdb.connect(str(warehouse)) as connection:
        (exists,) = connection.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
            [SCHEMA, TABLE.split(".")[1]],
        ).fetchone()
        if not exists:
            return frozenset()
        return frozenset(
            row[0] for row in connection.execute(f"select identifier_hash from {TABLE}").fetchall()
        )


def record_suppressed(
    connection: duckdb.DuckDBPyConnection,
    identifiers: Iterable[tuple[str, str]],
    key: str,
    request_id: str,
) -> int:
    """Add (type, value) identifiers to the list, hashed; returns how many were new."""
    connection.execute(CREATE)
    rows = sorted({(kind, suppression_hash(kind, value, key)) for kind, value in identifiers})
    (before,) = connection.execute(f"select count(*) from {TABLE}").fetchone()
    if rows:
        connection.executemany(
            f"insert into {TABLE} values (?, ?, ?, now()) on conflict do nothing",
            [[kind, digest, request_id] for kind, digest in rows],
        )
    (after,) = connection.execute(f"select count(*) from {TABLE}").fetchone()
    return after - before


class SuppressionFilter(ItemTransform[Any]):
    """A pipe step dropping the rows that carry a suppressed identifier in one of `columns`."""

    def __init__(self, columns: Mapping[str, str], suppressed: frozenset[str], key: str) -> None:
        super().__init__(lambda item: item)
        self.columns = dict(columns)
        self.suppressed = suppressed
        self.key = key
        self.dropped = 0

    def is_suppressed(self, identifier_type: str, value: object) -> bool:
        text = canonical(value)
        return text is not None and suppression_hash(identifier_type, text, self.key) in self.suppressed

    def keeps(self, row: Mapping[str, Any]) -> bool:
        return not any(self.is_suppressed(kind, row.get(column)) for column, kind in self.columns.items())

    def __call__(self, item: Any, meta: Any = None) -> Any:
        if isinstance(item, list):
            kept = [row for row in item if not isinstance(row, Mapping) or self.keeps(row)]
            self.dropped += len(item) - len(kept)
            return kept if kept or not item else None
        if isinstance(item, Mapping):
            if self.keeps(item):
                return item
            self.dropped += 1
            return None
        if isinstance(item, (pa.Table, pa.RecordBatch)):
            return self.filter_arrow(item)
        return item  # markers (materialize_table_schema) and anything else pass untouched

    def filter_arrow(self, table: pa.Table | pa.RecordBatch) -> pa.Table | pa.RecordBatch:
        """Hash each distinct value once, then drop matching rows with pyarrow compute."""
        drop = None
        for column, kind in self.columns.items():
            if column not in table.column_names:
                continue
            values = table.column(column)
            if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
                values = pc.cast(values, pa.string())
            trimmed = pc.utf8_trim_whitespace(values)
            hits = [
                value
                for value in pc.unique(trimmed).to_pylist()
                if value and suppression_hash(kind, value, self.key) in self.suppressed
            ]
            if hits:
                matched = pc.fill_null(pc.is_in(trimmed, value_set=pa.array(hits, pa.string())), False)
                drop = matched if drop is None else pc.or_(drop, matched)
        if drop is None:
            return table
        self.dropped += pc.sum(drop).as_py() or 0
        return table.filter(pc.invert(drop))


def honour_suppression(
    source: Any, source_spec: SourceSpec, suppressed: frozenset[str], key: str | None
) -> Any:
    """Add a SuppressionFilter to each resource of a dlt source whose table declares identifier columns.

    A no-op while the list is empty (the key is then not needed); a list without the key that made
    it cannot be honoured, so that fails loudly rather than loading erased persons."""
    if not suppressed:
        return source
    if not key:
        from microfunnel.pii import pii_key

        key = pii_key()  # raises, saying how to set it
    for name, resource in source.resources.items():
        columns = source_spec.identifiers.get(name)
        if columns:
            resource.add_step(SuppressionFilter(columns, suppressed, key))
    return source
