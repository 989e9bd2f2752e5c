"""The SQL of identity_connected_components (rendered from the dbt macro the way bench/identity.py
does, run in DuckDB) finds exactly the components a union-find in Python finds, on the shapes that
broke or slowed label propagation: long chains in every id order, a 10,000-cookie hub, cycles,
self-loops, duplicate edges, leaves smaller than their neighbour, and a late edge joining two
components. The Spark macro (statements run from Jinja) is checked on all of them at once."""

from __future__ import annotations

import os
import random
import re

import duckdb
import jinja2
import pyarrow as pa
import pytest

from bench.identity import MACROS, macro_sql

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


def random_graph(seed: int) -> list[tuple[int, int]]:
    """Random edges among 3,000 shuffled ids, plus a chain, a chain of rising ids and a star."""
    rng = random.Random(seed)
    ids = shuffled(3_000, seed)
    edges = [(ids[rng.randrange(3_000)], ids[rng.randrange(3_000)]) for _ in range(1_500)]
    return edges + path(ids[:400]) + path(sorted(ids[400:700])) + [(ids[700], i) for i in ids[701:800]]


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_of_chains_stars_and_cycles_match_a_union_find(seed):
    edges = random_graph(seed)
    assert components(edges) == union_find(edges)


def test_a_late_edge_joins_two_components_under_the_smaller_id():
    first = path([10, 4, 12, 6]) + [(6, 30)]
    second = path([2, 15, 9]) + [(9, 40)]
    before = components(first + second)
    assert set(before.values()) == {4, 2}

    after = components(first + second + [(30, 40)])
    assert set(after.values()) == {2}
    assert after == union_find(first + second + [(30, 40)])


class _Relation:
    """What the Spark macro uses of dbt's `this`: a schema, an identifier, incorporate()."""

    def __init__(self, schema: str, identifier: str):
        self.schema, self.identifier = schema, identifier

    def incorporate(self, path: dict) -> _Relation:
        return _Relation(self.schema, path.get("identifier", self.identifier))

    def __str__(self) -> str:
        return f"{self.schema}.{self.identifier}"


class _Exceptions:
    @staticmethod
    def raise_compiler_error(message: str):
        raise RuntimeError(message)


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """One local Spark session for the module (it takes 10-20 s to start)."""
    sql = pytest.importorskip("pyspark.sql")
    session = (
        sql.SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", os.environ.get("MICROFUNNEL_SPARK_DRIVER_MEMORY", "1g"))
        .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark_warehouse")))
        .getOrCreate()
    )
    yield session
    session.stop()


def spark_components(spark, edges: list[tuple[int, int]]) -> tuple[dict[int, int], int]:
    """node_id -> component_id as spark__identity_connected_components returns them, and its rounds.

    The macro runs its statements through run_query while it renders, as in dbt; here run_query is
    the session's, `this` a table in the default database."""
    table = spark.createDataFrame(edges, "node_id_a bigint, node_id_b bigint")
    table.write.mode("overwrite").format("parquet").saveAsTable("default.cc_edges")
    logged = []
    module = (
        jinja2.Environment(extensions=["jinja2.ext.do"])
        .from_string(
            MACROS.read_text(),
            globals={
                "execute": True,
                "this": _Relation("default", "cc_model"),
                "run_query": lambda sql: type("Table", (), {"rows": spark.sql(sql).collect()}),
                "log": lambda message, info=False: logged.append(message),
                "exceptions": _Exceptions,
                "adapter": type("Adapter", (), {"type": staticmethod(lambda: "spark")}),
            },
        )
        .module
    )
    macro = module.spark__identity_connected_components
    sql = str(macro("edges", "node_id_a", "node_id_b", edges_relation="default.cc_edges"))
    found = [tuple(row) for row in spark.sql(sql).collect()]
    labels = dict(found)
    assert len(labels) == len(found), "one row per node"
    assert {row.tableName for row in spark.sql("show tables in default like 'cc_model__cc_*'").collect()} == {
        "cc_model__cc_components"
    }, "the working tables are dropped, but for the one the select reads"
    rounds = int(re.search(r"converged in (\d+) rounds", logged[-1]).group(1))
    return labels, rounds


def test_spark_finds_the_components_of_every_graph_at_once(spark):
    """Every graph above and six random ones side by side, ids apart (one Spark run, not twenty)."""
    graphs = [*GRAPHS.values(), *(random_graph(seed) for seed in range(6))]
    edges = [(a + 1_000_000 * k, b + 1_000_000 * k) for k, graph in enumerate(graphs) for a, b in graph]

    labels, rounds = spark_components(spark, edges)

    assert labels == union_find(edges)
    assert rounds <= 11, "rounds grow with the log of the diameter (log2 of a 2,000-hop chain is 11)"
