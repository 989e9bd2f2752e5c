"""`where:` filters, bounded exclusions, breakdowns and typo checks in conversions.yml.

Every error names the file, the funnel (or micro-conversion), the step and the fix.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.sources.config import catalog_rows
from microfunnel.conversions import ConfigError, load_catalog
from microfunnel.property_filters import Condition, parse_where

SHOES = """
micro_conversions:
  - {name: big_cart, kind: action, event_name: add_to_cart, where: {value: {gte: 100}}}
funnels:
  - name: shoes_purchase
    steps:
      - session_start
      - {event: view_item, where: {item.item_category: Shoes}}
      - {event: add_to_cart, where: {item.item_category: Shoes, value: {gte: 50}}}
      - purchase
    window: 7 days
    exclude:
      - {event: chat_opened, between: [3, 4]}
      - {event: refund, where: {reason: {in: [fraud, test]}}}
    breakdown: device.category
custom_events: [chat_opened]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "conversions.yml"
    path.write_text(text)
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_catalog(write(tmp_path, text))
    return str(caught.value)


def funnel_with(step: str, order: str = "ordered", exclude: str = "[]") -> str:
    return f"""
funnels:
  - name: shoes
    order: {order}
    steps: [session_start, {step}, purchase]
    exclude: {exclude}
"""


def test_the_issue_example_loads_with_filters_bounds_and_a_breakdown(tmp_path):
    funnel = load_catalog(write(tmp_path, SHOES)).funnels[0]
    assert funnel.step_names == ["session_start", "view_item", "add_to_cart", "purchase"]
    assert funnel.steps[2].where == (
        Condition("item.item_category", "item", "item_category", "eq", "Shoes"),
        Condition("value", "param", "value", "gte", 50),
    )
    assert [funnel.exclusion_bounds(x) for x in funnel.exclude] == [(3, 4), (1, 4)]
    assert funnel.breakdown == ["device.category"]


def test_the_catalog_rows_carry_every_condition_with_typed_values(tmp_path):
    rows = catalog_rows(load_catalog(write(tmp_path, SHOES)))
    filters = {
        (r["filter_owner"], r["owner_index"] or r["conversion_name"], r["property_path"]): r
        for r in rows["property_filters"]
    }
    assert filters[("micro_conversion", "big_cart", "value")]["number"] == 100.0
    assert filters[("step", 3, "value")]["operator"] == "gte"
    assert filters[("step", 2, "item.item_category")]["text_values_json"] == '["Shoes"]'
    assert filters[("exclusion", 2, "reason")]["text_values_json"] == '["fraud", "test"]'
    assert [
        (r["exclusion_index"], r["from_step_index"], r["to_step_index"]) for r in rows["funnel_exclusions"]
    ] == [
        (1, 3, 4),
        (2, 1, 4),
    ]
    assert rows["funnel_breakdowns"][0]["property_scope"] == "device"


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"value": 50}, ("eq", 50)),
        ({"currency": "EUR"}, ("eq", "EUR")),
        ({"currency": {"not": "EUR"}}, ("not", "EUR")),
        ({"page_location": {"contains": "/shoes"}}, ("contains", "/shoes")),
        ({"page_location": {"regex": "^https://shop"}}, ("regex", "^https://shop")),
        ({"value": {"lt": 9.5}}, ("lt", 9.5)),
        ({"coupon": {"is_set": True}}, ("is_set", True)),
        ({"method": {"not_in": ["google", 3]}}, ("not_in", ("google", 3))),
    ],
)
def test_every_operator_parses(where, expected):
    (condition,) = parse_where(where)
    assert (condition.operator, condition.value) == expected


@pytest.mark.parametrize(
    ("step", "fragments"),
    [
        (
            "{event: view_item, where: {item.category: Shoes}}",
            ["step 2 'view_item'", "unknown item field", "item_category"],
        ),
        ("{event: view_item, where: {device.catgory: mobile}}", ["step 2", "device.category"]),
        (
            "{event: view_item, where: {items.item_category: Shoes}}",
            ["step 2", "unknown property path", "item.<field>"],
        ),
        ("{event: view_item, where: {value: {gte: fifty}}}", ["step 2", "gte compares numbers"]),
        (
            "{event: view_item, where: {value: {between: [1, 2]}}}",
            ["step 2", "unknown operator 'between'", "not_in"],
        ),
        ("{event: view_item, where: {value: [1, 2]}}", ["step 2", "write {in: [1, 2]}"]),
        ("{event: view_item, where: {coupon: null}}", ["step 2", "is_set: false"]),
        (
            "{event: view_item, where: {coupon: {is_set: yes please}}}",
            ["step 2", "is_set takes true or false"],
        ),
        ("{event: view_item, where: {page_location: {regex: '('}}}", ["step 2", "does not compile"]),
        ("{event: view_item, where: {page_location: {in: []}}}", ["step 2", "non-empty list"]),
        ("{event: view_item, where: {flag: true}}", ["step 2", "quote it"]),
        ("{event: view_item, wehre: {value: 1}}", ["step 2", "unknown key"]),
    ],
)
def test_a_bad_filter_names_the_file_the_funnel_the_step_and_the_fix(tmp_path, step, fragments):
    message = error_of(tmp_path, funnel_with(step))
    assert "conversions.yml" in message and "funnels[0] 'shoes'" in message
    for fragment in fragments:
        assert fragment in message, message


