"""Identity stitching at scale: our connected components (the SQL of the dbt macro
identity_connected_components, run in DuckDB) against scipy.sparse.csgraph.connected_components
on the same >= 5 million edges, side by side in one process, with the partitions checked equal.

Also measures what a daily run would save by recomputing only the components a day's new edges
touch, against recomputing everything (DECISIONLOG.md: identity, incremental).

The graph is shaped like an identity graph after its guardrails: persons with 1-3 browsers (a few
with many), logins linking browsers to a customer id, guests linked through order emails, ad
click ids and orders hanging off browsers and customers. Node ids are shuffled so labels carry no
hint of the components.

`--shape` puts one stress feature into that graph at the same edge count (as many click-id edges
dropped as the feature adds): `chain`, one identity chain of 2,000 hops (its length is the
number of rounds a label-propagation algorithm needs); `hub`, one identifier linked to 10,000
cookies (10,000 persons glued into one component around one very high-degree node).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import jinja2
import numpy as np
import pyarrow as pa
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

MACROS = Path(__file__).resolve().parent.parent / "dbt_project" / "macros" / "identity.sql"


def identity_graph(persons: int, seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(left ids, right ids, node count) of a synthetic post-guardrail identity graph."""
    rng = np.random.default_rng(seed)
    browsers = rng.choice([1, 2, 3, 8], size=persons, p=[0.55, 0.3, 0.14, 0.01])
    has_account = rng.random(persons) < 0.35
    owner = np.repeat(np.arange(persons), browsers)
    cookie = np.arange(len(owner))
    next_id = len(owner)
    left, right = [], []

    account_holders = np.flatnonzero(has_account)
    customer_of = np.full(persons, -1)
    customer_of[account_holders] = next_id + np.arange(len(account_holders))
    next_id += len(account_holders)
    logged_in = (customer_of[owner] >= 0) & (rng.random(len(owner)) < 0.9)
    left.append(cookie[logged_in]), right.append(customer_of[owner][logged_in])

    guests = np.flatnonzero(~has_account)
    email_of = np.full(persons, -1)
    email_of[guests] = next_id + np.arange(len(guests))
    next_id += len(guests)
    ordered = (email_of[owner] >= 0) & (rng.random(len(owner)) < 0.4)
    orders = next_id + np.arange(ordered.sum())
    next_id += len(orders)
    left += [orders, orders]
    right += [cookie[ordered], email_of[owner][ordered]]

    repeat = rng.poisson(0.8, len(account_holders))
    account_orders = next_id + np.arange(repeat.sum())
    next_id += len(account_orders)
    first_browser = np.r_[0, np.cumsum(browsers)[:-1]]
    left += [account_orders, account_orders]
    right += [
        np.repeat(customer_of[account_holders], repeat),
        np.repeat(first_browser[account_holders], repeat),
    ]

    clicks = rng.poisson(1.3, len(cookie))
    click_ids = next_id + np.arange(clicks.sum())
    next_id += len(click_ids)
    left.append(np.repeat(cookie, clicks)), right.append(click_ids)

    shuffle = rng.permutation(next_id)
    return shuffle[np.concatenate(left)], shuffle[np.concatenate(right)], next_id


SHAPES = ("normal", "chain", "hub")
CHAIN_HOPS, HUB_LEAVES = 2_000, 10_000


