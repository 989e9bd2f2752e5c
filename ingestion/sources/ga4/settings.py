"""Constants of the GA4 source."""

from ingestion.sources.spec import SourceSpec

DEFAULT_FILE_GLOB = "**/events_*"
EXPORT_DAY = "_export_day"  # the day an export file holds: a re-exported day replaces it whole
EXTRACTED_AT = "_extracted_at"  # when the run read the file: the newest read of a day wins
EVENT_KEY_COLUMNS = (
    "stream_id",
    "user_pseudo_id",
    "event_timestamp",
    "event_name",
    "event_bundle_sequence_id",
    "batch_page_id",
    "batch_ordering_id",
    "batch_event_index",
)

SPEC = SourceSpec(
    name="ga4",
    function="ingestion.sources.ga4:ga4",
    tables={"events": {}},  # typed by the export schema (microfunnel.ga4_export_schema), read as Arrow
    credentials=("bucket_url",),
    feeds=("identity_edges", "person_events"),
    summary="GA4 BigQuery export files (NDJSON/Parquet) from a folder or bucket URL",
    required=True,
    identifiers={"events": {"user_pseudo_id": "anonymous_id", "user_id": "customer_id"}},
    replaces_partitions={"events": (EXPORT_DAY, EXTRACTED_AT)},
    native_nested={"events": "ingestion.sources.ga4:events_schema"},
)
