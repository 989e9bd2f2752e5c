"""Constants of the GA4 source."""

DEFAULT_FILE_GLOB = "**/events_*"
LOOKBACK_DAYS = 3  # GA4 keeps revising a day's export table for up to 72 hours
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
