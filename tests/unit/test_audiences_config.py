"""`audiences:` in conversions.yml: the shape, its shorthands, and errors naming file, audience and fix."""

from pathlib import Path

import pytest

from ingestion.sources.config import catalog_rows
from microfunnel.conversions import ConfigError, load_catalog
from microfunnel.settings import PROJECT_ROOT

HEAD = """
micro_conversions:
  - {name: add_to_cart,  kind: action,      event_name: add_to_cart}
  - {name: pricing_page, kind: destination, page_path: "/pricing*"}
  - {name: email_opened, kind: action,      event_name: email_opened}
funnels:
  - {name: f, steps: [add_to_cart, purchase]}
audiences:
"""


def catalog_of(tmp_path: Path, audiences: str):
    path = tmp_path / "conversions.yml"
    path.write_text(HEAD + audiences)
    return load_catalog(path)


def error_of(tmp_path: Path, audiences: str) -> str:
    with pytest.raises(ConfigError) as caught:
        catalog_of(tmp_path, audiences)
    return str(caught.value)


def test_the_shipped_catalog_defines_the_three_example_audiences_over_its_own_conversions():
    catalog = load_catalog(PROJECT_ROOT / "conversions.yml")
    audiences = {a.name: a for a in catalog.audiences}
    assert set(audiences) == {"cart_abandoners", "lead_magnet_no_pricing", "email_openers_no_order"}
    openers = audiences["email_openers_no_order"]
    assert openers.include[0].at_least == 2 and openers.within_seconds(openers.exclude[0]) is None


def test_bare_names_default_to_one_occurrence_within_the_lookback_and_ever_means_all_data(tmp_path):
    catalog = catalog_of(
        tmp_path,
        """
  - name: abandoners
    lookback: 3 days
    include: [add_to_cart, {conversion: email_opened, at_least: 2, within: 2 weeks}]
    exclude: [purchase, {conversion: pricing_page, within: Ever}]
""",
    )
    rules = catalog_rows(catalog)["audience_rules"]
    assert [(r["rule_type"], r["conversion_name"], r["at_least"], r["within_seconds"]) for r in rules] == [
        ("include", "add_to_cart", 1, 259200),
        ("include", "email_opened", 2, 1209600),
        ("exclude", "purchase", 1, 259200),
        ("exclude", "pricing_page", 1, None),
    ]
    assert catalog_rows(catalog)["audiences"] == [
        {"audience_name": "abandoners", "description": "", "lookback_seconds": 259200}
    ]


def test_a_misspelt_conversion_names_the_file_the_audience_and_the_likely_name(tmp_path):
    message = error_of(
        tmp_path, "  - {name: abandoners, lookback: 3 days, include: [add_to_crat], exclude: [purchase]}\n"
    )
    assert "conversions.yml" in message
    assert "audience 'abandoners' include 1 'add_to_crat'" in message
    assert "did you mean 'add_to_cart'?" in message


def test_a_raw_ga4_event_is_not_an_audience_conversion_until_it_is_in_the_catalog(tmp_path):
    message = error_of(tmp_path, "  - {name: viewers, lookback: 3 days, include: [view_item]}\n")
    assert "'view_item' is not a micro-conversion of the catalog" in message
    assert "needs a micro_conversions entry first" in message


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("{name: a, lookback: 3 dayz, include: [add_to_cart]}", "audiences[0] 'a' -> lookback"),
        (
            "{name: a, lookback: 3 days, include: [add_to_cart]}\n"
            "  - {name: a, lookback: 1 day, include: [purchase]}",
            "audience name 'a' is used twice",
        ),
        ("{name: a, lookback: 3 days}", "needs at least one include rule, e.g. include: [add_to_cart]"),
        (
            "{name: a, lookback: 3 days, include: [{conversion: add_to_cart, at_least: 0}]}",
            "greater than or equal to 1",
        ),
        (
            "{name: a, lookback: 3 days, include: [{conversion: add_to_cart, within: soon}]}",
            "within 'soon' is neither a duration nor 'ever'",
        ),
        (
            "{name: a, lookback: 3 days, include: [add_to_cart], "
            "exclude: [{conversion: purchase, at_least: 2}]}",
            "drop at_least (counts apply to include rules)",
        ),
        ("{name: a, lookback: 3 days, include: [{conversoin: add_to_cart}]}", "unknown key"),
        ("{name: 9lives, lookback: 3 days, include: [add_to_cart]}", "must start with a letter"),
    ],
)
def test_malformed_audiences_say_where_and_how_to_fix(tmp_path, entry, expected):
    message = error_of(tmp_path, f"  - {entry}\n")
    assert message.startswith(str(tmp_path / "conversions.yml")) and "audiences" in message
    assert expected in message, message
