"""The worked examples of README "Step filters" hold, operator by operator."""

from __future__ import annotations

import pytest

from microfunnel.property_filters import EventProperties, parse_where, where_holds

# add_to_cart with value = 50 (int), currency EUR, no coupon, items [Shoes 119.0, Socks 9.5]
EXAMPLE = EventProperties(
    params={"value": 50, "currency": "EUR"},
    items=({"item_category": "Shoes", "price": 119.0}, {"item_category": "Socks", "price": 9.5}),
)


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"currency": "EUR"}, True),
        ({"value": 50}, True),
        ({"value": 50.0}, True),
        ({"currency": {"not": "USD"}}, True),
        ({"currency": {"in": ["EUR", "CHF"]}}, True),
        ({"currency": {"not_in": ["EUR", "CHF"]}}, False),
        ({"page_location": {"contains": "/sale"}}, False),
        ({"page_location": {"regex": r"^https://shop\.example/p/"}}, False),
        ({"value": {"gt": 49}}, True),
        ({"value": {"gte": 50}}, True),
        ({"value": {"lt": 51}}, True),
        ({"value": {"lte": 50}}, True),
        ({"coupon": {"is_set": False}}, True),
        ({"item.item_category": "Shoes"}, True),
        ({"item.price": {"lt": 10}}, True),
        ({"value": {"gte": 50, "lt": 100}}, True),
        ({"value": {"gte": 50, "lt": 50}}, False),
    ],
)
def test_the_readme_examples_hold(where, expected):
    assert where_holds(parse_where(where), EXAMPLE) is expected


def test_a_string_param_that_reads_as_a_number_compares_numerically():
    assert where_holds(parse_where({"value": {"gte": 50}}), EventProperties(params={"value": "60"}))
    assert not where_holds(parse_where({"value": {"gte": 50}}), EventProperties(params={"value": "1_000"}))