def shaped(
    left: np.ndarray, right: np.ndarray, nodes: int, shape: str, seed: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """The graph with one stress feature added and as many of its last edges (click ids, leaves)
    dropped, so the edge count stays that of the normal shape."""
    if shape == "normal":
        return left, right, nodes
    rng = np.random.default_rng(seed + 2)
    if shape == "chain":  # new identifiers in a path, ids shuffled
        path = nodes + rng.permutation(CHAIN_HOPS + 1)
        new_left, new_right, nodes = path[:-1], path[1:], nodes + CHAIN_HOPS + 1
    else:  # one identifier linked to 10,000 cookies: the last quarter of the edges are click ids'
        leaves = min(HUB_LEAVES, len(left) // 40)  # fewer only in a toy-sized graph
        cookies = np.unique(left[-len(left) // 4 : -leaves])  # cookies, the kept ones
        new_left = np.full(leaves, nodes)
        new_right = rng.choice(cookies, leaves, replace=False)
        nodes += 1
    kept = len(left) - len(new_left)
    return np.r_[left[:kept], new_left], np.r_[right[:kept], new_right], nodes


def macro_sql(edges: str, macros: Path = MACROS) -> str:
    """The DuckDB SQL of identity_connected_components, rendered from the dbt macro file (the
    shipped one unless `macros` names another version of it, e.g. `git show HEAD~3:<file>`)."""
    text = re.sub(
        r"\{%-? macro (?!duckdb__identity_connected_components).*?\{%-? endmacro -?%\}",
        "",
        macros.read_text(),
        flags=re.S,
    )
    module = jinja2.Environment().from_string(text).module
    return str(module.duckdb__identity_connected_components(edges, "node_id_a", "node_id_b"))


class PeakRss:
    """Peak resident memory of this process while the block runs (sampled every 10 ms), in MiB."""

    def __enter__(self) -> PeakRss:
        self.start = self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())


def _rss() -> float:
    with open(f"/proc/{os.getpid()}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed(label: str, run: Callable[[], object], repeat: int = 1) -> tuple[object, float, PeakRss]:
    """Run `repeat` times; the median time, the peak memory over all runs, the last result."""
    seconds = []
    with PeakRss() as memory:
        for _ in range(repeat):
            started = time.perf_counter()
            result = run()
            seconds.append(time.perf_counter() - started)
    median = statistics.median(seconds)
    runs = f" (median of {', '.join(f'{s:.2f}' for s in seconds)})" if repeat > 1 else ""
    print(
        f"  {label:<52} {median:6.2f} s  peak RSS {memory.peak:6.0f} MiB "
        f"(+{memory.peak - memory.start:.0f}){runs}"
    )
    return result, median, memory


def same_partition(labels_a: np.ndarray, labels_b: np.ndarray) -> bool:
    """Two labellings of the same nodes describe one partition iff the label pairs are a bijection."""
    pairs = np.unique(np.stack([labels_a, labels_b]), axis=1).shape[1]
    return pairs == len(np.unique(labels_a)) == len(np.unique(labels_b))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench identity", description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_300_000, help="persons in the synthetic graph")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is reported")
    parser.add_argument(
        "--threads", type=int, default=2, help="DuckDB threads (the project's profile uses 2)"
    )
    parser.add_argument(
        "--shape",
        choices=(*SHAPES, "all"),
        default="normal",
        help="the normal graph, one with a stress feature, or all three in turn (with their time ratios)",
    )
    parser.add_argument(
        "--no-daily", action="store_true", help="measure the full stitch only, not a day's touched-only run"
    )
    parser.add_argument(
        "--macros",
        type=Path,
        default=MACROS,
        help="the macro file to measure (default: the shipped one; another version to compare)",
    )
    args = parser.parse_args(argv)
    shapes = SHAPES if args.shape == "all" else (args.shape,)
    passed, seconds = True, {}
    for shape in shapes:
        equal, seconds[shape] = measure(shape, args)
        passed &= equal
    if len(shapes) > 1:
        print(
            "stress shapes against the normal one (goal: at most 3x): "
            + ", ".join(f"{shape} {seconds[shape] / seconds['normal']:.2f}x" for shape in SHAPES[1:])
        )
    return 0 if passed else 1


def measure(shape: str, args: argparse.Namespace) -> tuple[bool, float]:
    """The side-by-side stitch of one shape (and, unless --no-daily, the daily scenario): whether
    every partition came out equal, and our stitch's time."""
    left, right, nodes = shaped(*identity_graph(args.persons, args.seed), shape, args.seed)
    print(f"identity graph ({shape}): {len(left):,} edges, {nodes:,} identifiers ({args.persons:,} persons)")
    assert len(left) >= 5_000_000 or args.persons < 1_300_000, "the benchmark needs >= 5M edges"
    con = duckdb.connect()
    con.execute(f"set threads = {args.threads}")
    con.register(
        "edge_arrow", pa.table({"node_id_a": left.astype(np.int64), "node_id_b": right.astype(np.int64)})
    )
    con.execute("create table edges as select * from edge_arrow")
    con.unregister("edge_arrow")
    sql = macro_sql("edges", args.macros)

    def ours() -> np.ndarray:
        con.execute(f"create or replace table components as {sql}")
        labels = np.arange(nodes)  # a node without edges is its own component
        found = con.execute("select node_id, component_id from components").fetchnumpy()
        labels[found["node_id"]] = found["component_id"]
        return labels

    def reference() -> np.ndarray:
        graph = sp.coo_matrix(
            (np.ones(len(left), dtype=np.int8), (left, right)), shape=(nodes, nodes)
        ).tocsr()
        return connected_components(graph, directed=False)[1]

    print("full stitch, side by side:")
    our_labels, our_seconds, _ = timed("ours: SQL macro in DuckDB", ours, args.repeat)
    scipy_labels, scipy_seconds, _ = timed(
        "scipy.sparse.csgraph.connected_components", reference, args.repeat
    )

    def python_model() -> np.ndarray:
        """What a dbt Python model would do: edges out of DuckDB, scipy, labels back in."""
        out = con.sql("select node_id_a, node_id_b from edges").fetchnumpy()
        a, b = out["node_id_a"], out["node_id_b"]
        graph = sp.coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(nodes, nodes)).tocsr()
        labels = connected_components(graph, directed=False)[1]
        con.register("labels_arrow", pa.table({"node_id": np.arange(nodes), "component_id": labels}))
        con.execute("create or replace table python_components as select * from labels_arrow")
        con.unregister("labels_arrow")
        return labels

    _, python_seconds, _ = timed(
        "scipy with the DuckDB round trip (a Python model)", python_model, args.repeat
    )
    equal = same_partition(our_labels, scipy_labels)
    print(
        f"  partitions equal: {equal}; {len(np.unique(scipy_labels)):,} components; "
        f"ratio ours/scipy {our_seconds / scipy_seconds:.1f}x "
        f"(ours/Python model {our_seconds / python_seconds:.1f}x)"
    )

    if args.no_daily:
        return equal, our_seconds

    print("a day's new edges (1/30 of the graph: new visitors, returning ones, a few late merges):")
    day_left, day_right = a_day_of_edges(nodes, len(left) // 30, np.random.default_rng(args.seed + 1))
    con.register("day_arrow", pa.table({"node_id_a": day_left, "node_id_b": day_right}))
    con.execute("create table day_edges as select * from day_arrow")
    con.execute("create table all_edges as select * from edges union all select * from day_edges")
    full_sql = macro_sql("all_edges", args.macros)
    _, full_seconds, _ = timed(
        "full recompute over every edge",
        lambda: con.execute(f"create or replace table full_components as {full_sql}"),
        args.repeat,
    )
    _, touched_seconds, _ = timed(
        "recompute only the touched components",
        lambda: con.execute(TOUCHED_SQL.format(components=macro_sql("affected_edges", args.macros))),
        args.repeat,
    )
    incremental_equal = con.execute(INCREMENTAL_EQUALS_FULL).fetchone()[0]
    print(
        f"  touched-only / full: {touched_seconds / full_seconds:.2f} "
        f"(saves {full_seconds - touched_seconds:.1f} s a day); "
        f"same partition as the full recompute: {incremental_equal}"
    )
    return equal and incremental_equal, our_seconds


def a_day_of_edges(nodes: int, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """60% new identifiers among themselves (new visitors), 35% a new identifier on an existing one
    (a returning visitor's click, a new order), 5% two existing identifiers (a late login or order
    joining two persons). The new visitors link to random other new identifiers, so they form one
    large random component (24k identifiers at 300k persons, diameter over 500): a day that is
    also a stress test of the number of rounds."""
    new_pairs, on_existing = int(count * 0.6), int(count * 0.35)
    merges = count - new_pairs - on_existing
    fresh = nodes + np.arange(new_pairs + on_existing)
    left = np.concatenate([fresh, rng.integers(0, nodes, merges)])
    right = np.concatenate(
        [
            nodes + rng.integers(0, new_pairs, new_pairs),
            rng.integers(0, nodes, on_existing),
            rng.integers(0, nodes, merges),
        ]
    )
    return left.astype(np.int64), right.astype(np.int64)


TOUCHED_SQL = """
create or replace table touched_components as
with
touched as (
    select distinct coalesce(components.component_id, ends.node_id) as component_id
    from (select node_id_a as node_id from day_edges union select node_id_b from day_edges) as ends
    left join components on components.node_id = ends.node_id
),
affected_edges as (
    select edges.node_id_a, edges.node_id_b
    from edges
    inner join components on components.node_id = edges.node_id_a
    inner join touched on touched.component_id = components.component_id
    union all
    select node_id_a, node_id_b from day_edges
)
select * from ({components})
"""

INCREMENTAL_EQUALS_FULL = """
with
incremental as (
    select
        full_components.node_id,
        coalesce(touched_components.component_id, components.component_id) as label
    from full_components
    left join touched_components using (node_id)
    left join components using (node_id)
),
pairs as (
    select count(distinct (incremental.label, full_components.component_id)) as pairs,
           count(distinct incremental.label) as incremental_labels,
           count(distinct full_components.component_id) as full_labels
    from incremental inner join full_components using (node_id)
)
select pairs = incremental_labels and pairs = full_labels from pairs
"""


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
