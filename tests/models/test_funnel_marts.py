"""Hand-worked cases for the funnel marts that read fct_funnel_steps, the micro-conversions and the
person timeline: time to convert, its histogram, conversion paths and micro-conversion impact.

A small DuckDB file holds only their inputs, written by hand; dbt runs just these models (and the
per-person paths the marts count) on it.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.support.dbt import run_dbt

pytestmark = pytest.mark.slow

MODELS = [
    "fct_funnel_time_to_convert",
    "fct_funnel_time_to_convert_histogram",
    "int_person_conversion_paths",
    "fct_conversion_paths",
    "int_person_micro_conversions_done",
    "fct_micro_conversion_impact",
]
S = 1_000_000  # microseconds per second

# Funnel f (3 steps): seconds at which each person reached steps 1, 2, 3.
F_JOURNEYS = {
    "p1": [0, 10, 40],
    "p2": [0, 20, 100],
    "p3": [0, 0, 40],  # step 2 at the entry's second: a zero gap
    "p4": [0, 60],
    "p5": [0, 100],
}
G_JOURNEYS = {"p6": [0, 90]}  # funnel g (2 steps): one conversion, 90 s
# Funnel h (any order, steps x and y): p7 did x then y, p8 y then x; step 2 is "2 steps done".
H_JOURNEYS = {"p7": [("x", 0), ("y", 30)], "p8": [("y", 0), ("x", 50)]}


def funnel_step_rows() -> list[tuple]:
    rows = []
    for funnel, journeys in (("f", F_JOURNEYS), ("g", G_JOURNEYS)):
        for person, seconds in journeys.items():
            for index, second in enumerate(seconds, start=1):
                rows.append((funnel, person, index, f"step{index}", second * S, 0))
    for person, steps in H_JOURNEYS.items():
        for index, (name, second) in enumerate(steps, start=1):
            rows.append(("h", person, index, name, second * S, 0))
    return rows


def timeline() -> tuple[list[tuple], list[tuple]]:
    """Person events (person, event_id, µs, sequence, is_macro) and micro-conversions (person, name, event,
    the event's µs).

    Paths: a, e view_item > pricing_page then buy; b pricing_page > view_item then buy; c view_item,
    view_item again (one step: consecutive repeats collapse), pricing_page, and never buys; d buys
    with no micro-step; f lead_magnet, never buys. a's lead_magnet after buying is not on its path.

    Impact of `newsletter` (20 more persons): w1..w8 sign up, w1..w6 then buy; n1..n12 do not sign up
    before buying or at all, n1 and n2 buy (n1 signs up only after buying).
    """
    events, micro = [], []

    def add(person: str, second: int, name: str | None, is_macro: bool = False) -> None:
        event_id = f"{person}-{second}"
        events.append((person, event_id, second * S, second, is_macro))
        if name:
            micro.append((person, name, event_id, second * S))

    for person, steps in {
        "a": [(1, "view_item"), (2, "pricing_page"), (3, None), (4, "lead_magnet")],
        "b": [(1, "pricing_page"), (2, "view_item"), (5, None)],
        "c": [(1, "view_item"), (2, "view_item"), (3, "pricing_page")],
        "d": [(1, None)],
        "e": [(1, "view_item"), (2, "pricing_page"), (3, None)],
        "f": [(1, "lead_magnet")],
    }.items():
        buys = {"a": 3, "b": 5, "d": 1, "e": 3}.get(person)
        for second, name in steps:
            add(person, second, name, is_macro=second == buys)
    for n in range(1, 9):
        add(f"w{n}", 10, "newsletter")
        if n <= 6:
            add(f"w{n}", 20, None, is_macro=True)
    for n in range(1, 13):
        add(f"n{n}", 10, None, is_macro=n <= 2)
    add("n1", 30, "newsletter")  # after the purchase: not before it
    return events, micro


@pytest.fixture(scope="module")
def marts(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    root = tmp_path_factory.mktemp("funnel_marts")
    path = root / "warehouse.duckdb"
    events, micro = timeline()
    with duckdb.connect(str(path)) as con:
        for schema in ("staging", "intermediate", "marts"):
            con.execute(f"create schema {schema}")
        con.execute(
            "create table marts.fct_funnel_steps (funnel_name varchar, person_id varchar, step_index bigint, "
            "step_name varchar, reached_ts_us bigint, entered_ts_us bigint)"
        )
        con.executemany("insert into marts.fct_funnel_steps values (?, ?, ?, ?, ?, ?)", funnel_step_rows())
        con.execute(
            "create table staging.stg_config__funnels "
            "(funnel_name varchar, step_count bigint, order_mode varchar)"
        )
        con.execute(
            "insert into staging.stg_config__funnels values "
            "('f', 3, 'ordered'), ('g', 2, 'ordered'), ('h', 2, 'any')"
        )
        con.execute(
            "create table staging.stg_config__funnel_steps "
            "(funnel_name varchar, step_index bigint, step_name varchar)"
        )
        con.execute(
            "insert into staging.stg_config__funnel_steps values ('f', 1, 'step1'), ('f', 2, 'step2'), "
            "('f', 3, 'step3'), ('g', 1, 'step1'), ('g', 2, 'step2'), ('h', 1, 'x'), ('h', 2, 'y')"
        )
        con.execute(
            "create table intermediate.int_person_events "
            "(person_id varchar, event_id varchar, event_ts_us bigint, event_seq bigint, is_macro boolean)"
        )
        con.executemany("insert into intermediate.int_person_events values (?, ?, ?, ?, ?)", events)
        con.execute(
            "create table marts.fct_micro_conversions (person_id varchar, conversion_name varchar, "
            "event_id varchar, kind varchar, occurred_ts_us bigint)"
        )
        con.executemany("insert into marts.fct_micro_conversions values (?, ?, ?, 'action', ?)", micro)
        con.execute(
            "create view intermediate.int_conversions_stitched as select * from marts.fct_micro_conversions"
        )
        # every person as changed: the per-person models compute everyone
        con.execute(
            "create table intermediate.int_person_path_fingerprints as "
            "select distinct person_id, person_id as fingerprint from intermediate.int_person_events"
        )
    run_dbt("run", "--select", *MODELS, warehouse=path)
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def test_time_to_convert_gives_the_hand_worked_average_median_and_p90(marts):
    rows = marts.execute(
        "select step_index, persons_reached, avg_seconds_from_previous, median_seconds_from_previous, "
        "p90_seconds_from_previous, avg_seconds_from_entry, median_seconds_from_entry, "
        "p90_seconds_from_entry "
        "from marts.fct_funnel_time_to_convert where funnel_name = 'f' order by step_index"
    ).fetchall()
    # Step 2, gaps 10, 20, 0, 60, 100: from the previous step the zero gap is left out (PostHog), so
    # {10, 20, 60, 100}: mean 47.5, median 40, p90 at rank 0.9 * 3 = 2.7: 60 + 0.7 * 40 = 88.
    # From the entry all five: mean 38, median 20, p90 at rank 3.6: 60 + 0.6 * 40 = 84.
    # Step 3, gaps from step 2 of 30, 80, 40: mean 50, median 40, p90 at rank 1.8: 40 + 0.8 * 40 = 72;
    # from the entry 40, 100, 40: mean 60, median 40, p90 40 + 0.8 * 60 = 88.
    assert rows == [
        (2, 5, 47.5, 40.0, pytest.approx(88.0), 38.0, 20.0, pytest.approx(84.0)),
        (3, 3, 50.0, 40.0, pytest.approx(72.0), 60.0, 40.0, pytest.approx(88.0)),
    ]


def test_time_to_convert_names_steps_from_the_catalog_and_labels_any_order_steps_by_count(marts):
    rows = marts.execute(
        "select funnel_name, step_index, step_name, step_label, persons_reached, avg_seconds_from_previous "
        "from marts.fct_funnel_time_to_convert where funnel_name in ('f', 'h') order by all"
    ).fetchall()
    # h's step 2 was y for p7 and x for p8: one row, named by the catalog, read as "2 steps done"
    assert rows == [
        ("f", 2, "step2", "step2", 5, 47.5),
        ("f", 3, "step3", "step3", 3, 50.0),
        ("h", 2, "y", "2 of the steps, any order", 2, 40.0),
    ]


def test_the_histogram_bins_follow_posthogs_rule(marts):
    rows = marts.execute(
        "select funnel_name, bin_index, bin_start_seconds, bin_end_seconds, persons "
        "from marts.fct_funnel_time_to_convert_histogram where funnel_name in ('f', 'g') "
        "order by funnel_name, bin_index"
    ).fetchall()
    # f: conversions 40, 100, 40 s; ceil(cbrt(3)) = 2 bins of ceil((100 - 40) / 2) = 30 s from 40, plus one:
    # [40, 70) holds both 40s, [70, 100) none, [100, 130) the 100.
    # g: one conversion of 90 s; the width (90 - 90) / 1 is 0, so PostHog's 60 s: [90, 150), [150, 210).
    assert rows == [
        ("f", 0, 40, 70, 2),
        ("f", 1, 70, 100, 0),
        ("f", 2, 100, 130, 1),
        ("g", 0, 90, 150, 1),
        ("g", 1, 150, 210, 0),
    ]


def test_conversion_paths_count_first_occurrences_before_the_first_purchase(marts):
    rows = marts.execute(
        "select conversion_path, path_length, persons, persons_purchased, persons_dropped_off, "
        "conversion_rate, "
        "rank_before_purchase, rank_before_drop_off from marts.fct_conversion_paths order by conversion_path"
    ).fetchall()
    # (none): d, n1, n2 bought with no micro-step before (n1's newsletter came after). newsletter: w1..w8,
    # six bought. view_item > pricing_page: a and e bought, c did not (its repeated view_item is one
    # step). n3..n12 neither bought nor took a step: on no path. Ranks by purchasers (then by path),
    # and by persons who dropped off; none where the count is 0.
    assert rows == [
        ("(none)", 0, 3, 3, 0, 1.0, 2, None),
        ("lead_magnet", 1, 1, 0, 1, 0.0, None, 2),
        ("newsletter", 1, 8, 6, 2, 0.75, 1, 1),
        ("pricing_page > view_item", 2, 1, 1, 0, 1.0, 4, None),
        ("view_item > pricing_page", 2, 3, 2, 1, pytest.approx(2 / 3), 3, 3),
    ]


def test_micro_conversion_impact_uses_the_plus_one_prior_and_a_woolf_interval(marts):
    row = marts.execute(
        "select persons_with, purchasers_with, persons_without, purchasers_without, purchase_rate_with, "
        "purchase_rate_without, lift, odds_ratio, odds_ratio_ci_low, odds_ratio_ci_high, correlation_type, "
        "is_sample_too_small from marts.fct_micro_conversion_impact where conversion_name = 'newsletter'"
    ).fetchone()
    # The 2x2 over the 26 persons of the timeline. With newsletter before buying: w1..w8, 6 bought.
    persons_with, purchasers_with, persons_without, purchasers_without = row[:4]
    assert (persons_with, purchasers_with) == (8, 6)
    # Everyone else: a..f (4 buyers) and n1..n12 (2 buyers): 18 persons, 6 buyers, 12 who did not buy.
    assert (persons_without, purchasers_without) == (18, 6)
    # Raw odds ratio (6 * 12) / (2 * 6) = 6; PostHog's +1 prior on every cell: (7 * 13) / (3 * 7) = 4.3333.
    # Woolf: se = sqrt(1/7 + 1/3 + 1/7 + 1/13) = 0.834249; 4.3333 * exp(-/+ 1.96 * se) = 0.8447 .. 22.2305.
    assert row[4:7] == (0.75, pytest.approx(1 / 3), pytest.approx(2.25))
    assert round(row[7], 4) == 4.3333
    assert (round(row[8], 4), round(row[9], 4)) == (0.8447, 22.2305)
    assert row[10:] == ("success", False)
