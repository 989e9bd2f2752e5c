"""fct_path_transitions (and int_person_paths, whose per-person paths it counts) on hand-made
persons: nodes, collapsed repeats, the cap, both outcomes."""

from __future__ import annotations

import duckdb
import pytest

from tests.support.funnel_warehouse import Event, Funnel, MicroConversion, run_funnel_models, write_inputs

S = 1_000_000

pytestmark = pytest.mark.slow

# person -> [(event_name, page_path or None, micro-conversion or None, is_macro)]
PERSONS = {
    # pages /products/a and /products/b collapse into /products; the cap of 3 keeps the last three
    # nodes before the purchase; the page after the purchase is not on the path
    "buyer1": [
        ("page_view", "/products/a", None, False),
        ("page_view", "/products/b", None, False),
        ("view_item", None, "view_item", False),
        ("page_view", "/cart", None, False),
        ("add_to_cart", None, "add_to_cart", False),
        ("purchase", None, None, True),
        ("page_view", "/thanks", None, False),
    ],
    "buyer2": [
        ("page_view", "/", None, False),
        ("view_item", None, "view_item", False),
        ("add_to_cart", None, "add_to_cart", False),
        ("purchase", None, None, True),
    ],
    # two view_items in a row are one node; a page view that is a micro-conversion is that node
    "dropper": [
        ("page_view", "/products/x", None, False),
        ("view_item", None, "view_item", False),
        ("view_item", None, "view_item", False),
        ("page_view", "/pricing", "pricing_page", False),
    ],
    "buyer3": [("purchase", None, None, True)],  # nothing before buying: no transitions
    # a micro-conversion repeated later (not consecutively) stays on the path as walked
    "walker": [
        ("view_item", None, "view_item", False),
        ("add_to_cart", None, "add_to_cart", False),
        ("view_item", None, "view_item", False),
    ],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("paths") / "warehouse.duckdb"
    events, micro, pages = [], [], []
    for person, timeline in PERSONS.items():
        for seq, (name, page, conversion, is_macro) in enumerate(timeline, start=1):
            event_id = f"{person}-{seq}"
            events.append(Event(person, event_id, seq * S, seq, name, is_macro=is_macro))
            if conversion:
                micro.append(MicroConversion(person, conversion, event_id))
            if page:
                pages.append((event_id, page))
    write_inputs(path, [Funnel("unused", ["view_item", "purchase"], 60)], events, micro)
    con = duckdb.connect(str(path))
    con.execute(
        "create table staging.stg_ga4__events (event_key varchar, event_name varchar, page_path varchar)"
    )
    con.executemany("insert into staging.stg_ga4__events values (?, 'page_view', ?)", pages)
    con.close()
    run_funnel_models(
        path,
        select="path:models/intermediate/paths fct_path_transitions fct_conversion_paths",
        variables={"microfunnel__path_max_steps": 3},
    )
    with duckdb.connect(str(path), read_only=True) as con:
        transitions = set(
            con.execute(
                "select outcome, step_number, from_node, to_node, persons from marts.fct_path_transitions"
            ).fetchall()
        )
        paths = set(
            con.execute(
                "select conversion_path, persons_purchased, persons_dropped_off "
                "from marts.fct_conversion_paths"
            ).fetchall()
        )
    return transitions, paths


def test_paths_to_purchase_keep_the_last_steps_and_count_shared_transitions_once_per_person(built):
    transitions, _ = built
    # buyer1: /products, view_item, /cart, add_to_cart -> last 3: view_item, /cart, add_to_cart.
    # buyer2: /, view_item, add_to_cart. Both end add_to_cart -> purchase at step 3.
    assert {t for t in transitions if t[0] == "purchase"} == {
        ("purchase", 1, "view_item", "/cart", 1),
        ("purchase", 2, "/cart", "add_to_cart", 1),
        ("purchase", 1, "/", "view_item", 1),
        ("purchase", 2, "view_item", "add_to_cart", 1),
        ("purchase", 3, "add_to_cart", "purchase", 2),
    }


def test_paths_that_drop_off_collapse_repeats_and_end_in_drop_off(built):
    transitions, _ = built
    # dropper: /products, view_item (twice, one node), pricing_page (the /pricing page view).
    assert {t for t in transitions if t[0] == "drop_off"} == {
        ("drop_off", 1, "/products", "view_item", 1),
        ("drop_off", 2, "view_item", "pricing_page", 1),
        ("drop_off", 3, "pricing_page", "(drop off)", 1),
        # walker: view_item, add_to_cart, view_item
        ("drop_off", 1, "view_item", "add_to_cart", 1),
        ("drop_off", 2, "add_to_cart", "view_item", 1),
        ("drop_off", 3, "view_item", "(drop off)", 1),
    }


def test_conversion_paths_are_the_full_sequences_walked(built):
    # buyer1 and buyer2: view_item > add_to_cart before buying; buyer3 bought with none; the
    # dropper's two view_items are one step; the walker's second view_item is a new step.
    _, paths = built
    assert paths == {
        ("view_item > add_to_cart", 2, 0),
        ("(none)", 1, 0),
        ("view_item > pricing_page", 0, 1),
        ("view_item > add_to_cart > view_item", 0, 1),
    }
