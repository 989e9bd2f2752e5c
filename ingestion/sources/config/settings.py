"""Constants of the conversions-catalog source: the typed tables conversions.yml becomes."""

import pyarrow as pa

from ingestion.sources.spec import SourceSpec

SCHEMAS = {
    "micro_conversions": pa.schema(
        [
            ("conversion_name", pa.string()),
            ("kind", pa.string()),
            ("event_name", pa.string()),
            ("params_json", pa.string()),
            ("page_path", pa.string()),
            ("min_engaged_seconds", pa.int64()),
            ("min_page_views", pa.int64()),
        ]
    ),
    "funnels": pa.schema(
        [
            ("funnel_name", pa.string()),
            ("order_mode", pa.string()),
            ("window_seconds", pa.int64()),
            ("step_count", pa.int64()),
        ]
    ),
    "funnel_steps": pa.schema(
        [("funnel_name", pa.string()), ("step_index", pa.int64()), ("step_name", pa.string())]
    ),
    "funnel_exclusions": pa.schema([("funnel_name", pa.string()), ("step_name", pa.string())]),
    "identity_max_links": pa.schema(
        [
            ("identifier_type", pa.string()),
            ("linked_type", pa.string()),
            ("max_links", pa.int64()),
        ]
    ),
    "identity_blocklist": pa.schema(
        [
            ("identifier_type", pa.string()),
            ("identifier_value", pa.string()),
            ("reason", pa.string()),
        ]
    ),
}

SPEC = SourceSpec(
    name="config",
    function="ingestion.sources.config:conversions_catalog",
    tables={name: {} for name in SCHEMAS},  # typed by SCHEMAS (Arrow)
    credentials=("path",),  # set by the runner from CONVERSIONS_CONFIG
    summary="conversions.yml: the micro-conversion catalog, funnels and identity rules",
    selectable=False,
)
