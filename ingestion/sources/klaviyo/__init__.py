"""Klaviyo email events (received, opened, clicked, subscribed), profiles, campaigns and flows.

`GET {base_url}/api/<resource>` with `Authorization: Klaviyo-API-Key <private key>` and the required
`revision` header; JSON:API answers paged by following `links.next` (an opaque `page[cursor]`).
Events are read per metric (`GET /api/metrics` finds each metric's id by name), filtered with
`and(equals(metric_id,"<id>"),greater-or-equal(datetime,<cursor - lookback>))`, sorted by
datetime, and merged on the event id, so re-reads add nothing. Each metric's cursor moves only
when all of its pages arrived. Profiles are read incrementally on `updated` and carry only the
keyed hash of their email. 429s wait for `Retry-After` (shared client, `ingestion/sources/http.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import dlt
from dlt.common.typing import TSecretStrValue

from ingestion.sources.arrow_rows import ROWS_PER_TABLE, batched, rows_for_dlt
from ingestion.sources.http import ApiClient, RetryPolicy, retry_policy
from ingestion.sources.klaviyo.helpers import (
    SOURCE,
    attribute_row,
    classify,
    event_row,
    events_filter,
    profile_row,
    resources,
)
from ingestion.sources.klaviyo.settings import (
    CAMPAIGN_COLUMNS,
    DEFAULT_BASE_URL,
    EVENT_COLUMNS,
    EVENTS_PAGE_SIZE,
    FLOW_COLUMNS,
    LOOKBACK_HOURS,
    METRICS,
    PROFILE_COLUMNS,
    PROFILES_PAGE_SIZE,
    REVISION,
    SPEC,
)
from ingestion.sources.records import SCHEMA_CONTRACT

log = logging.getLogger(__name__)


class KlaviyoApi:
    """Paged JSON:API GETs: the first page from parameters, the rest by following `links.next`."""

    def __init__(self, base_url: str, api_key: str, revision: str, policy: RetryPolicy):
        self.base_url = base_url.rstrip("/")
        self.headers = {
            "Authorization": f"Klaviyo-API-Key {api_key}",
            "revision": revision,
            "Accept": "application/vnd.api+json",
        }
        self.client = ApiClient(SOURCE, policy, classify, (api_key,))

    def pages(self, resource: str, params: dict[str, str] | None = None) -> Iterator[tuple[list[dict], dict]]:
        endpoint = f"GET /api/{resource}"
        url: str | None = f"{self.base_url}/api/{resource}"
        while url:
            payload = self.client.request_json("GET", url, endpoint, headers=self.headers, params=params)
            data, url = resources(payload, endpoint)
            params = None  # the next link carries every parameter
            yield data, payload

    def metric_ids(self) -> dict[str, str]:
        """{metric name: id}; Klaviyo's own (integration key 'klaviyo') win over same-named custom ones."""
        found: dict[str, tuple[bool, str]] = {}
        for data, _ in self.pages("metrics"):
            for metric in data:
                attributes = metric.get("attributes") or {}
                own = ((attributes.get("integration") or {}).get("key")) == "klaviyo"
                name = attributes.get("name")
                if name and (name not in found or (own and not found[name][0])):
                    found[name] = (own, metric["id"])
        return {name: metric_id for name, (_, metric_id) in found.items()}


@dlt.source(name="klaviyo", max_table_nesting=0, schema_contract=SCHEMA_CONTRACT)
def klaviyo(
    api_key: TSecretStrValue = dlt.secrets.value,
    pii_hash_key: TSecretStrValue = dlt.secrets.value,
    base_url: str = DEFAULT_BASE_URL,
    revision: str = REVISION,
    start_date: str | None = None,
    metrics: list[str] | None = None,
    lookback_hours: int = LOOKBACK_HOURS,
    page_size: int = EVENTS_PAGE_SIZE,
) -> list[dlt.sources.DltResource]:
    """The Klaviyo account of the private key SOURCES__KLAVIYO__API_KEY; see README.md."""
    policy = retry_policy(SOURCE)  # the shared RetryPolicy (ingestion/sources/http.py)
    api = KlaviyoApi(base_url, api_key, revision, policy)
    since = datetime.fromisoformat(start_date).replace(tzinfo=UTC) if start_date else None
    return [
        events(api, tuple(metrics or METRICS), since, timedelta(hours=lookback_hours), page_size),
        profiles(api, pii_hash_key),
        campaigns(api),
        flows(api),
    ]


