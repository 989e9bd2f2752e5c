"""Constants of the Klaviyo source: the API revision, the metrics read, page sizes, column types, SPEC."""

from ingestion.sources.spec import SourceSpec

DEFAULT_BASE_URL = "https://a.klaviyo.com"
REVISION = "2026-10-15"  # Klaviyo's dated API revision, sent as the required `revision` header
# The email metrics whose events are loaded (Klaviyo's built-in metric names; ids differ per account).
METRICS = ("Received Email", "Opened Email", "Clicked Email", "Subscribed to List")
EVENTS_PAGE_SIZE = 1000  # Get Events: 200 by default, up to 1000 with page[size] (revision 2026-01-15 on)
PROFILES_PAGE_SIZE = 100  # Get Profiles: at most 100
LOOKBACK_HOURS = 24  # each run re-reads events this far behind the newest loaded (late-arriving events)
# Event properties that are kept as columns (the whole property object stays as JSON, minus emails).
EVENT_PROPERTY_COLUMNS = {
    "$message": "message_id",  # a campaign's id, or a flow message's id
    "$flow": "flow_id",
    "Campaign Name": "message_name",  # for a flow: the flow message's name
    "Subject": "subject",
    "URL": "url",
    "List": "list_name",
}


def _typed(columns: dict[str, str | dict]) -> dict[str, dict]:
    return {
        name: dict(hint) if isinstance(hint, dict) else {"data_type": hint} for name, hint in columns.items()
    }


_KEY = {"data_type": "text", "nullable": False}
EVENT_COLUMNS = _typed(
    {
        "id": _KEY,
        "metric_id": "text",
        "metric_name": "text",
        "profile_id": "text",
        "datetime": {"data_type": "timestamp", "dedup_sort": "desc"},
        "timestamp": "bigint",
        "uuid": "text",
        "message_id": "text",
        "flow_id": "text",
        "message_name": "text",
        "subject": "text",
        "url": "text",
        "list_name": "text",
        "event_properties": "json",
    }
)
PROFILE_COLUMNS = _typed(
    {
        "id": _KEY,
        "email_hash": "text",
        "external_id": "text",
        "properties": "json",  # custom properties (e.g. the sign-up form's ga_client_id), emails removed
        "created": "timestamp",
        "updated": {"data_type": "timestamp", "dedup_sort": "desc"},
    }
)
CAMPAIGN_COLUMNS = _typed(
    {
        "id": _KEY,
        "name": "text",
        "status": "text",
        "archived": "bool",
        "send_time": "timestamp",
        "created_at": "timestamp",
        "scheduled_at": "timestamp",
        "updated_at": "timestamp",
    }
)
FLOW_COLUMNS = _typed(
    {
        "id": _KEY,
        "name": "text",
        "status": "text",
        "archived": "bool",
        "trigger_type": "text",
        "created": "timestamp",
        "updated": "timestamp",
    }
)

SPEC = SourceSpec(
    name="klaviyo",
    function="ingestion.sources.klaviyo:klaviyo",
    tables={
        "events": EVENT_COLUMNS,
        "profiles": PROFILE_COLUMNS,
        "campaigns": CAMPAIGN_COLUMNS,
        "flows": FLOW_COLUMNS,
    },
    credentials=("api_key", "pii_hash_key"),
    feeds=("identity_edges", "identity_nodes", "person_events", "conversion_events"),
    summary="Klaviyo email events (received, opened, clicked, subscribed), profiles, campaigns, flows",
    # a profile id is Klaviyo's own: `microfunnel forget` finds it on the person's profiles (by email)
    identifiers={
        "profiles": {"email_hash": "email_hash", "id": "klaviyo_profile_id"},
        "events": {"profile_id": "klaviyo_profile_id"},
    },
)
