"""Shopify GraphQL Admin API: the `orders` and `customers` connections on `graphql.json`.

Wire format (see /work/notes/vendor_wire_formats.md §C): GIDs for ids, `legacyResourceId`
and counts as UnsignedInt64 strings, money as `MoneyBag{shopMoney{amount, currencyCode}}`
with Decimal strings, UTC timestamps with `Z`; `pageInfo {hasNextPage endCursor}` paging;
`extensions.cost` with a leaky bucket on every 200; THROTTLED and MAX_COST_EXCEEDED arrive
as HTTP 200 with `errors[]`; a bad token is a 401 whose `errors` is a string.

Simplification: the emulator does not evaluate GraphQL. It reads the connection's arguments
(first, after, query, sortKey) from the document and its variables and returns the full node
shape our connector's query selects, whatever the selection set says.
"""

from __future__ import annotations

import base64
import json
import re
from bisect import bisect_right
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

from sandbox import catalog
from sandbox.model import Customer, Order, Session
from sandbox.server.http import Request, Response, json_response
from sandbox.server.state import ServerState
from sandbox.simulate import World

ROUTES = [("POST", r"^/admin/api/(?P<version>\d{4}-\d{2}|unstable)/graphql\.json$", "graphql")]
RATE_LIMITS_DOCS = "https://shopify.dev/api/usage/rate-limits"
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
_SHOP = re.compile(r"\bshop\s*\{")
_CONNECTION = re.compile(r"\b(orders|customers)\s*\(([^)]*)\)")
_ARGUMENT = re.compile(r"(\w+)\s*:\s*(\$\w+|\"[^\"]*\"|\w+)")
_LINE_ITEMS = re.compile(r"lineItems\s*\(\s*first\s*:\s*(\d+)")
_FILTER = re.compile(r"(updated_at|created_at):(>=|<=|>|<)?(?:'([^']*)'|\"([^\"]*)\"|(\S+))")


def graphql_errors(message: str, code: str, cost_status: dict | None = None, **extensions) -> Response:
    body: dict = {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}
    if cost_status:
        body["extensions"] = {"cost": cost_status}
    return json_response(200, body)


def error_response(endpoint: str, status: int, kind: str, arg: float | None = None) -> Response:
    if kind == "throttle":  # the bucket holds `arg` seconds (default 0.2) too few points for the query
        requested, rate = 100, 100.0
        available = max(0.0, requested - rate * (arg if arg is not None else 0.2))
        return graphql_errors(
            "Throttled",
            "THROTTLED",
            _cost(requested, None, available, 1000.0, rate),
            documentation=RATE_LIMITS_DOCS,
        )
    if kind == "auth":
        return json_response(401, {"errors": INVALID_TOKEN})
    if status == 429:
        return json_response(
            429,
            {
                "errors": "Exceeded 2 calls per second for api client. Reduce request rates to "
                "resume uninterrupted service."
            },
        )
    return json_response(
        status, {"errors": "Internal Server Error" if status == 500 else "Service Unavailable"}
    )


def _cost(requested: int, actual: int | None, available: float, maximum: float, restore: float) -> dict:
    return {
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": {
            "maximumAvailable": maximum,
            "currentlyAvailable": int(available),
            "restoreRate": restore,
        },
    }


