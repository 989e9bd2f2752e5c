"""Google Ads over REST `googleAds:searchStream` with GAQL: campaigns, daily campaign stats, click_view.

Auth is an OAuth2 refresh-token exchange at `token_url`, then `Authorization: Bearer`; the
`developer-token` header is sent only when configured (Google ignores it since 2026-09) and
`login-customer-id` only when going through a manager account. Stats re-read the last
`lookback_days` days on every run, because conversions land on the click day for as long as
the conversion window is open; click_view is queried one day at a time, as the API requires,
for at most the last 90 days. Rows merge on their natural keys, so re-runs converge.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import dlt
from dlt.common.typing import TSecretStrValue

from ingestion.sources.arrow_rows import tables_or_empty
from ingestion.sources.google_ads.helpers import SOURCE, classify, classify_token, stream_rows
from ingestion.sources.google_ads.settings import (
    API_VERSION,
    CAMPAIGN_COLUMNS,
    CAMPAIGN_STATS_COLUMNS,
    CAMPAIGN_STATS_QUERY,
    CAMPAIGNS_QUERY,
    CLICK_VIEW_COLUMNS,
    CLICK_VIEW_LOOKBACK_DAYS,
    CLICK_VIEW_MAX_DAYS_BACK,
    CLICK_VIEW_QUERY,
    DEFAULT_BASE_URL,
    DEFAULT_HISTORY_DAYS,
    DEFAULT_TOKEN_URL,
    LOOKBACK_DAYS,
)
from ingestion.sources.http import ApiClient, RetryPolicy, register_secret, retry_policy
from ingestion.sources.records import SCHEMA_CONTRACT, date_window, rows_or_empty


class GoogleAdsApi:
    """searchStream calls with a cached OAuth2 access token (refreshed a minute before it expires)."""

    def __init__(
        self,
        base_url: str,
        api_version: str,
        customer_id: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        developer_token: str | None,
        login_customer_id: str | None,
        policy: RetryPolicy,
    ):
        self.url = f"{base_url.rstrip('/')}/{api_version}/customers/{customer_id.replace('-', '')}"
        self.token_url = token_url
        self.form = {
            "grant_type": "refresh_token",
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": refresh_token,
        }
        self.headers = {"Content-Type": "application/json"}
        if developer_token:
            self.headers["developer-token"] = developer_token
        if login_customer_id:
            self.headers["login-customer-id"] = login_customer_id.replace("-", "")
        secrets = (client_secret, refresh_token, developer_token)
        self.client = ApiClient(SOURCE, policy, classify, secrets)
        self.token_client = ApiClient(SOURCE, policy, classify_token, secrets)
        self._token: str | None = None
        self._expires_at = 0.0

    def _bearer(self) -> str:
        if self._token is None or time.monotonic() > self._expires_at:
            body = self.token_client.request_json("POST", self.token_url, "oauth2 token", data=self.form)
            self._token = body["access_token"]
            self._expires_at = time.monotonic() + float(body.get("expires_in", 3600)) - 60
            register_secret(self._token)  # an access token is as secret as the refresh token
        return self._token

    def search(self, query: str, endpoint: str) -> Iterator[dict]:
        headers = self.headers | {"Authorization": f"Bearer {self._bearer()}"}
        payload = self.client.request_json(
            "POST",
            f"{self.url}/googleAds:searchStream",
            endpoint,
            json={"query": " ".join(query.split())},
            headers=headers,
        )
        yield from stream_rows(payload, endpoint)


@dlt.source(name="google_ads", max_table_nesting=0, schema_contract=SCHEMA_CONTRACT)
def google_ads(
    customer_id: str = dlt.config.value,
    client_id: str = dlt.secrets.value,
    client_secret: TSecretStrValue = dlt.secrets.value,
    refresh_token: TSecretStrValue = dlt.secrets.value,
    developer_token: TSecretStrValue | None = None,
    login_customer_id: str | None = None,
    base_url: str = DEFAULT_BASE_URL,
    token_url: str = DEFAULT_TOKEN_URL,
    api_version: str = API_VERSION,
    start_date: str | None = None,
    end_date: str | None = None,
    lookback_days: int = LOOKBACK_DAYS,
) -> list[dlt.sources.DltResource]:
    """The account `customer_id` (SOURCES__GOOGLE_ADS__CUSTOMER_ID, digits only); every key: README.md."""
    policy = retry_policy(SOURCE)  # the shared RetryPolicy (ingestion/sources/http.py)
    api = GoogleAdsApi(
        base_url,
        api_version,
        customer_id,
        token_url,
        client_id,
        client_secret,
        refresh_token,
        developer_token,
        login_customer_id,
        policy,
    )
    return [
        campaigns(api),
        campaign_stats(api, start_date, end_date, lookback_days),
        click_view(api, start_date, end_date),
    ]


@dlt.resource(
    name="campaigns", write_disposition="merge", primary_key="campaign__id", columns=CAMPAIGN_COLUMNS
)
def campaigns(api: GoogleAdsApi) -> Iterator[dict]:
    """One row per campaign (a small dimension: read whole on every run)."""
    yield from rows_or_empty(
        [list(api.search(CAMPAIGNS_QUERY, "searchStream FROM campaign"))], CAMPAIGN_COLUMNS
    )


@dlt.resource(
    name="campaign_stats",
    write_disposition="merge",
    primary_key=("campaign__id", "segments__date"),
    columns=CAMPAIGN_STATS_COLUMNS,
)
def campaign_stats(
    api: GoogleAdsApi, start_date: str | None, end_date: str | None, lookback_days: int
) -> Iterator[list[dict]]:
    """One row per campaign and day, re-reading the last `lookback_days` days (late conversions)."""
    state = dlt.current.resource_state()
    since, until = date_window(
        state.get("last_date"), start_date, end_date, lookback_days, DEFAULT_HISTORY_DAYS
    )
    rows = []
    if since <= until:
        query = CAMPAIGN_STATS_QUERY.format(since=since.isoformat(), until=until.isoformat())
        rows = list(api.search(query, "searchStream FROM campaign (stats)"))
    yield from rows_or_empty([rows], CAMPAIGN_STATS_COLUMNS)
    newest = max((row["segments__date"] for row in rows), default=None)
    if newest and newest > state.get("last_date", ""):
        state["last_date"] = newest


@dlt.resource(
    name="click_view", write_disposition="merge", primary_key="click_view__gclid", columns=CLICK_VIEW_COLUMNS
)
def click_view(api: GoogleAdsApi, start_date: str | None, end_date: str | None) -> Iterator[list[dict]]:
    """One row per click (gclid -> campaign, ad group, day); one query per day, the last 90 days at most."""
    state = dlt.current.resource_state()
    since, until = date_window(
        state.get("last_date"), start_date, end_date, CLICK_VIEW_LOOKBACK_DAYS, DEFAULT_HISTORY_DAYS
    )
    since = max(since, until - timedelta(days=CLICK_VIEW_MAX_DAYS_BACK - 1))

    def days() -> Iterator[list[dict]]:
        day = since
        while day <= until:
            rows = list(
                api.search(CLICK_VIEW_QUERY.format(day=day.isoformat()), "searchStream FROM click_view")
            )
            if rows:
                yield rows
                state["last_date"] = max(day.isoformat(), state.get("last_date", ""))
            day += timedelta(days=1)

    yield from tables_or_empty(days(), "click_view", CLICK_VIEW_COLUMNS)


__all__ = ["google_ads", "campaigns", "campaign_stats", "click_view", "GoogleAdsApi"]
