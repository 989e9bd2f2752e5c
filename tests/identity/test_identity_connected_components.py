"""The SQL of identity_connected_components (rendered from the dbt macro the way bench/identity.py
does, run in DuckDB) finds exactly the components a union-find in Python finds, on the shapes that
broke or slowed label propagation: long chains in every id order, a 10,000-cookie hub, cycles,
self-loops, duplicate edges, leaves smaller than their neighbour, and a late edge joining two
components."""

from __future__ import annotations

import random

import duckdb
import pyarrow as pa
import pytest

from bench.identity import macro_sql

pytestmark = pytest.mark.slow


def components(edges: list[tuple[int, int]]) -> dict[int, int]:
    """node_id -> component_id as the macro's SQL returns them."""
    left, right = zip(*edges, strict=True)
    with duckdb.connect() as connection:
        ids = {"node_id_a": pa.array(left, pa.int64()), "node_id_b": pa.array(right, pa.int64())}
        connection.register("edges", pa.table(ids))
        found = connection.execute(macro_sql("edges")).fetchall()
    labels = dict(found)
    assert len(labels) == len(found), "one row per node"
    return labels


def union_find(edges: list[tuple[int, int]]) -> dict[int, int]:
    """Every node with an edge to another node -> the smallest node id of its component."""
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in edges:
        if a != b:
            parent.setdefault(a, a), parent.setdefault(b, b)
            low, high = sorted((root(a), root(b)))
            parent[high] = low  # the smaller root wins, so a root is its component's minimum
    return {node: root(node) for node in parent}


def path(ids: list[int]) -> list[tuple[int, int]]:
    return list(zip(ids, ids[1:], strict=False))


def shuffled(count: int, seed: int) -> list[int]:
    ids = list(range(count))
    random.Random(seed).shuffle(ids)
    return ids


CHAIN = 2_001  # identifiers in a 2,000-hop chain
HUB_COOKIES = 10_000

GRAPHS = {
    "a 2,000-hop chain with ids rising along it": path(list(range(CHAIN))),
    "a 2,000-hop chain with ids falling along it": path(list(range(CHAIN))[::-1]),
    "a 2,000-hop chain with its smallest id in the middle": path(
        list(range(1_000, 0, -1)) + [0] + list(range(1_001, CHAIN))
    ),
    "a 2,000-hop chain with shuffled ids": path(shuffled(CHAIN, seed=1)),
    "a 2,000-hop chain whose every node has a smaller leaf": path(list(range(10_000, 10_000 + CHAIN)))
    + [(10_000 + i, i) for i in range(CHAIN)],
    "a hub linked to 10,000 cookies, each with a click id": [
        (50_000, cookie) for cookie in range(1, HUB_COOKIES + 1)
    ]
    + [(cookie, 20_000 + cookie) for cookie in range(1, HUB_COOKIES + 1)],
    "a hub with the largest id, its cookies sharing click ids pairwise": [
        (99_999, cookie) for cookie in range(HUB_COOKIES)
    ]
    + [(cookie, 20_000 + cookie // 2) for cookie in range(HUB_COOKIES)],
    "a cycle whose smallest id is opposite its largest": path([5, 3, 8, 0, 9, 2, 7, 5]),
    "self-loops: alone, on a leaf and on an inner node": [(1, 1), (2, 3), (3, 3), (3, 4), (4, 4)],
    "duplicate and reversed edges": [(7, 8), (8, 7), (7, 8), (8, 9), (9, 8), (9, 8)],
    "a leaf smaller than every other node of its component": [(0, 10), (10, 11), (11, 12), (12, 13)],
    "a leaf smaller than its neighbour but not the smallest": [(5, 10), (10, 2), (2, 11), (11, 12)],
    "components of two, and a star of leaves": [(4, 3), (6, 9), (20, 21), (20, 22), (20, 23), (20, 19)],
}


@pytest.mark.parametrize("edges", GRAPHS.values(), ids=GRAPHS.keys())
def test_every_node_gets_the_smallest_id_of_its_component(edges):
    assert components(edges) == union_find(edges)


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_of_chains_stars_and_cycles_match_a_union_find(seed):
    rng = random.Random(seed)
    ids = shuffled(3_000, seed)
    edges = [(ids[rng.randrange(3_000)], ids[rng.randrange(3_000)]) for _ in range(1_500)]
    edges += path(ids[:400]) + path(sorted(ids[400:700])) + [(ids[700], i) for i in ids[701:800]]
    assert components(edges) == union_find(edges)


def test_a_late_edge_joins_two_components_under_the_smaller_id():
    first = path([10, 4, 12, 6]) + [(6, 30)]
    second = path([2, 15, 9]) + [(9, 40)]
    before = components(first + second)
    assert set(before.values()) == {4, 2}

    after = components(first + second + [(30, 40)])
    assert set(after.values()) == {2}
    assert after == union_find(first + second + [(30, 40)])