def handle(request: Request, state: ServerState) -> Response:
    if request.header("x-shopify-access-token") != state.credentials.shopify_access_token:
        return json_response(401, {"errors": INVALID_TOKEN})
    try:
        body = request.json()
        document, variables = body["query"], body.get("variables") or {}
    except (ValueError, KeyError, TypeError):
        return json_response(400, {"errors": {"query": "Required parameter missing or invalid"}})
    if _SHOP.search(document) and not _CONNECTION.search(document):
        return _shop_response(state)
    connection = _CONNECTION.search(document)
    if not connection:
        return json_response(
            200,
            {
                "errors": [
                    {
                        "message": "The sandbox serves only the orders and customers connections",
                        "extensions": {"code": "undefinedField"},
                    }
                ]
            },
        )
    name = connection[1]
    args = {key: _value(raw, variables) for key, raw in _ARGUMENT.findall(connection[2])}
    first = int(args.get("first") or 0)
    if not 0 < first <= state.limits.shopify_max_page_size:
        return json_response(
            200,
            {
                "errors": [
                    {
                        "message": f"The field '{name}' requires 'first' between 1 and "
                        f"{state.limits.shopify_max_page_size}",
                        "extensions": {"code": "BAD_REQUEST"},
                    }
                ]
            },
        )
    line_items = int(m[1]) if (m := _LINE_ITEMS.search(document)) else 0
    per_node = 3 + line_items if name == "orders" else 2
    requested = 2 + first * per_node
    limits = state.limits
    if requested > limits.shopify_max_query_cost:
        return graphql_errors(
            f"Query cost is {requested}, which exceeds the single query max cost limit "
            f"({limits.shopify_max_query_cost}).",
            "MAX_COST_EXCEEDED",
            cost=requested,
            maxCost=limits.shopify_max_query_cost,
            documentation=RATE_LIMITS_DOCS,
        )
    ok, available = state.shopify_spend(requested)
    if not ok:
        return graphql_errors(
            "Throttled",
            "THROTTLED",
            _cost(requested, None, available, limits.shopify_bucket_size, limits.shopify_restore_rate),
            documentation=RATE_LIMITS_DOCS,
        )
    sort_key = args.get("sortKey") or "ID"
    ordered, positions = _ordered(state, name, args.get("query"), sort_key)
    start = bisect_right(positions, _decode_cursor(args["after"])) if args.get("after") else 0
    page, has_next = ordered[start : start + first], len(ordered) > start + first
    actual = 2 + sum(
        3 + len(n.get("lineItems", {}).get("edges", [])) if name == "orders" else 2 for n in page
    )
    available = state.shopify_refund(requested - actual)
    page = [_mutate(node, request.mutations) for node in page]
    edges = [{"cursor": _encode_cursor(_position(n, sort_key)), "node": n} for n in page]
    if "duplicate" in request.mutations:
        edges = [e for edge in edges for e in (edge, edge)]
    connection_body: dict = {
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": bool(args.get("after")),
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        }
    }
    if "edges" in document:
        connection_body["edges"] = edges
    if "nodes" in document:
        connection_body["nodes"] = [e["node"] for e in edges]
    return json_response(
        200,
        {
            "data": {name: connection_body},
            "extensions": {
                "cost": _cost(
                    requested, actual, available, limits.shopify_bucket_size, limits.shopify_restore_rate
                )
            },
        },
    )


def _shop_response(state: ServerState) -> Response:
    """`shop { ... }`: the shop's time zone and currency (a query of cost 1)."""
    limits = state.limits
    available = state.shopify_refund(0)
    node = {
        "id": "gid://shopify/Shop/" + catalog.SHOP_ID,
        "name": "Sandbox Shop",
        "ianaTimezone": catalog.SHOP_TIME_ZONE,
        "currencyCode": catalog.SHOP_CURRENCY,
    }
    cost = _cost(1, 1, available, limits.shopify_bucket_size, limits.shopify_restore_rate)
    return json_response(200, {"data": {"shop": node}, "extensions": {"cost": cost}})


def _ordered(
    state: ServerState, name: str, query: str | None, sort_key: str
) -> tuple[list[dict], list[tuple]]:
    """The matching nodes in sort order and their cursor positions, computed once per query (pages bisect)."""

    def compute(current: ServerState) -> list:
        nodes = _filtered(current.cached(name, _orders if name == "orders" else _customers), query)
        nodes.sort(key=_sort_key(sort_key))
        return [nodes, [_position(n, sort_key) for n in nodes]]

    ordered, positions = state.cached(f"{name}|{query}|{sort_key}", compute)
    return ordered, positions


def _value(raw: str, variables: dict):
    if raw.startswith("$"):
        return variables.get(raw[1:])
    return raw.strip('"')


def _filtered(nodes: list[dict], query: str | None) -> list[dict]:
    """Apply `updated_at:>='...'`-style terms; a quoted value compares the timestamp, a bare one the date."""
    for field, op, single, double, bare in _FILTER.findall(query or ""):
        key = "updatedAt" if field == "updated_at" else "createdAt"
        value = single or double
        width = None if value else 10  # unquoted: Shopify silently compares the date part only
        bound = _iso(value or bare)[:width]
        compare = {">=": str.__ge__, "<=": str.__le__, ">": str.__gt__, "<": str.__lt__, "": str.__eq__}[op]
        nodes = [n for n in nodes if compare(n[key][:width], bound)]
    return nodes


