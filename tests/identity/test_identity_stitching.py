"""The identity graph on a sandbox world with its planted dirt, measured against the world's truth
and against an independent union-find in Python."""

from __future__ import annotations

from collections import defaultdict

import pytest

from sandbox.truth import identifier_truth, order_scores, pairwise_scores
from tests.support.environment import TEST_PII_KEY
from tests.support.warehouse import rows

pytestmark = pytest.mark.slow


def scores(identity_world) -> tuple[dict, dict]:
    world, predicted = identity_world["world"], identity_world["final"].stitched
    truth = identifier_truth(world, TEST_PII_KEY, email_marketing=True)
    return pairwise_scores(truth, predicted), order_scores(world, truth, predicted)


def test_pairwise_precision_and_recall_against_the_truth_are_at_least_99_percent(identity_world):
    pairs, _ = scores(identity_world)
    print(
        f"\nidentity vs truth: precision {pairs['precision']:.4f}, recall {pairs['recall']:.4f} "
        f"({pairs['true_pairs']:.0f} true pairs, {pairs['predicted_pairs']:.0f} predicted)"
    )
    assert pairs["precision"] >= 0.99
    assert pairs["recall"] >= 0.99


def test_at_least_99_percent_of_orders_belong_to_their_buyer(identity_world):
    _, orders = scores(identity_world)
    print(f"\norders attributed to their buyer: {orders['orders_right']:.4f} of {orders['orders']:.0f}")
    assert orders["orders_right"] >= 0.99


def test_every_identifier_the_world_exposes_has_a_person(identity_world):
    truth = identifier_truth(identity_world["world"], TEST_PII_KEY, email_marketing=True)
    missing = [
        (t.identifier_type, t.identifier_value)
        for t in truth
        if (t.identifier_type, t.identifier_value) not in identity_world["final"].stitched
    ]
    assert missing == []


def test_the_planted_shared_identifiers_are_cut_and_stand_alone(identity_world):
    world, stitched = identity_world["world"], identity_world["final"].stitched
    truth = identifier_truth(world, TEST_PII_KEY, email_marketing=True)
    shared = {(t.identifier_type, t.identifier_value) for t in truth if t.is_shared}
    cut = set(
        rows(
            identity_world["warehouse"],
            "select identifier_type, identifier_value from intermediate.int_identifiers_cut",
        )
    )
    assert {kind for kind, _ in shared} >= {"anonymous_id", "customer_id", "email_hash", "gclid"}, (
        "the dirt is planted"
    )
    assert shared <= cut
    persons = defaultdict(set)
    for key, person in stitched.items():
        persons[person].add(key)
    for kind, value in shared:
        alone = {k for k in persons[stitched[(kind, value)]] if k[0] != "user_id"}
        assert alone == {(kind, value)}


def test_the_bots_cookie_gathers_only_the_bots_own_click_ids(identity_world):
    world, stitched = identity_world["world"], identity_world["final"].stitched
    bot = next(p for p in world.persons if p.kind == "bot")
    truth = identifier_truth(world, TEST_PII_KEY, email_marketing=True)
    bots_person = stitched[("anonymous_id", bot.devices[0].cookie)]
    members = {key for key, person in stitched.items() if person == bots_person}
    owners = {(t.identifier_type, t.identifier_value): t.persons for t in truth}
    assert len(members) > 5, "the bot clicked many ads"
    assert all(owners[key] == (bot.person_id,) for key in members)


def python_partition(warehouse) -> tuple[set, dict]:
    """The guardrails and the components recomputed in Python from the unioned edges and the config."""
    edges = rows(
        warehouse,
        """select identifier_type_a, identifier_value_a, identifier_type_b, identifier_value_b
           from intermediate.int_identity_edges_unioned""",
    )
    nodes = [
        tuple(row)
        for row in rows(
            warehouse, "select identifier_type, identifier_value from intermediate.int_identity_nodes"
        )
    ]
    caps = {
        (t, linked): cap
        for t, linked, cap in rows(
            warehouse, "select identifier_type, linked_type, max_links from raw_config.identity_max_links"
        )
    }
    blocked = set(
        rows(warehouse, "select identifier_type, identifier_value from raw_config.identity_blocklist")
    )
    neighbours = defaultdict(set)
    for type_a, value_a, type_b, value_b in edges:
        if (type_a, value_a) != (type_b, value_b):
            neighbours[(type_a, value_a)].add((type_b, value_b))
            neighbours[(type_b, value_b)].add((type_a, value_a))
    links = {}
    for node, direct in neighbours.items():
        links[node] = set(direct)
        for order in (n for n in direct if n[0] == "order_id"):
            links[node] |= neighbours[order] - {node}
    cut = set(blocked & set(nodes))
    cut |= {
        c for email in cut if email[0] == "email_hash" for c in links.get(email, ()) if c[0] == "customer_id"
    }
    for node, linked in links.items():
        for linked_type in {kind for kind, _ in linked}:
            cap = caps.get((node[0], linked_type))
            if cap is not None and sum(1 for kind, _ in linked if kind == linked_type) > cap:
                cut.add(node)
    parent = {node: node for node in nodes}

    def root(node):
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for type_a, value_a, type_b, value_b in edges:
        a, b = (type_a, value_a), (type_b, value_b)
        if a not in cut and b not in cut:
            parent[root(a)] = root(b)
    return cut, {node: root(node) for node in nodes}


def test_guardrails_and_components_equal_a_union_find_in_python_on_the_same_edges(identity_world):
    cut, python_roots = python_partition(identity_world["warehouse"])
    sql_cut = set(
        rows(
            identity_world["warehouse"],
            "select identifier_type, identifier_value from intermediate.int_identifiers_cut",
        )
    )
    stitched = identity_world["final"].stitched
    assert sql_cut == cut
    pairs = {(stitched[node], python_root) for node, python_root in python_roots.items()}
    assert len(pairs) == len({p for p, _ in pairs}) == len({r for _, r in pairs}), "the same partition"
    assert len(pairs) < len(python_roots), "and not a trivial one"
