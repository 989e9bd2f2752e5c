"""The GA4 BigQuery export schema (`events_YYYYMMDD`), a public wire format, as typed Arrow.

It lives on the ground floor because two layers speak it and neither may import the other:
the GA4 source (parsing exports into typed columns) and the sandbox (writing Parquet exports).
Field names and nesting follow Google's export schema; INT64 columns arrive as quoted strings
in BigQuery's JSON export (JSON_WIRE_SCHEMA) and are typed by casting to GA4_EXPORT_SCHEMA.
"""

from __future__ import annotations

import pyarrow as pa

PARAM_VALUE = pa.struct(
    [
        ("string_value", pa.string()),
        ("int_value", pa.int64()),
        ("float_value", pa.float64()),
        ("double_value", pa.float64()),
    ]
)
KEY_VALUE = pa.list_(pa.struct([("key", pa.string()), ("value", PARAM_VALUE)]))
USER_PROPERTY_VALUE = pa.struct(
    [
        ("string_value", pa.string()),
        ("int_value", pa.int64()),
        ("float_value", pa.float64()),
        ("double_value", pa.float64()),
        ("set_timestamp_micros", pa.int64()),
    ]
)

GA4_EXPORT_SCHEMA = pa.schema(
    [
        ("event_date", pa.string()),
        ("event_timestamp", pa.int64()),
        ("event_name", pa.string()),
        ("event_params", KEY_VALUE),
        ("event_previous_timestamp", pa.int64()),
        ("event_value_in_usd", pa.float64()),
        ("event_bundle_sequence_id", pa.int64()),
        ("event_server_timestamp_offset", pa.int64()),
        ("user_id", pa.string()),
        ("user_pseudo_id", pa.string()),
        (
            "privacy_info",
            pa.struct(
                [
                    ("analytics_storage", pa.string()),
                    ("ads_storage", pa.string()),
                    ("uses_transient_token", pa.string()),
                ]
            ),
        ),
        ("user_properties", pa.list_(pa.struct([("key", pa.string()), ("value", USER_PROPERTY_VALUE)]))),
        ("user_first_touch_timestamp", pa.int64()),
        (
            "device",
            pa.struct(
                [
                    ("category", pa.string()),
                    ("mobile_brand_name", pa.string()),
                    ("mobile_model_name", pa.string()),
                    ("operating_system", pa.string()),
                    ("operating_system_version", pa.string()),
                    ("language", pa.string()),
                    ("is_limited_ad_tracking", pa.string()),
                    (
                        "web_info",
                        pa.struct(
                            [
                                ("browser", pa.string()),
                                ("browser_version", pa.string()),
                                ("hostname", pa.string()),
                            ]
                        ),
                    ),
                ]
            ),
        ),
        (
            "geo",
            pa.struct(
                [
                    ("city", pa.string()),
                    ("country", pa.string()),
                    ("continent", pa.string()),
                    ("region", pa.string()),
                    ("sub_continent", pa.string()),
                    ("metro", pa.string()),
                ]
            ),
        ),
        (
            "traffic_source",
            pa.struct([("name", pa.string()), ("medium", pa.string()), ("source", pa.string())]),
        ),
        ("stream_id", pa.string()),
        ("platform", pa.string()),
        (
            "ecommerce",
            pa.struct(
                [
                    ("total_item_quantity", pa.int64()),
                    ("purchase_revenue_in_usd", pa.float64()),
                    ("purchase_revenue", pa.float64()),
                    ("refund_value_in_usd", pa.float64()),
                    ("refund_value", pa.float64()),
                    ("shipping_value_in_usd", pa.float64()),
                    ("shipping_value", pa.float64()),
                    ("tax_value_in_usd", pa.float64()),
                    ("tax_value", pa.float64()),
                    ("unique_items", pa.int64()),
                    ("transaction_id", pa.string()),
                ]
            ),
        ),
        (
            "items",
            pa.list_(
                pa.struct(
                    [
                        ("item_id", pa.string()),
                        ("item_name", pa.string()),
                        ("item_brand", pa.string()),
                        ("item_variant", pa.string()),
                        ("item_category", pa.string()),
                        ("price", pa.float64()),
                        ("quantity", pa.int64()),
                        ("item_revenue", pa.float64()),
                    ]
                )
            ),
        ),
        (
            "collected_traffic_source",
            pa.struct(
                [
                    ("manual_campaign_id", pa.string()),
                    ("manual_campaign_name", pa.string()),
                    ("manual_source", pa.string()),
                    ("manual_medium", pa.string()),
                    ("manual_term", pa.string()),
                    ("manual_content", pa.string()),
                    ("gclid", pa.string()),
                    ("dclid", pa.string()),
                    ("srsltid", pa.string()),
                ]
            ),
        ),
        ("is_active_user", pa.bool_()),
        ("batch_event_index", pa.int64()),
        ("batch_page_id", pa.int64()),
        ("batch_ordering_id", pa.int64()),
    ]
)


def _as_json_wire_type(arrow_type: pa.DataType) -> pa.DataType:
    """BigQuery's JSON export quotes INT64 values: read them as strings, cast afterwards."""
    if pa.types.is_int64(arrow_type):
        return pa.string()
    if pa.types.is_struct(arrow_type):
        return pa.struct([pa.field(f.name, _as_json_wire_type(f.type)) for f in arrow_type])
    if pa.types.is_list(arrow_type):
        return pa.list_(_as_json_wire_type(arrow_type.value_type))
    return arrow_type


JSON_WIRE_SCHEMA = pa.schema([pa.field(f.name, _as_json_wire_type(f.type)) for f in GA4_EXPORT_SCHEMA])