def _iso(text: str) -> str:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _position(node: dict, sort_key: str) -> tuple:
    value = (
        node["updatedAt"]
        if sort_key == "UPDATED_AT"
        else (node["createdAt"] if sort_key == "CREATED_AT" else "")
    )
    return value, int(node["legacyResourceId"].split("-")[0])


def _sort_key(sort_key: str):
    return lambda node: _position(node, sort_key)


def _encode_cursor(position: tuple) -> str:
    return base64.b64encode(json.dumps({"last_id": position[1], "last_value": position[0]}).encode()).decode()


def _decode_cursor(cursor: str) -> tuple:
    data = json.loads(base64.b64decode(cursor))
    return data["last_value"], data["last_id"]


def _ts(ts_us: int) -> str:
    return datetime.fromtimestamp(ts_us // 1_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(amount: Decimal) -> dict:
    text = f"{amount.normalize():f}"
    return {
        "shopMoney": {"amount": text if "." in text else text + ".0", "currencyCode": catalog.SHOP_CURRENCY}
    }


def _mutate(node: dict, mutations: frozenset[str]) -> dict:
    if "new_field" in mutations:
        node = node | {"merchantOfRecordApp": {"name": "Sandbox POS"}}
    if "type_change" in mutations:
        node = node | {"legacyResourceId": node["legacyResourceId"] + "-A"}
    return node


def _customers(state: ServerState) -> list[dict]:
    orders_by_customer: dict[int, list[Order]] = {}
    for order in state.orders():
        orders_by_customer.setdefault(order.customer.customer_id, []).append(order)
    return [
        _customer_node(c, orders_by_customer.get(c.customer_id, []))
        for c in state.world.customers
        if state.visible_us(c.created_at_us)
    ]


def _customer_node(customer: Customer, orders: list[Order]) -> dict:
    updated = max([customer.created_at_us] + [o.created_at_us for o in orders])
    return {
        "id": f"gid://shopify/Customer/{customer.customer_id}",
        "legacyResourceId": str(customer.customer_id),
        "createdAt": _ts(customer.created_at_us),
        "updatedAt": _ts(updated),
        "numberOfOrders": str(len(orders)),
        "defaultEmailAddress": {"emailAddress": customer.email},
    }


def _orders(state: ServerState) -> list[dict]:
    visible = state.orders()
    totals = Counter(o.customer.customer_id for o in visible)
    index: Counter[int] = Counter()
    nodes = []
    for order in visible:
        index[order.customer.customer_id] += 1
        nodes.append(
            _order_node(state, order, index[order.customer.customer_id], totals[order.customer.customer_id])
        )
    return nodes


def _order_node(state: ServerState, order: Order, order_index: int, customer_orders: int) -> dict:
    cancelled = order.cancelled_at_us if state.visible_us(order.cancelled_at_us) else None
    refunds = [r for r in order.refunds if state.visible_us(r.created_at_us)]
    refunded = sum((r.amount for r in refunds), Decimal("0"))
    updated = max([order.created_at_us, cancelled or 0] + [r.created_at_us for r in refunds])
    status = "VOIDED" if cancelled else ("PARTIALLY_REFUNDED" if refunds else "PAID")
    ga = order.ga_client_id
    attributes = (
        [{"key": catalog.GA_CLIENT_ID_ATTRIBUTE, "value": f"GA1.1.{ga}" if order.order_id % 2 else ga}]
        if ga
        else []
    )
    return {
        "id": f"gid://shopify/Order/{order.order_id}",
        "legacyResourceId": str(order.order_id),
        "name": order.name,
        "createdAt": _ts(order.created_at_us),
        "updatedAt": _ts(updated),
        "processedAt": _ts(order.created_at_us),
        "cancelledAt": _ts(cancelled) if cancelled else None,
        "cancelReason": "CUSTOMER" if cancelled else None,
        "test": order.test,
        "email": order.email,
        "currencyCode": catalog.SHOP_CURRENCY,
        "presentmentCurrencyCode": catalog.SHOP_CURRENCY,
        "displayFinancialStatus": status,
        "totalPriceSet": _money(order.total),
        "subtotalPriceSet": _money(order.subtotal),
        "totalTaxSet": _money(order.tax),
        "totalShippingPriceSet": _money(order.shipping),
        "totalRefundedSet": _money(refunded),
        "customer": {
            "id": f"gid://shopify/Customer/{order.customer.customer_id}",
            "legacyResourceId": str(order.customer.customer_id),
            "numberOfOrders": str(customer_orders),
            "defaultEmailAddress": {"emailAddress": order.customer.email},
        },
        "customAttributes": attributes,
        "lineItems": {
            "pageInfo": {"hasNextPage": False},
            "edges": [{"node": _line_node(order, n, line)} for n, line in enumerate(order.lines)],
        },
        "customerJourneySummary": _journey(state, order, order_index),
        "refunds": [
            {
                "id": f"gid://shopify/Refund/{r.refund_id}",
                "createdAt": _ts(r.created_at_us),
                "totalRefundedSet": _money(r.amount),
            }
            for r in refunds
        ],
    }


def _line_node(order: Order, n: int, line) -> dict:
    product = next(i for i, p in enumerate(catalog.PRODUCTS) if p.item_id == line.item_id) + 1
    return {
        "id": f"gid://shopify/LineItem/{order.order_id * 100 + n + 1}",
        "title": line.title,
        "quantity": line.quantity,
        "sku": line.item_id,
        "originalUnitPriceSet": _money(line.unit_price),
        "product": {"id": f"gid://shopify/Product/{7_808_926_384_000 + product}"},
        "variant": {"id": f"gid://shopify/ProductVariant/{43_218_082_857_000 + product}"},
    }


def _sessions_by_device(world: World) -> dict[str, list[tuple[int, Session]]]:
    by_device: dict[str, list[tuple[int, Session]]] = {}
    for number, session in enumerate(world.sessions):
        by_device.setdefault(session.device.cookie, []).append((number, session))
    return by_device


def _journey(state: ServerState, order: Order, order_index: int) -> dict:
    """Shopify's own view of the visits before an order: its first and last visit on that device."""
    if order.session is None:
        return {
            "ready": True,
            "customerOrderIndex": order_index,
            "daysToConversion": 0,
            "momentsCount": {"count": 0, "precision": "EXACT"},
            "firstVisit": None,
            "lastVisit": None,
        }
    by_device = state.memo("sessions_by_device", _sessions_by_device)
    visits = [
        (n, s)
        for n, s in by_device[order.session.device.cookie]
        if s.start_us <= order.session.start_us and s.person is order.person
    ]
    first_number, first = visits[0]
    last_number = next(n for n, s in visits if s is order.session)
    return {
        "ready": True,
        "customerOrderIndex": order_index,
        "daysToConversion": (order.created_at_us - first.start_us) // 86_400_000_000,
        "momentsCount": {"count": len(visits), "precision": "EXACT"},
        "firstVisit": _visit(first_number, first),
        "lastVisit": _visit(last_number, order.session),
    }


def _visit(number: int, session: Session) -> dict:
    traffic = session.traffic
    utm = {
        "source": traffic.source,
        "medium": traffic.medium,
        "campaign": traffic.campaign,
        "content": traffic.content,
        "term": traffic.term,
    }
    tagged = traffic.medium not in ("(none)", "organic", "referral") and traffic.source != "google"
    params = [f"utm_{k}={v}" for k, v in utm.items() if v and tagged]
    params += [f"gclid={traffic.gclid}"] if traffic.gclid else []
    params += [f"fbclid={traffic.fbclid}"] if traffic.fbclid else []
    source_type = {
        "cpc": "AD",
        "paid_social": "AD",
        "email": "NEWSLETTER",
        "organic": "SEO",
        "referral": "LINK",
    }.get(traffic.medium)
    return {
        "id": f"gid://shopify/CustomerVisit/{number + 1}",
        "occurredAt": _ts(session.start_us),
        "landingPage": catalog.SHOP_URL + session.landing_path + ("?" + "&".join(params) if params else ""),
        "referrerUrl": traffic.referrer,
        "referralCode": None,
        "source": {"google": "Google", "facebook": "Facebook", "(direct)": "direct"}.get(
            traffic.source, traffic.source
        ),
        "sourceType": source_type,
        "sourceDescription": None,
        "utmParameters": utm if tagged else None,
    }
