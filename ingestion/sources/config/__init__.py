"""The validated `conversions.yml` as tables, so SQL reads the catalog like any other source.

Loading the catalog into `raw_config` (replaced on every run) keeps the dbt models generic:
they join against these tables instead of being generated per conversion, dbt unit tests can
mock them, and BI users can see which definitions produced a number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import dlt
import pyarrow as pa
from dlt.common.typing import TSecretStrValue

from ingestion.sources.config.settings import SCHEMAS
from microfunnel.audiences import config_rows as audience_rows
from microfunnel.conversions import (
    ActionConversion,
    Catalog,
    ConfigError,
    DestinationConversion,
    EngagementConversion,
    load_catalog,
)
from microfunnel.pii import KEY_ENV, hash_email
from microfunnel.property_filters import Condition, parse_path
from microfunnel.settings import load_settings


def blocklist_rows(catalog: Catalog, pii_hash_key: str | None, path: str = "conversions.yml") -> list[dict]:
    """The identity blocklist in warehouse form: plain-text emails normalized and hashed here, so
    the file stays readable and the warehouse never holds an email."""
    rows: dict[tuple[str, str], dict] = {}
    for index, entry in enumerate(catalog.identity.blocklist):
        kind, value = entry.identifier_type, entry.value
        if kind == "email":
            if not pii_hash_key:
                raise ConfigError(
                    f"{path}: identity -> blocklist[{index}] {value!r}: email entries are hashed with "
                    f"{KEY_ENV}, which is not set; set it (env var or .dlt/secrets.toml) to the key the "
                    "Shopify source uses, or write the entry as email_hash"
                )
            kind, value = "email_hash", hash_email(value, pii_hash_key)
        rows.setdefault(
            (kind, value), {"identifier_type": kind, "identifier_value": value, "reason": entry.reason}
        )
    return list(rows.values())


def condition_row(condition: Condition) -> dict:
    """One `where` condition in warehouse form: equality values split by type (text vs number), so
    SQL compares each with the property's text or numeric form (microfunnel/property_filters.py)."""
    values = condition.value if condition.operator in ("in", "not_in") else (condition.value,)
    equality = condition.operator in ("eq", "not", "in", "not_in")
    return {
        "property_path": condition.path,
        "property_scope": condition.scope,
        "property_key": condition.key,
        "operator": condition.operator,
        "text_values_json": json.dumps([v for v in values if isinstance(v, str)] if equality else []),
        "number_values_json": json.dumps(
            [float(v) for v in values if isinstance(v, int | float)] if equality else []
        ),
        "pattern": condition.value if condition.operator in ("contains", "regex") else None,
        "number": float(condition.value) if condition.operator in ("gt", "gte", "lt", "lte") else None,
        "is_set": condition.value if condition.operator == "is_set" else None,
    }


def filter_rows(catalog: Catalog) -> list[dict]:
    """Every `where` condition of funnel steps, exclusions and action micro-conversions."""
    owners: list[tuple[dict, tuple[Condition, ...]]] = []
    empty = {"funnel_name": None, "owner_index": None, "conversion_name": None}
    for conversion in catalog.micro_conversions:
        if isinstance(conversion, ActionConversion):
            owner = {**empty, "filter_owner": "micro_conversion", "conversion_name": conversion.name}
            owners.append((owner, conversion.where))
    for funnel in catalog.funnels:
        for kind, entries in (("step", funnel.steps), ("exclusion", funnel.exclude)):
            for index, entry in enumerate(entries, start=1):
                owner = {**empty, "filter_owner": kind, "funnel_name": funnel.name, "owner_index": index}
                owners.append((owner, entry.where))
    return [
        {**owner, "condition_index": i, **condition_row(condition)}
        for owner, conditions in owners
        for i, condition in enumerate(conditions, start=1)
    ]


def catalog_rows(
    catalog: Catalog, pii_hash_key: str | None = None, path: str = "conversions.yml"
) -> dict[str, list[dict]]:
    """The catalog flattened into the rows of each config table."""
    micro = []
    for conversion in catalog.micro_conversions:
        row = {
            "conversion_name": conversion.name,
            "kind": conversion.kind,
            "event_name": None,
            "params_json": "{}",
            "page_path": None,
            "min_engaged_seconds": None,
            "min_page_views": None,
        }
        if isinstance(conversion, ActionConversion):
            row.update(
                event_name=conversion.event_name,
                params_json=json.dumps({k: str(v) for k, v in conversion.params.items()}, sort_keys=True),
            )
        elif isinstance(conversion, DestinationConversion):
            row.update(event_name="page_view", page_path=conversion.page_path)
        elif isinstance(conversion, EngagementConversion):
            row.update(
                min_engaged_seconds=conversion.min_engaged_seconds, min_page_views=conversion.min_page_views
            )
        micro.append(row)
    return {
        "micro_conversions": micro,
        "funnels": [
            {
                "funnel_name": f.name,
                "order_mode": f.order,
                "window_seconds": f.window_seconds,
                "step_count": len(f.steps),
                "breakdown_limit": f.breakdown_limit,
            }
            for f in catalog.funnels
        ],
        "funnel_steps": [
            {"funnel_name": f.name, "step_index": i, "step_name": step.event}
            for f in catalog.funnels
            for i, step in enumerate(f.steps, start=1)
        ],
        "funnel_exclusions": [
            {
                "funnel_name": f.name,
                "exclusion_index": i,
                "step_name": x.event,
                "from_step_index": f.exclusion_bounds(x)[0],
                "to_step_index": f.exclusion_bounds(x)[1],
            }
            for f in catalog.funnels
            for i, x in enumerate(f.exclude, start=1)
        ],
        "property_filters": filter_rows(catalog),
        "funnel_breakdowns": [
            {
                "funnel_name": f.name,
                "breakdown_index": i,
                "property_path": path,
                "property_scope": parse_path(path)[0],
                "property_key": parse_path(path)[1],
            }
            for f in catalog.funnels
            for i, path in enumerate(f.breakdown, start=1)
        ],
        "identity_max_links": [
            {"identifier_type": kind, "linked_type": linked, "max_links": cap}
            for (kind, linked), cap in catalog.identity.caps().items()
        ],
        "identity_blocklist": blocklist_rows(catalog, pii_hash_key, path),
        "reporting": [{"time_zone": catalog.reporting.time_zone, "currency": catalog.reporting.currency}],
        **audience_rows(catalog.audiences),
        "experiment_settings": catalog.experiments.settings_rows(),
        "experiment_splits": catalog.experiments.split_rows(),
    }


@dlt.source(name="config", max_table_nesting=0)
def conversions_catalog(
    catalog_path: str | None = None, pii_hash_key: TSecretStrValue | None = None
) -> list[dlt.sources.DltResource]:
    """Validate the catalog at `catalog_path` (default: CONVERSIONS_CONFIG, via load_settings) and emit one
    table per part.

    `pii_hash_key` (PII_HASH_KEY) is only needed when the identity blocklist lists emails."""
    path = catalog_path or str(load_settings().conversions_config)
    rows = catalog_rows(load_catalog(path), pii_hash_key, str(path))

    def table(name: str) -> dlt.sources.DltResource:
        def emit() -> Iterator[pa.Table]:
            yield pa.Table.from_pylist(rows[name], schema=SCHEMAS[name])

        return dlt.resource(emit, name=name, write_disposition="replace")

    return [table(name) for name in SCHEMAS]
