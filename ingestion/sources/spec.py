"""What a source declares about itself, once: its dlt function, raw tables, credentials and feeds.

A `SourceSpec` lives in each source's `settings.py` (constants only, no I/O) and is listed in
`ingestion.registry.REGISTERED`. Everything else derives from it: the dlt resources take their
table names and column types from `tables`; Dagster lays out one asset per table; `microfunnel
validate` reports the `credentials` still missing; dbt gets `feeds` as the var
`microfunnel__sources`, and its unions pick up each enabled source's contribution by name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# What a source can contribute to the shared models; each feed is a dbt model named by convention.
FEEDS: dict[str, str] = {
    "identity_edges": "int_identity_edges__{source}",  # pairs of identifiers seen together
    "identity_nodes": "int_identity_nodes__{source}",  # identifiers that count even when linked to nothing
    "person_events": "int_person_events__{source}",  # events on the person timeline (resolved by identifier)
    "ad_campaign_days": "int_ad_campaign_days__{source}",  # spend, impressions, clicks per campaign and day
    "orders": "stg_{source}__orders",  # the macro-conversion: the shop's orders
    # events that `action` micro-conversions of the catalog match (by event_name and params), beyond GA4's
    "conversion_events": "int_conversion_events__{source}",
}

ColumnHints = Mapping[str, Mapping[str, Any]]  # dlt column hints: {"spend": {"data_type": "decimal"}}


@dataclass(frozen=True)
class SourceSpec:
    """One source, declared once (see the README's "Adding a source")."""

    name: str  # the dlt source name; raw tables land in schema raw_<name>
    function: str  # "package.module:function" of the @dlt.source, imported on first use
    tables: Mapping[str, ColumnHints]  # raw table (= dlt resource = Dagster asset) -> its typed columns
    credentials: tuple[str, ...] = ()  # config/secret keys that must be set: [sources.<name>] key
    feeds: tuple[str, ...] = ()  # keys of FEEDS this source contributes to
    summary: str = ""  # one line for `microfunnel validate` and the README
    required: bool = False  # every model stands on it (GA4): it cannot be switched off
    selectable: bool = True  # False: internal, always on (the conversions catalog)
    companion_of: tuple[str, ...] = ()  # keys of FEEDS: on whenever an enabled source feeds one (ECB rates)
    # Columns holding a person's identifiers, per raw table: {table: {column: identifier type}}, in
    # the identity graph's canonical form (customer_id = the numeric id, order_id, email_hash, ...).
    # `microfunnel forget` erases rows by them and every later load drops suppressed ones.
    identifiers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Tables a load replaces partition by partition, {table: (partition column, load stamp column)}:
    # dlt appends the load's rows, then `ingestion.replaced_rows` drops every row whose stamp is
    # older than the newest stamp of its partition (GA4: a re-exported day replaces the day).
    replaces_partitions: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # Tables whose resource yields Arrow tables of one fixed schema, {table: "module:function"}
    # returning that pyarrow schema: the DuckDB warehouse keeps their nested columns as STRUCT and
    # LIST, not as dlt's JSON text (ingestion.native_nested; GA4's events).
    native_nested: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted((set(self.feeds) | set(self.companion_of)) - set(FEEDS))
        if unknown:
            raise ValueError(f"source {self.name!r}: unknown feeds {unknown}; known feeds: {sorted(FEEDS)}")
        named = set(self.identifiers) | set(self.replaces_partitions) | set(self.native_nested)
        undeclared = sorted(named - set(self.tables))
        if undeclared:
            raise ValueError(
                f"source {self.name!r}: identifiers, replaces_partitions or native_nested name tables "
                f"it does not declare: {undeclared}"
            )

    @property
    def dataset(self) -> str:
        return f"raw_{self.name}"

    def columns(self, table: str) -> dict[str, dict[str, Any]]:
        """Fresh column hints for a dlt resource (dlt writes the column name into each dict it gets)."""
        return {name: dict(hint) for name, hint in self.tables[table].items()}

    def source_function(self) -> Callable[..., Any]:
        return _imported(self.function)

    def arrow_schema(self, table: str) -> Any:
        """The pyarrow schema a `native_nested` table's resource yields."""
        return _imported(self.native_nested[table])()

    def contribution_models(self) -> dict[str, str]:
        """{feed: dbt model} this source must provide, by the FEEDS naming convention."""
        return {feed: FEEDS[feed].format(source=self.name) for feed in self.feeds}


def _imported(reference: str) -> Any:
    """The object a "package.module:name" reference names, imported on first use."""
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)