@dlt.resource(name="events", write_disposition="merge", primary_key="id", columns=SPEC.columns("events"))
def events(
    api: KlaviyoApi, metrics: tuple[str, ...], start: datetime | None, lookback: timedelta, page_size: int
) -> Iterator:
    """One row per event of the email metrics; per metric, from its cursor minus the lookback."""
    yield dlt.mark.materialize_table_schema()  # the table exists, typed, even when nothing happened
    ids = api.metric_ids()
    cursors = dlt.current.resource_state().setdefault("datetime", {})
    for name in metrics:
        if name not in ids:
            log.warning("klaviyo: the account has no metric %r yet (no such event so far); skipped", name)
            continue
        cursor = cursors.get(name)
        since = datetime.fromisoformat(cursor) - lookback if cursor else start
        params = {
            "filter": events_filter(ids[name], since),
            "sort": "datetime",
            "page[size]": str(page_size),
        }
        newest = cursor
        pages = ([event_row(resource, name) for resource in data] for data, _ in api.pages("events", params))
        for rows in batched(pages, ROWS_PER_TABLE):
            newest = max([newest or ""] + [row["datetime"] for row in rows if "datetime" in row])
            yield rows_for_dlt(rows, "events", EVENT_COLUMNS)
        if newest:
            cursors[name] = newest


@dlt.resource(name="profiles", write_disposition="merge", primary_key="id", columns=SPEC.columns("profiles"))
def profiles(api: KlaviyoApi, pii_hash_key: str) -> Iterator:
    """One row per profile (id, email hash); later runs read the profiles updated since the last."""
    yield dlt.mark.materialize_table_schema()
    state = dlt.current.resource_state()
    newest = state.get("updated")
    params = {"page[size]": str(PROFILES_PAGE_SIZE), "sort": "updated"}
    if newest:
        params["filter"] = f"greater-or-equal(updated,{newest})"
    pages = (
        [profile_row(resource, pii_hash_key) for resource in data]
        for data, _ in api.pages("profiles", params)
    )
    for rows in batched(pages, ROWS_PER_TABLE):
        newest = max([newest or ""] + [row["updated"] for row in rows if "updated" in row])
        yield rows_for_dlt(rows, "profiles", PROFILE_COLUMNS)
    if newest:
        state["updated"] = newest


@dlt.resource(
    name="campaigns", write_disposition="merge", primary_key="id", columns=SPEC.columns("campaigns")
)
def campaigns(api: KlaviyoApi) -> Iterator:
    """One row per email campaign (a dimension: read whole each run)."""
    yield dlt.mark.materialize_table_schema()
    for data, _ in api.pages("campaigns", {"filter": "equals(messages.channel,'email')"}):
        if data:
            yield rows_for_dlt(
                [attribute_row(resource, CAMPAIGN_COLUMNS) for resource in data],
                "campaigns",
                CAMPAIGN_COLUMNS,
            )


@dlt.resource(name="flows", write_disposition="merge", primary_key="id", columns=SPEC.columns("flows"))
def flows(api: KlaviyoApi) -> Iterator:
    """One row per flow (a dimension: read whole each run)."""
    yield dlt.mark.materialize_table_schema()
    for data, _ in api.pages("flows"):
        if data:
            yield rows_for_dlt(
                [attribute_row(resource, FLOW_COLUMNS) for resource in data], "flows", FLOW_COLUMNS
            )


__all__ = ["klaviyo", "events", "profiles", "campaigns", "flows", "KlaviyoApi"]
