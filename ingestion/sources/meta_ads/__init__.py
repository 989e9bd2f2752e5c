"""Meta Ads (Marketing API): daily campaign insights with `actions`, and the campaigns themselves.

`GET {base_url}/{api_version}/act_{account_id}/insights?level=campaign&time_increment=1&time_range=...`
paged by `paging.cursors.after` (while `paging.next` is present). The access token travels as
the documented `access_token` parameter; it is registered as a secret so no message or log
line carries it. Every run re-reads the last `lookback_days` days (default 7), because Meta
keeps attributing conversions to the click day; rows merge on (campaign_id, date_start).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import dlt
from dlt.common.typing import TSecretStrValue

from ingestion.sources.http import ApiClient, MalformedResponseError, RetryPolicy, retry_policy
from ingestion.sources.meta_ads.helpers import SOURCE, classify, page_rows
from ingestion.sources.meta_ads.settings import (
    ACCOUNT_COLUMNS,
    ACCOUNT_FIELDS,
    API_VERSION,
    CAMPAIGN_COLUMNS,
    CAMPAIGN_FIELDS,
    CAMPAIGN_STATUSES,
    DEFAULT_BASE_URL,
    DEFAULT_HISTORY_DAYS,
    INSIGHTS_COLUMNS,
    INSIGHTS_FIELDS,
    LOOKBACK_DAYS,
    PAGE_SIZE,
    WINDOW_DAYS,
)
from ingestion.sources.records import SCHEMA_CONTRACT, chunks, date_window, flatten, rows_or_empty


class MetaAdsApi:
    """Paged GETs on one ad account's edges."""

    def __init__(
        self,
        base_url: str,
        api_version: str,
        account_id: str,
        access_token: str,
        page_size: int,
        policy: RetryPolicy,
    ):
        self.url = f"{base_url.rstrip('/')}/{api_version}/act_{account_id.removeprefix('act_')}"
        self.token = access_token
        self.page_size = page_size
        self.client = ApiClient(SOURCE, policy, classify, (access_token,))

    def node(self, fields: tuple[str, ...]) -> dict:
        """The ad account node itself (GET act_<id>?fields=...): one object, no paging."""
        query = {"fields": ",".join(fields), "access_token": self.token}
        payload = self.client.request_json("GET", self.url, "GET act_<id>", params=query)
        if not isinstance(payload, dict) or "account_id" not in payload:
            raise MalformedResponseError(SOURCE, "GET act_<id>", 200, "expected the ad account's fields")
        return payload

    def pages(self, edge: str, params: dict[str, str]) -> Iterator[list[dict]]:
        after: str | None = None
        while True:
            query = params | {"limit": str(self.page_size), "access_token": self.token}
            if after:
                query["after"] = after
            payload = self.client.request_json(
                "GET", f"{self.url}/{edge}", f"GET act_<id>/{edge}", params=query
            )
            rows, after = page_rows(payload, f"GET act_<id>/{edge}")
            if rows:
                yield [flatten(row) for row in rows]
            if not after:
                return


@dlt.source(name="meta_ads", max_table_nesting=0, schema_contract=SCHEMA_CONTRACT)
def meta_ads(
    account_id: str = dlt.config.value,
    access_token: TSecretStrValue = dlt.secrets.value,
    base_url: str = DEFAULT_BASE_URL,
    api_version: str = API_VERSION,
    start_date: str | None = None,
    end_date: str | None = None,
    lookback_days: int = LOOKBACK_DAYS,
    page_size: int = PAGE_SIZE,
) -> list[dlt.sources.DltResource]:
    """The ad account `account_id` (SOURCES__META_ADS__ACCOUNT_ID, without `act_`); see README.md."""
    policy = retry_policy(SOURCE)  # the shared RetryPolicy (ingestion/sources/http.py)
    api = MetaAdsApi(base_url, api_version, account_id, access_token, page_size, policy)
    return [ad_account(api), campaigns(api), campaign_insights(api, start_date, end_date, lookback_days)]


@dlt.resource(name="ad_account", write_disposition="replace", columns=ACCOUNT_COLUMNS)
def ad_account(api: MetaAdsApi) -> Iterator[dict]:
    """The account's currency and time zone: insights days are the account zone's days."""
    node = api.node(ACCOUNT_FIELDS)
    yield {field: node.get(field) for field in ACCOUNT_FIELDS}


@dlt.resource(name="campaigns", write_disposition="merge", primary_key="id", columns=CAMPAIGN_COLUMNS)
def campaigns(api: MetaAdsApi) -> Iterator[list[dict]]:
    """One row per campaign, archived and deleted ones included (their past spend still counts)."""
    pages = api.pages(
        "campaigns",
        {"fields": ",".join(CAMPAIGN_FIELDS), "effective_status": json.dumps(list(CAMPAIGN_STATUSES))},
    )
    yield from rows_or_empty(pages, CAMPAIGN_COLUMNS)


@dlt.resource(
    name="campaign_insights",
    write_disposition="merge",
    primary_key=("campaign_id", "date_start"),
    columns=INSIGHTS_COLUMNS,
)
def campaign_insights(
    api: MetaAdsApi, start_date: str | None, end_date: str | None, lookback_days: int
) -> Iterator[list[dict]]:
    """One row per campaign and day, re-reading the last `lookback_days` days (late attribution)."""
    state = dlt.current.resource_state()
    since, until = date_window(
        state.get("last_date"), start_date, end_date, lookback_days, DEFAULT_HISTORY_DAYS
    )

    def windows() -> Iterator[list[dict]]:
        newest = state.get("last_date", "")
        for first, last in chunks(since, until, WINDOW_DAYS):
            params = {
                "level": "campaign",
                "time_increment": "1",
                "fields": ",".join(INSIGHTS_FIELDS),
                "time_range": json.dumps({"since": first.isoformat(), "until": last.isoformat()}),
            }
            for rows in api.pages("insights", params):
                newest = max([newest] + [row["date_start"] for row in rows])
                yield rows
        if newest:
            state["last_date"] = newest

    yield from rows_or_empty(windows(), INSIGHTS_COLUMNS)


__all__ = ["meta_ads", "ad_account", "campaigns", "campaign_insights", "MetaAdsApi"]
