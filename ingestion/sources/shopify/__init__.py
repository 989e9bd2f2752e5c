"""Shopify orders (+ line items) and customers from the GraphQL Admin API, incremental on `updated_at`.

`POST {base_url}/admin/api/{api_version}/graphql.json` with `X-Shopify-Access-Token`, cursor
paging through `pageInfo`, the query filter `updated_at:>='<cursor>'` (quoted: unquoted
timestamps silently compare the date only), and the cost bucket respected: a THROTTLED answer
waits until the bucket holds the query's cost, and a page that leaves the bucket too low for
the next one waits before asking. Emails are hashed with PII_HASH_KEY before a row exists.

One request feeds two tables: `order_pages` (not loaded itself) fans out to the `orders` and
`order_lines` transformers, so every raw table is one resource and one Dagster asset. Pages are
joined into batches of ROWS_PER_TABLE nodes, and each batch reaches dlt as one Arrow table typed
exactly as dlt would type the dict rows (ingestion/sources/arrow_rows.py): the same rows, columns
and types, without dlt's value-by-value normalization of dicts.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
from dlt.common.typing import TSecretStrValue

from ingestion.sources.arrow_rows import ROWS_PER_TABLE, batched, rows_for_dlt
from ingestion.sources.http import ApiClient, RetryPolicy, retry_policy
from ingestion.sources.records import SCHEMA_CONTRACT, empty_table, rows_or_empty
from ingestion.sources.shopify.helpers import (
    SOURCE,
    bucket_wait,
    classify,
    connection,
    customer_row,
    line_rows,
    order_row,
    single,
)
from ingestion.sources.shopify.settings import (
    API_VERSION,
    CUSTOMER_COLUMNS,
    CUSTOMERS_PAGE_SIZE,
    CUSTOMERS_QUERY,
    ORDER_COLUMNS,
    ORDER_LINE_COLUMNS,
    ORDERS_QUERY,
    PAGE_SIZE,
    SHOP_COLUMNS,
    SHOP_QUERY,
)

CURSOR_LAG = timedelta(minutes=10)  # Shopify's search index trails writes by seconds: re-read a margin


class ShopifyApi:
    """Paged GraphQL queries that respect the cost bucket."""

    def __init__(self, base_url: str, api_version: str, access_token: str, policy: RetryPolicy):
        self.url = f"{base_url.rstrip('/')}/admin/api/{api_version}/graphql.json"
        self.headers = {"X-Shopify-Access-Token": access_token, "Content-Type": "application/json"}
        self.policy = policy
        self.client = ApiClient(SOURCE, policy, classify, (access_token,))

    def object(self, document: str, name: str) -> dict:
        """A query that returns one object (e.g. `shop`), not a connection."""
        endpoint = f"POST graphql.json {name}"
        payload = self.client.request_json(
            "POST", self.url, endpoint, headers=self.headers, json={"query": document}
        )
        return single(payload, name, endpoint)

    def pages(self, document: str, name: str, first: int, search: str | None) -> Iterator[list[dict]]:
        endpoint = f"POST graphql.json {name}"
        after: str | None = None
        while True:
            variables = {"first": first, "after": after, "query": search}
            payload = self.client.request_json(
                "POST",
                self.url,
                endpoint,
                headers=self.headers,
                json={"query": document, "variables": variables},
            )
            nodes, after = connection(payload, name, endpoint)
            yield nodes
            if not after:
                return
            wait = bucket_wait((payload.get("extensions") or {}).get("cost"))
            if wait:  # the next page would be THROTTLED: wait for the bucket instead of asking
                time.sleep(min(wait, self.policy.max_retry_wait))


def _search(cursor: str | None, start_date: str | None) -> str | None:
    if cursor:
        since = datetime.fromisoformat(cursor.replace("Z", "+00:00")) - CURSOR_LAG
        return f"updated_at:>='{since.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'"
    if start_date:
        return f"updated_at:>='{start_date}T00:00:00Z'"
    return None


@dlt.source(name="shopify", max_table_nesting=0, schema_contract=SCHEMA_CONTRACT)
def shopify(
    base_url: str = dlt.config.value,
    access_token: TSecretStrValue = dlt.secrets.value,
    pii_hash_key: TSecretStrValue = dlt.secrets.value,
    api_version: str = API_VERSION,
    start_date: str | None = None,
    page_size: int = PAGE_SIZE,
    customers_page_size: int = CUSTOMERS_PAGE_SIZE,
) -> list[dlt.sources.DltResource]:
    """The shop at `base_url` (SOURCES__SHOPIFY__BASE_URL, https://<shop>.myshopify.com); see README.md."""
    policy = retry_policy(SOURCE)  # the shared RetryPolicy (ingestion/sources/http.py)
    api = ShopifyApi(base_url, api_version, access_token, policy)
    pages = order_pages(api, start_date, page_size)
    return [
        shop(api),
        pages | orders(pii_hash_key),
        pages | order_lines(),
        customers(api, pii_hash_key, customers_page_size),
    ]


@dlt.resource(name="shop", write_disposition="replace", columns=SHOP_COLUMNS)
def shop(api: ShopifyApi) -> Iterator[list[dict]]:
    """The shop itself: its IANA time zone and currency, the default reporting clock and currency."""
    node = api.object(SHOP_QUERY, "shop")
    yield [
        {
            "id": node.get("id"),
            "name": node.get("name"),
            "iana_timezone": node.get("ianaTimezone"),
            "currency_code": node.get("currencyCode"),
        }
    ]


@dlt.resource(name="order_pages", selected=False)
def order_pages(api: ShopifyApi, start_date: str | None, page_size: int) -> Iterator[list[dict]]:
    """Pages of order nodes updated since the cursor; the cursor moves only when every page arrived."""
    state = dlt.current.resource_state()
    newest = state.get("updated_at")
    found = False
    pages = api.pages(ORDERS_QUERY, "orders", page_size, _search(newest, start_date))
    for nodes in batched(pages, ROWS_PER_TABLE):
        if nodes:
            found = True
            newest = max([newest or ""] + [node["updatedAt"] for node in nodes])
            yield nodes
    if newest:
        state["updated_at"] = newest
    if not found:
        yield []  # the transformers still run once, and declare their tables


@dlt.transformer(name="orders", write_disposition="merge", primary_key="id", columns=ORDER_COLUMNS)
def orders(nodes: list[dict], pii_hash_key: str) -> Iterator[Any]:
    """One row per order (line items go to order_lines; emails are hashed)."""
    if not nodes:
        yield empty_table(ORDER_COLUMNS)
        return
    yield rows_for_dlt([order_row(node, pii_hash_key) for node in nodes], "orders", ORDER_COLUMNS)


@dlt.transformer(
    name="order_lines",
    write_disposition="merge",
    primary_key="id",
    columns=ORDER_LINE_COLUMNS,
)
def order_lines(nodes: list[dict]) -> Iterator[Any]:
    """One row per order line, keyed by the line's GID and carrying its order's ids."""
    lines = [line for node in nodes for line in line_rows(node, "POST graphql.json orders")]
    yield rows_for_dlt(lines, "order_lines", ORDER_LINE_COLUMNS) if lines else empty_table(ORDER_LINE_COLUMNS)


@dlt.resource(name="customers", write_disposition="merge", primary_key="id", columns=CUSTOMER_COLUMNS)
def customers(api: ShopifyApi, pii_hash_key: str, page_size: int) -> Iterator[Any]:
    """One row per customer. A dimension: the first run reads every customer, later runs what changed."""
    state = dlt.current.resource_state()

    def pages() -> Iterator[list[dict]]:
        newest = state.get("updated_at")
        pages = api.pages(CUSTOMERS_QUERY, "customers", page_size, _search(newest, None))
        for nodes in batched(pages, ROWS_PER_TABLE):
            if nodes:
                newest = max([newest or ""] + [node["updatedAt"] for node in nodes])
                rows = [customer_row(node, pii_hash_key) for node in nodes]
                yield rows_for_dlt(rows, "customers", CUSTOMER_COLUMNS)
        if newest:
            state["updated_at"] = newest

    yield from rows_or_empty(pages(), CUSTOMER_COLUMNS)


__all__ = ["shopify", "shop", "orders", "order_lines", "customers", "order_pages", "ShopifyApi"]
