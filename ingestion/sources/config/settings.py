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
            ("breakdown_limit", pa.int64()),
        ]
    ),
    "funnel_steps": pa.schema(
        [("funnel_name", pa.string()), ("step_index", pa.int64()), ("step_name", pa.string())]
    ),
    "funnel_exclusions": pa.schema(
        [
            ("funnel_name", pa.string()),
            ("exclusion_index", pa.int64()),
            ("step_name", pa.string()),
            ("from_step_index", pa.int64()),
            ("to_step_index", pa.int64()),
        ]
    ),
    "property_filters": pa.schema(
        [
            ("filter_owner", pa.string()),
            ("funnel_name", pa.string()),
            ("owner_index", pa.int64()),
            ("conversion_name", pa.string()),
            ("condition_index", pa.int64()),
            ("property_path", pa.string()),
            ("property_scope", pa.string()),
            ("property_key", pa.string()),
            ("operator", pa.string()),
            ("text_values_json", pa.string()),
            ("number_values_json", pa.string()),
            ("pattern", pa.string()),
            ("number", pa.float64()),
            ("is_set", pa.bool_()),
        ]
    ),
    "funnel_breakdowns": pa.schema(
        [
            ("funnel_name", pa.string()),
            ("breakdown_index", pa.int64()),
            ("property_path", pa.string()),
            ("property_scope", pa.string()),
            ("property_key", pa.string()),
        ]
    ),
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
    "reporting": pa.schema([("time_zone", pa.string()), ("currency", pa.string())]),
    # conversions.yml `audiences:` (microfunnel/audiences.py config_rows); within_seconds null: ever
    "audiences": pa.schema(
        [("audience_name", pa.string()), ("description", pa.string()), ("lookback_seconds", pa.int64())]
    ),
    "audience_rules": pa.schema(
        [
            ("audience_name", pa.string()),
            ("rule_type", pa.string()),
            ("rule_index", pa.int64()),
            ("conversion_name", pa.string()),
            ("at_least", pa.int64()),
            ("within_seconds", pa.int64()),
        ]
    ),
    # conversions.yml `experiments:` (microfunnel/experiments.py): one settings row; the intended splits
    "experiment_settings": pa.schema(
        [
            ("id_param", pa.string()),
            ("variant_param", pa.string()),
            ("window_seconds", pa.int64()),
            ("control_variant", pa.string()),
        ]
    ),
    "experiment_splits": pa.schema(
        [("experiment_id", pa.string()), ("variant", pa.string()), ("weight", pa.float64())]
    ),
}

SPEC = SourceSpec(
    name="config",
    function="ingestion.sources.config:conversions_catalog",
    tables={name: {} for name in SCHEMAS},  # typed by SCHEMAS (Arrow)
    summary="conversions.yml: the micro-conversion catalog, funnels and identity rules",
    selectable=False,
)
