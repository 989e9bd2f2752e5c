"""Shopify's cost bucket: a load that needs more points than the bucket holds waits for it, nothing lost.

The sandbox's default plan never throttles a demo world (sandbox/server/state.py, Limits), so this
test serves the world with a small bucket: the emulator answers THROTTLED whenever a query's
requested cost is not available, and the source must pace itself (ingestion/sources/shopify).
"""

from __future__ import annotations

import math

import pytest

from sandbox.server import SandboxServer
from sandbox.server.state import Limits
from tests.support.sources import FAST_RETRIES, counts, keys_are_unique

pytestmark = pytest.mark.slow

BUCKET, RESTORE = 50.0, 250.0  # points, points per second: the largest query (2 orders, 48 points) fits
ORDERS_PER_PAGE, CUSTOMERS_PER_PAGE = 2, 5


def test_a_load_bigger_than_the_cost_bucket_waits_for_it_and_loses_nothing(
    world, truth, load, query, monkeypatch
):
    limits = Limits(shopify_bucket_size=BUCKET, shopify_restore_rate=RESTORE)
    with SandboxServer(world, limits=limits) as server:
        env = {
            **server.source_env(),
            **FAST_RETRIES,
            "SOURCES__SHOPIFY__PAGE_SIZE": str(ORDERS_PER_PAGE),
            "SOURCES__SHOPIFY__CUSTOMERS_PAGE_SIZE": str(CUSTOMERS_PER_PAGE),
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        load("shopify")

    expected = truth.raw_counts("shopify")
    assert counts(query, "shopify") == expected
    assert keys_are_unique(query, "shopify")
    orders, customers = expected["orders"], expected["customers"]
    pages = math.ceil(orders / ORDERS_PER_PAGE) + math.ceil(customers / CUSTOMERS_PER_PAGE)
    # what the pages actually cost (2 per query, 3 per order plus 1 per line, 2 per customer)
    points = 2 * pages + 3 * orders + expected["order_lines"] + 2 * customers
    assert points > 3 * BUCKET, "the load must need several bucketfuls for this test to mean anything"
    graphql = [r for r in server.requests if r.endpoint == "graphql"]
    assert graphql[-1].at - graphql[0].at >= (points - BUCKET) / RESTORE, "the bucket held the load back"
    refused = len(graphql) - pages - 1  # beyond one request per page and the shop query: THROTTLED answers
    # Without its pacing the source was refused 16 times here (each refusal waited out, as told).
    assert refused < pages / 2, "the source asks for a page once the bucket holds its cost"
