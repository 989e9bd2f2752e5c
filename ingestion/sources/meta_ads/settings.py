"""Constants of the Meta Ads source: Graph API version, insights fields, throttling codes, windows."""

from ingestion.sources.spec import SourceSpec

API_VERSION = "v26.0"
DEFAULT_BASE_URL = "https://graph.facebook.com"
LOOKBACK_DAYS = 7  # Meta revises attribution (7-day click) for the last days: re-read them every run
DEFAULT_HISTORY_DAYS = 90  # first run without start_date
WINDOW_DAYS = 30  # one insights request per 30 days keeps each async-free report small
PAGE_SIZE = 500
INSIGHTS_FIELDS = (
    "account_id",
    "account_currency",
    "campaign_id",
    "campaign_name",
    "spend",
    "impressions",
    "clicks",
    "actions",
    "action_values",
    "date_start",
    "date_stop",
)
ACCOUNT_FIELDS = ("account_id", "name", "currency", "timezone_name")
ACCOUNT_COLUMNS = {
    "account_id": {"data_type": "text", "nullable": False},
    "currency": {"data_type": "text"},
    "timezone_name": {"data_type": "text"},
}
CAMPAIGN_FIELDS = (
    "id",
    "name",
    "status",
    "effective_status",
    "objective",
    "created_time",
    "updated_time",
    "daily_budget",
)
# Without a filter the campaigns edge hides archived and deleted campaigns; their old spend still counts.
CAMPAIGN_STATUSES = ("ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES")

# Throttling arrives as HTTP 400 (sometimes 403) with these error codes, never as a plain 429.
THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
TRANSIENT_CODES = frozenset({1, 2})
TOKEN_CODES = frozenset({102, 104, 190})  # invalid, expired or missing access token
PERMISSION_CODES = frozenset({10, *range(200, 300)})

# Metrics are strings on the wire: declare their types (see the source's data_type contract).
INSIGHTS_COLUMNS = {
    "campaign_id": {"data_type": "text", "nullable": False},
    "campaign_name": {"data_type": "text"},
    "date_start": {"data_type": "date", "nullable": False},
    "date_stop": {"data_type": "date"},
    "spend": {"data_type": "decimal"},
    "impressions": {"data_type": "bigint"},
    "clicks": {"data_type": "bigint"},
    "actions": {"data_type": "json"},
    "action_values": {"data_type": "json"},
    "account_id": {"data_type": "text"},
    "account_currency": {"data_type": "text"},
}
CAMPAIGN_COLUMNS = {
    "id": {"data_type": "text", "nullable": False},
    "name": {"data_type": "text"},
    "status": {"data_type": "text"},
    "effective_status": {"data_type": "text"},
    "objective": {"data_type": "text"},
    "created_time": {"data_type": "timestamp"},
    "updated_time": {"data_type": "timestamp"},
    "daily_budget": {"data_type": "bigint"},
}

SPEC = SourceSpec(
    name="meta_ads",
    function="ingestion.sources.meta_ads:meta_ads",
    tables={
        "ad_account": ACCOUNT_COLUMNS,
        "campaigns": CAMPAIGN_COLUMNS,
        "campaign_insights": INSIGHTS_COLUMNS,
    },
    credentials=("account_id", "access_token"),
    feeds=("ad_campaign_days",),
    summary="Meta Marketing API: the ad account (currency, time zone), daily campaign insights, campaigns",
)