def test_a_filter_on_the_macro_step_is_rejected_with_the_reason(tmp_path):
    message = error_of(
        tmp_path, funnel_with("view_item").replace("purchase]", "{event: purchase, where: {value: 1}}]")
    )
    assert "step 3 'purchase'" in message and "carry no GA4 event properties" in message


@pytest.mark.parametrize("between", ["[0, 2]", "[2, 2]", "[3, 1]", "[1, 4]"])
def test_exclusion_bounds_outside_the_funnel_are_rejected(tmp_path, between):
    message = error_of(tmp_path, funnel_with("view_item", exclude=f"[{{event: refund, between: {between}}}]"))
    assert "funnels[0] 'shoes'" in message and "exclude 1 'refund'" in message and "within 1..3" in message


def test_an_any_order_funnel_takes_only_whole_funnel_exclusions(tmp_path):
    message = error_of(tmp_path, funnel_with("view_item", "any", "[{event: refund, between: [1, 2]}]"))
    assert "any-order funnel has no 'between' steps" in message
    assert load_catalog(
        write(tmp_path, funnel_with("view_item", "any", "[{event: refund, between: [1, 3]}]"))
    )


def test_a_step_and_an_exclusion_may_share_an_event_when_their_filters_differ(tmp_path):
    step = "{event: view_item, where: {item.item_category: Shoes}}"
    ok = funnel_with(step, exclude="[{event: view_item, where: {item.item_category: Bags}}]")
    assert load_catalog(write(tmp_path, ok))
    same = funnel_with(step, exclude=f"[{step}]")
    assert "both a step and excluded with the same filter" in error_of(tmp_path, same)


def test_a_misspelled_event_fails_validation_with_a_suggestion(tmp_path):
    message = error_of(tmp_path, funnel_with("view_itme"))
    assert "funnel 'shoes' step 2 'view_itme'" in message and "did you mean 'view_item'?" in message


def test_a_misspelled_exclusion_and_catalog_event_name_fail_too(tmp_path):
    assert "exclude 1 'refnud'" in error_of(tmp_path, funnel_with("view_item", exclude="[refnud]"))
    catalog = "micro_conversions:\n  - {name: cart, kind: action, event_name: add_to_crat}\n" + funnel_with(
        "cart"
    )
    assert "event_name 'add_to_crat'" in error_of(tmp_path, catalog) and "'add_to_cart'" in error_of(
        tmp_path, catalog
    )


def test_a_custom_event_close_to_a_known_name_is_accepted_once_declared(tmp_path):
    text = funnel_with("sign_ups")
    assert "did you mean 'sign_up'" in error_of(tmp_path, text)
    assert load_catalog(write(tmp_path, text + "custom_events: [sign_ups]\n"))


def test_custom_events_unlike_any_known_name_pass_and_are_listed_for_the_data_check(tmp_path):
    catalog = load_catalog(write(tmp_path, funnel_with("play_movie")))
    assert ("funnel 'shoes' step 2", "play_movie") in catalog.raw_event_references()
    assert ("funnel 'shoes' step 3", "purchase") not in catalog.raw_event_references()


def test_an_unknown_breakdown_path_is_rejected(tmp_path):
    message = error_of(tmp_path, funnel_with("view_item") + "    breakdown: [device.category, geo.planet]\n")
    assert "funnels[0] 'shoes' -> breakdown" in message and "geo.country" in message


def test_a_where_on_a_catalog_action_is_validated_like_a_step(tmp_path):
    text = (
        "micro_conversions:\n"
        "  - {name: cart, kind: action, event_name: add_to_cart, where: {value: {gt: x}}}\n"
    )
    message = error_of(tmp_path, text + funnel_with("cart"))
    assert "micro_conversions[0] 'cart' -> where" in message and "gt compares numbers" in message


def test_the_shipped_catalog_uses_a_step_filter_a_bounded_exclusion_and_a_breakdown():
    from microfunnel.settings import PROJECT_ROOT

    funnels = load_catalog(PROJECT_ROOT / "conversions.yml").funnels
    assert any(step.where for f in funnels for step in f.steps)
    assert any(x.between and x.between != (1, len(f.steps)) for f in funnels for x in f.exclude)
    assert any(f.breakdown for f in funnels)
