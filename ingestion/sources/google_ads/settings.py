"""Constants of the Google Ads source: API version, GAQL queries, column types, windows."""

from ingestion.sources.spec import SourceSpec

API_VERSION = "v26"  # one major version per quarter; each lives about a year
DEFAULT_BASE_URL = "https://googleads.googleapis.com"
DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"
LOOKBACK_DAYS = 30  # conversions land on the click day for up to the conversion window (30 days default)
CLICK_VIEW_LOOKBACK_DAYS = 1  # a day's clicks are final once it is over; re-read the last loaded day
CLICK_VIEW_MAX_DAYS_BACK = 90  # click_view only answers for the last 90 days
DEFAULT_HISTORY_DAYS = 90  # first run without start_date

CAMPAIGNS_QUERY = """
SELECT campaign.id, campaign.name, campaign.status, campaign.advertising_channel_type,
       customer.id, customer.currency_code, customer.time_zone
FROM campaign
WHERE campaign.status != 'REMOVED'
"""
CAMPAIGN_STATS_QUERY = """
SELECT campaign.id, segments.date, customer.currency_code,
       metrics.impressions, metrics.clicks, metrics.cost_micros,
       metrics.conversions, metrics.conversions_value
FROM campaign
WHERE segments.date BETWEEN '{since}' AND '{until}'
"""
CLICK_VIEW_QUERY = """
SELECT click_view.gclid, click_view.ad_group_ad, click_view.page_number,
       campaign.id, ad_group.id, segments.date, segments.device, segments.ad_network_type, metrics.clicks
FROM click_view
WHERE segments.date = '{day}'
"""

# int64 values arrive as JSON strings: declare their types so they land as numbers, and so the
# source's data_type contract catches a value that no longer fits. Ids stay text: they are labels.
CAMPAIGN_COLUMNS = {
    "campaign__id": {"data_type": "text", "nullable": False},
    "campaign__resource_name": {"data_type": "text"},
    "campaign__name": {"data_type": "text"},
    "campaign__status": {"data_type": "text"},
    "campaign__advertising_channel_type": {"data_type": "text"},
    "customer__id": {"data_type": "text"},
    "customer__currency_code": {"data_type": "text"},
    "customer__time_zone": {"data_type": "text"},
}
CAMPAIGN_STATS_COLUMNS = {
    "campaign__id": {"data_type": "text", "nullable": False},
    "campaign__resource_name": {"data_type": "text"},
    "segments__date": {"data_type": "date", "nullable": False},
    "metrics__impressions": {"data_type": "bigint"},
    "metrics__clicks": {"data_type": "bigint"},
    "metrics__cost_micros": {"data_type": "bigint"},
    "metrics__conversions": {"data_type": "double"},
    "metrics__conversions_value": {"data_type": "double"},
    "customer__currency_code": {"data_type": "text"},
}
CLICK_VIEW_COLUMNS = {
    "click_view__gclid": {"data_type": "text", "nullable": False},
    "campaign__id": {"data_type": "text"},
    "ad_group__id": {"data_type": "text"},
    "segments__date": {"data_type": "date"},
    "segments__device": {"data_type": "text"},
    "segments__ad_network_type": {"data_type": "text"},
    "click_view__page_number": {"data_type": "bigint"},
    "metrics__clicks": {"data_type": "bigint"},
}

SPEC = SourceSpec(
    name="google_ads",
    function="ingestion.sources.google_ads:google_ads",
    tables={
        "campaigns": CAMPAIGN_COLUMNS,
        "campaign_stats": CAMPAIGN_STATS_COLUMNS,
        "click_view": CLICK_VIEW_COLUMNS,
    },
    credentials=("customer_id", "client_id", "client_secret", "refresh_token"),
    feeds=("ad_campaign_days",),
    summary="Google Ads REST searchStream: campaigns, daily campaign stats, click_view (gclid)",
    identifiers={"click_view": {"click_view__gclid": "gclid"}},
)
