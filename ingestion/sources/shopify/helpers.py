"""Pure pieces of the Shopify source: classifying GraphQL answers, pacing the cost bucket, raw rows.

Shopify's GraphQL Admin API answers most problems with HTTP 200 and an `errors` list: a
THROTTLED error means "wait until the bucket refills" ((requested - available) / restoreRate
seconds), ACCESS_DENIED a missing scope, MAX_COST_EXCEEDED a page too big. Emails are hashed
here, before a row exists: the raw address never reaches dlt, the warehouse or a log.
"""

from __future__ import annotations

from typing import Any

import requests

from ingestion.sources.http import MalformedResponseError, Verdict, http_verdict
from ingestion.sources.records import flatten
from microfunnel.pii import hash_email

SOURCE = "shopify"
KEY = "SOURCES__SHOPIFY__"


def bucket_wait(cost: dict | None, requested: float | None = None) -> float | None:
    """Seconds until the cost bucket holds `requested` points again (None: no need to wait)."""
    status = (cost or {}).get("throttleStatus") or {}
    need = requested if requested is not None else (cost or {}).get("requestedQueryCost")
    available, rate = status.get("currentlyAvailable"), status.get("restoreRate")
    if need is None or available is None or not rate or available >= need:
        return None
    return (float(need) - float(available)) / float(rate)


def classify(response: requests.Response, payload: Any) -> Verdict:
    if response.status_code == 401:
        return Verdict("auth", "invalid API key or access token", config_key=f"{KEY}ACCESS_TOKEN")
    if response.status_code == 404:
        return Verdict(
            "fail",
            "no such shop or API version",
        )
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if not errors or not isinstance(errors, list):
        return http_verdict(response, payload, auth_key=f"{KEY}ACCESS_TOKEN")
    codes = {(e.get("extensions") or {}).get("code") for e in errors if isinstance(e, dict)}
    detail = "; ".join(str(e.get("message", e)) for e in errors if isinstance(e, dict))[:300]
    if "THROTTLED" in codes:
        cost = (payload.get("extensions") or {}).get("cost")
        return Verdict("retry", "THROTTLED: " + detail, bucket_wait(cost) or None)
    if "ACCESS_DENIED" in codes:
        return Verdict(
            "auth",
            detail + " (grant the app read_orders, read_all_orders and read_customers)",
            config_key=f"{KEY}ACCESS_TOKEN",
        )
    if "MAX_COST_EXCEEDED" in codes:
        return Verdict("fail", detail + f" (lower {KEY}PAGE_SIZE)")
    if "INTERNAL_SERVER_ERROR" in codes:
        return Verdict("retry", detail)
    return Verdict("fail", detail)


def connection(payload: Any, name: str, endpoint: str) -> tuple[list[dict], str | None]:
    """(nodes, the cursor of the next page or None) of a `{data: {<name>: {pageInfo, edges}}}` answer."""
    try:
        conn = payload["data"][name]
        nodes = [edge["node"] for edge in conn["edges"]]
        info = conn["pageInfo"]
    except (KeyError, TypeError) as exc:
        raise MalformedResponseError(
            SOURCE, endpoint, 200, f"no data.{name}.edges/pageInfo ({exc!r})"
        ) from exc
    return nodes, info.get("endCursor") if info.get("hasNextPage") else None


def single(payload: Any, name: str, endpoint: str) -> dict:
    """The object of a `{data: {<name>: {...}}}` answer (a query that is not a connection)."""
    node = (payload.get("data") or {}).get(name) if isinstance(payload, dict) else None
    if not isinstance(node, dict):
        raise MalformedResponseError(SOURCE, endpoint, 200, f"no data.{name} object")
    return node


def order_row(node: dict, pii_key: str) -> dict:
    """One raw order: the node without its line items, emails replaced by their keyed hashes."""
    order = {k: v for k, v in node.items() if k not in ("lineItems", "email")}
    order["emailHash"] = hash_email(node.get("email"), pii_key)
    if isinstance(node.get("customer"), dict):
        customer = {k: v for k, v in node["customer"].items() if k != "defaultEmailAddress"}
        customer["emailHash"] = hash_email(
            (node["customer"].get("defaultEmailAddress") or {}).get("emailAddress"), pii_key
        )
        order["customer"] = customer
    return flatten(order)


def line_rows(node: dict, endpoint: str) -> list[dict]:
    """The order's line items, each carrying its order's ids; more lines than one page fails loudly."""
    items = node.get("lineItems") or {}
    if (items.get("pageInfo") or {}).get("hasNextPage"):
        raise MalformedResponseError(
            SOURCE,
            endpoint,
            200,
            f"order {node.get('name')} has more line items than one page holds",
            "Raise LINE_ITEMS_PER_ORDER in ingestion/sources/shopify/settings.py (and lower PAGE_SIZE)",
        )
    return [
        flatten(edge["node"])
        | {"order_id": node["id"], "order_legacy_resource_id": node.get("legacyResourceId")}
        for edge in items.get("edges", [])
    ]


def customer_row(node: dict, pii_key: str) -> dict:
    customer = {k: v for k, v in node.items() if k not in ("defaultEmailAddress", "email")}
    customer["emailHash"] = hash_email(
        (node.get("defaultEmailAddress") or {}).get("emailAddress") or node.get("email"), pii_key
    )
    return flatten(customer)
