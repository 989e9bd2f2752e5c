"""The GA4 BigQuery export schema (`events_YYYYMMDD`), as typed Arrow, for the columns we read.

One definition serves the loader (to parse JSON exports into typed columns) and the sandbox
(to write Parquet exports). Field names and nesting follow Google's export schema; INT64
columns arrive as quoted strings in BigQuery's JSON export and are typed here.
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
