"""Constants of the Shopify source: API version, the GraphQL documents, page sizes, column types."""

from ingestion.sources.spec import SourceSpec

API_VERSION = "2026-07"  # quarterly versions, each supported for a year
PAGE_SIZE = 25  # 25 orders x (3 + 20 line items) + 2 = 577 points: under the 1000-point single-query cap
LINE_ITEMS_PER_ORDER = 20  # an order with more lines fails loudly rather than losing lines
CUSTOMERS_PAGE_SIZE = 250  # Shopify's largest page: 250 x 2 + 2 = 502 points

SHOP_QUERY = "query Shop { shop { id name ianaTimezone currencyCode } }"
SHOP_COLUMNS = {
    "id": {"data_type": "text", "nullable": False},
    "name": {"data_type": "text"},
    "iana_timezone": {"data_type": "text"},
    "currency_code": {"data_type": "text"},
}

_VISIT = """id occurredAt landingPage referrerUrl referralCode source sourceType sourceDescription
            utmParameters { source medium campaign content term }"""
_MONEY = "shopMoney { amount currencyCode }"
ORDERS_QUERY = f"""
query Orders($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{
      id legacyResourceId name createdAt updatedAt processedAt cancelledAt cancelReason test
      email currencyCode presentmentCurrencyCode displayFinancialStatus
      totalPriceSet {{ {_MONEY} }} subtotalPriceSet {{ {_MONEY} }} totalTaxSet {{ {_MONEY} }}
      totalShippingPriceSet {{ {_MONEY} }} totalRefundedSet {{ {_MONEY} }}
      customer {{ id legacyResourceId numberOfOrders defaultEmailAddress {{ emailAddress }} }}
      customAttributes {{ key value }}
      lineItems(first: {LINE_ITEMS_PER_ORDER}) {{
        pageInfo {{ hasNextPage }}
        edges {{ node {{
          id title quantity sku originalUnitPriceSet {{ {_MONEY} }} product {{ id }} variant {{ id }}
        }} }}
      }}
      customerJourneySummary {{
        ready customerOrderIndex daysToConversion momentsCount {{ count precision }}
        firstVisit {{ {_VISIT} }}
        lastVisit {{ {_VISIT} }}
      }}
      refunds {{ id createdAt totalRefundedSet {{ {_MONEY} }} }}
    }} }}
  }}
}}
"""
CUSTOMERS_QUERY = """
query Customers($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id legacyResourceId createdAt updatedAt numberOfOrders defaultEmailAddress { emailAddress }
    } }
  }
}
"""

# Each column gets its own hint dict: dlt writes the column name into the dict it is given.
_AMOUNT = "decimal"
_TIMESTAMP = "timestamp"


def _typed(columns: dict[str, str | dict]) -> dict[str, dict]:
    return {
        name: dict(hint) if isinstance(hint, dict) else {"data_type": hint} for name, hint in columns.items()
    }


ORDER_COLUMNS = _typed(
    {
        "id": {"data_type": "text", "nullable": False},
        "legacy_resource_id": {"data_type": "bigint"},
        "name": {"data_type": "text"},
        "currency_code": {"data_type": "text"},
        "display_financial_status": {"data_type": "text"},
        "created_at": _TIMESTAMP,
        "updated_at": {"data_type": "timestamp", "dedup_sort": "desc"},  # a re-sent order: keep the newest
        "processed_at": _TIMESTAMP,
        "cancelled_at": _TIMESTAMP,
        "test": {"data_type": "bool"},
        "email_hash": {"data_type": "text"},
        "total_price_set__shop_money__amount": _AMOUNT,
        "subtotal_price_set__shop_money__amount": _AMOUNT,
        "total_tax_set__shop_money__amount": _AMOUNT,
        "total_shipping_price_set__shop_money__amount": _AMOUNT,
        "total_refunded_set__shop_money__amount": _AMOUNT,
        "customer__legacy_resource_id": {"data_type": "bigint"},
        "customer__number_of_orders": {"data_type": "bigint"},
        "customer__email_hash": {"data_type": "text"},
        "custom_attributes": {"data_type": "json"},
        "refunds": {"data_type": "json"},
        "customer_journey_summary__first_visit__occurred_at": _TIMESTAMP,
        "customer_journey_summary__last_visit__occurred_at": _TIMESTAMP,
        "customer_journey_summary__last_visit__landing_page": {"data_type": "text"},
        "customer_journey_summary__last_visit__referrer_url": {"data_type": "text"},
        "customer_journey_summary__last_visit__utm_parameters__source": {"data_type": "text"},
        "customer_journey_summary__last_visit__utm_parameters__medium": {"data_type": "text"},
        "customer_journey_summary__last_visit__utm_parameters__campaign": {"data_type": "text"},
        "cancel_reason": {"data_type": "text"},
    }
)
ORDER_LINE_COLUMNS = _typed(
    {
        "id": {"data_type": "text", "nullable": False},
        "order_id": {"data_type": "text", "nullable": False},
        "order_legacy_resource_id": {"data_type": "bigint"},
        "title": {"data_type": "text"},
        "sku": {"data_type": "text"},
        "quantity": {"data_type": "bigint"},
        "original_unit_price_set__shop_money__amount": _AMOUNT,
        "original_unit_price_set__shop_money__currency_code": {"data_type": "text"},
    }
)
CUSTOMER_COLUMNS = _typed(
    {
        "id": {"data_type": "text", "nullable": False},
        "legacy_resource_id": {"data_type": "bigint"},
        "created_at": _TIMESTAMP,
        "updated_at": {"data_type": "timestamp", "dedup_sort": "desc"},
        "number_of_orders": {"data_type": "bigint"},
        "email_hash": {"data_type": "text"},
    }
)

SPEC = SourceSpec(
    name="shopify",
    function="ingestion.sources.shopify:shopify",
    tables={
        "shop": SHOP_COLUMNS,
        "orders": ORDER_COLUMNS,
        "order_lines": ORDER_LINE_COLUMNS,
        "customers": CUSTOMER_COLUMNS,
    },
    credentials=("base_url", "access_token", "pii_hash_key"),
    feeds=("identity_edges", "identity_nodes", "person_events", "orders"),
    summary="Shopify GraphQL Admin API: the shop (zone, currency), orders, lines, customers (emails hashed)",
    identifiers={
        "orders": {
            "legacy_resource_id": "order_id",
            "customer__legacy_resource_id": "customer_id",
            "email_hash": "email_hash",
            "customer__email_hash": "email_hash",
        },
        "order_lines": {"order_legacy_resource_id": "order_id"},
        "customers": {"legacy_resource_id": "customer_id", "email_hash": "email_hash"},
    },
)
