from pathlib import Path

import pytest

from microfunnel.conversions import ConfigError, load_catalog, parse_window
from microfunnel.settings import PROJECT_ROOT


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "conversions.yml"
    path.write_text(text)
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_catalog(write(tmp_path, text))
    return str(caught.value)


def test_the_shipped_catalog_is_valid():
    catalog = load_catalog(PROJECT_ROOT / "conversions.yml")
    assert {f.name for f in catalog.funnels} >= {"purchase"}
    assert catalog.micro_conversion("pricing_page").kind == "destination"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("7 days", 604800),
        ("1 day", 86400),
        ("14 days", 1209600),
        ("30 minutes", 1800),
        ("1 second", 1),
        ("2 weeks", 1209600),
        ("3 Hours", 10800),
        ("  5   minutes ", 300),
    ],
)
def test_windows_accept_units_seconds_to_weeks_singular_or_plural(text, seconds):
    assert parse_window(text) == seconds


@pytest.mark.parametrize("text", ["7", "days", "7 dayz", "0 days", "-1 day", "1.5 days", "1 month"])
def test_unparsable_windows_are_rejected(text):
    with pytest.raises(ValueError, match="is not a duration"):
        parse_window(text)


def test_an_unknown_kind_names_the_file_the_entry_and_the_kinds(tmp_path):
    message = error_of(
        tmp_path,
        """
micro_conversions:
  - {name: signup, kind: actoin, event_name: sign_up}
funnels:
  - {name: f, steps: [signup, purchase]}
""",
    )
    assert "conversions.yml" in message and "micro_conversions[0] 'signup'" in message
    assert "use one of: action, destination, engagement" in message


def test_an_empty_funnel_says_it_needs_two_steps(tmp_path):
    message = error_of(tmp_path, "funnels:\n  - {name: empty, steps: []}\n")
    assert "funnels[0] 'empty' -> steps" in message and "at least 2 steps" in message


def test_an_unparsable_window_names_the_funnel_and_the_fix(tmp_path):
    message = error_of(tmp_path, "funnels:\n  - {name: f, steps: [a, b], window: 7 dayz}\n")
    assert "funnels[0] 'f' -> window" in message and "e.g. '7 days'" in message


def test_duplicate_names_are_rejected(tmp_path):
    message = error_of(
        tmp_path,
        """
micro_conversions:
  - {name: a, kind: action, event_name: x}
  - {name: a, kind: action, event_name: y}
funnels:
  - {name: f, steps: [a, purchase]}
""",
    )
    assert "'a' is used twice" in message


def test_a_misspelled_key_is_reported_not_ignored(tmp_path):
    message = error_of(tmp_path, "funnels:\n  - {name: f, steps: [a, b], wndow: 1 day}\n")
    assert "funnels[0] 'f' -> wndow: unknown key" in message


def test_an_engagement_entry_needs_exactly_one_threshold(tmp_path):
    message = error_of(
        tmp_path,
        """
micro_conversions:
  - {name: e, kind: engagement, min_engaged_seconds: 60, min_page_views: 3}
funnels:
  - {name: f, steps: [e, purchase]}
""",
    )
    assert "micro_conversions[0] 'e'" in message and "exactly one of" in message


@pytest.mark.parametrize("threshold", ["min_engaged_seconds: 0", "min_page_views: 0", "min_page_views: -2"])
def test_an_engagement_threshold_must_be_above_zero(tmp_path, threshold):
    """int_engagement_conversions_reached counts only the events that move a total (page views,
    engaged time): right only for thresholds above 0, which the config therefore refuses."""
    message = error_of(
        tmp_path,
        f"""
micro_conversions:
  - {{name: e, kind: engagement, {threshold}}}
funnels:
  - {{name: f, steps: [e, purchase]}}
""",
    )
    assert "micro_conversions[0] 'e'" in message and threshold.split(":")[0] in message, message
    assert "greater than 0" in message, message


def test_a_destination_needs_a_path_pattern_starting_with_a_slash(tmp_path):
    message = error_of(
        tmp_path,
        """
micro_conversions:
  - {name: p, kind: destination, page_path: pricing}
funnels:
  - {name: f, steps: [p, purchase]}
""",
    )
    assert "must start with '/'" in message


def test_the_macro_name_cannot_be_reused_for_a_micro_conversion(tmp_path):
    message = error_of(
        tmp_path,
        """
micro_conversions:
  - {name: purchase, kind: action, event_name: purchase}
funnels:
  - {name: f, steps: [view_item, purchase]}
""",
    )
    assert "macro-conversion" in message


def test_a_missing_file_and_broken_yaml_say_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="file not found; set CONVERSIONS_CONFIG"):
        load_catalog(tmp_path / "absent.yml")
    assert "not valid YAML" in error_of(tmp_path, "funnels: [\n")


def test_every_problem_is_reported_at_once(tmp_path):
    message = error_of(
        tmp_path,
        """
micro_conversions:
  - {name: a, kind: nope}
funnels:
  - {name: f, steps: [a], window: soon}
""",
    )
    assert len(message.splitlines()) == 3


FUNNEL = "funnels:\n  - {name: f, steps: [view_item, purchase]}\n"


def test_the_reporting_clock_and_currency_are_read_and_optional(tmp_path):
    catalog = load_catalog(write(tmp_path, FUNNEL + "reporting: {time_zone: Europe/Berlin, currency: EUR}\n"))
    assert (catalog.reporting.time_zone, catalog.reporting.currency) == ("Europe/Berlin", "EUR")
    unset = load_catalog(write(tmp_path, FUNNEL))
    assert (unset.reporting.time_zone, unset.reporting.currency) == (None, None)


def test_a_time_zone_that_is_not_iana_names_the_key_and_an_example(tmp_path):
    message = error_of(tmp_path, FUNNEL + "reporting: {time_zone: CEST}\n")
    assert "reporting -> time_zone" in message and "'CEST' is not an IANA time zone" in message
    assert "Europe/Berlin" in message


def test_a_currency_that_is_not_an_iso_code_is_rejected(tmp_path):
    message = error_of(tmp_path, FUNNEL + "reporting: {currency: euro}\n")
    assert "reporting -> currency" in message and "ISO 4217" in message
