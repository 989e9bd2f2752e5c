"""The HTML report on a tiny hand-made serving file: numbers formatted for people, each chart
carrying the hand-written marts' numbers, and a shop without ads getting a note, not a crash."""

from __future__ import annotations

import json
import re
from datetime import date

import duckdb
import pytest

from commands import report_format as fmt
from commands.report import report_sections, write_report

DAY1, DAY2, DAY3 = date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)


def _serving(path, ads: str = "none"):
    """A serving file by hand: funnel 'buy' (1,000 -> 250 -> 50), any-order 'browse', three entry
    days of which day 2 was flagged and day 3's window is still open, paths, impact and orders.
    `ads`: 'none' (no campaign mart), 'no_spend' (the mart, no spend) or 'spend'."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("""create table marts.fct_funnel_summary as select * from (values
            ('buy', 1, 'session_start', 'session_start', 1000, 1.0, 1.0),
            ('buy', 2, 'add_to_cart', 'add_to_cart', 250, 0.25, 0.25),
            ('buy', 3, 'purchase', 'purchase', 50, 0.2, 0.05),
            ('browse', 1, 'pricing_page', '1 of the steps, any order', 400, 1.0, 1.0),
            ('browse', 2, 'watched_video', '2 of the steps, any order', 100, 0.25, 0.25)
        ) as t(funnel_name, step_index, step_name, step_label, persons_reached,
               conversion_from_previous, conversion_from_first)""")
        con.execute("""create table marts.fct_funnel_trends as select * from (values
            ('buy', date '2026-10-01', 100, 10, 0.1),
            ('buy', date '2026-10-02', 200, 30, 0.15),
            ('buy', date '2026-10-03', 50, 1, 0.02)
        ) as t(funnel_name, date_day, persons_entered, persons_converted, conversion_rate)""")
        con.execute("""create table marts.fct_funnel_conversion_anomalies as select * from (values
            ('buy', 3, 'purchase', date '2026-10-01', 25, 10, 0.4, null, null, false, false),
            ('buy', 3, 'purchase', date '2026-10-02', 60, 30, 0.5, 0.2, 0.05, true, true)
        ) as t(funnel_name, step_index, step_name, date_day, persons_at_previous_step, persons_reached,
               conversion, band_mean, band_sd, is_anomaly, is_newest_complete_day)""")
        con.execute("""create table marts.fct_funnel_time_to_convert_histogram as select * from (values
            ('buy', 0, 0, 60, 5), ('buy', 1, 60, 3600, 20), ('buy', 2, 3600, 90000, 25),
            ('browse', 0, 10, 20, 0)
        ) as t(funnel_name, bin_index, bin_start_seconds, bin_end_seconds, persons)""")
        con.execute("""create table marts.fct_path_transitions as select * from (values
            ('purchase', 1, '/products', 'add_to_cart', 30),
            ('purchase', 2, 'add_to_cart', 'purchase', 30),
            ('purchase', 1, 'pricing_page', 'purchase', 20),
            ('drop_off', 1, '/blog', '(drop off)', 500)
        ) as t(outcome, step_number, from_node, to_node, persons)""")
        con.execute("""create table marts.fct_micro_conversion_impact as select * from (values
            ('purchase', 'pricing_page', 300, 700, 30, 20, 0.1, 0.02857, 3.5, 2.0, 6.1, false),
            ('purchase', 'add_to_cart', 250, 750, 50, 0, 0.2, 0.0, null, null, null, false),
            ('purchase', 'watched_video', 40, 960, 0, 50, 0.0, 0.052, 0.0, null, null, false),
            ('purchase', 'newsletter_signup', 10, 990, 2, 48, 0.2, 0.0485, 4.125, 1.1, 15.5, true)
        ) as t(macro_conversion, conversion_name, persons_with, persons_without, purchasers_with,
               purchasers_without, purchase_rate_with, purchase_rate_without, lift, lift_ci_low,
               lift_ci_high, is_sample_too_small)""")
        con.execute("""create table marts.fct_orders as select * from (values
            (1, 1234.5::decimal(19,4), 'EUR', false), (2, 10.0::decimal(19,4), 'EUR', false),
            (3, 0.0::decimal(19,4), 'EUR', true)
        ) as t(order_id, revenue, currency, is_cancelled)""")
        if ads != "none":
            spend = "1000.00" if ads == "spend" else "0.00"
            con.execute(f"""create table marts.fct_campaign_performance_daily as select * from (values
                (date '2026-10-01', 'google_ads', '7', 'Brand', {spend}::decimal(18,2), 'EUR',
                 3000.0, 2000.0, 2500.0, 2200.0, 2400.0),
                (date '2026-10-02', 'google_ads', '7', 'Brand', {spend}::decimal(18,2), 'EUR',
                 1000.0, 500.0, 500.0, 800.0, 600.0)
            ) as t(date_day, platform, campaign_id, campaign_name, spend, reporting_currency,
                   revenue_first_touch, revenue_last_non_direct, revenue_linear, revenue_time_decay,
                   revenue_position_based)""")
    return path


def _sections(path) -> dict:
    with duckdb.connect(str(path), read_only=True) as con:
        return {section.title: section for section in report_sections(con)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (fmt.money(1234.5, "EUR"), "€1,234.50"),
        (fmt.money(-12, "USD"), "-$12.00"),
        (fmt.money(1234.5, "CHF"), "1,234.50 CHF"),
        (fmt.money(None, "EUR"), "–"),
        (fmt.count(12345), "12,345"),
        (fmt.count(12.5), "12.5"),
        (fmt.percent(0.1234), "12.3%"),
        (fmt.ratio(2.5), "2.50×"),
        (fmt.ratio(1638.1), "1,638×"),
        (fmt.duration(45), "45 s"),
        (fmt.duration(600), "10 min"),
        (fmt.duration(5.5 * 3600), "5.5 h"),
        (fmt.duration(3 * 86400), "3 days"),
        (fmt.duration(12.25 * 86400), "12 days"),
    ],
)
def test_numbers_are_formatted_for_people(text, expected):
    assert text == expected


def test_each_funnel_is_a_step_chart_of_reached_and_dropped_off_persons(tmp_path):
    browse, buy = _sections(_serving(tmp_path / "s.duckdb"))["Funnels"].figures  # by name
    reached, dropped = buy.data
    assert list(reached.y) == [1000, 250, 50] and list(dropped.y) == [0, 750, 200]
    assert list(reached.x) == ["1. session_start", "2. add_to_cart", "3. purchase"]
    assert "1,000 persons" in reached.hovertext[0] and "25.0% of the previous step" in reached.hovertext[1]
    assert "200 dropped off" in dropped.hovertext[2] and "(80.0% of the previous)" in dropped.hovertext[2]
    assert buy.layout.title.subtitle.text == "5.0% of 1,000 who entered reached purchase"
    assert list(browse.data[0].x) == ["any 1 of 2", "any 2 of 2"]  # not "1. 1 of the steps, any order"


def test_the_trend_marks_flagged_days_and_dots_days_whose_window_is_open(tmp_path):
    (trend,) = _sections(_serving(tmp_path / "s.duckdb"))["Conversion by entry day"].figures
    closed, still_open, flagged = trend.data
    assert list(closed.x) == [DAY1, DAY2] and list(closed.y) == [0.1, 0.15] and closed.line.dash == "solid"
    assert list(still_open.x) == [DAY2, DAY3] and still_open.line.dash == "dot"  # joined at day 2
    assert "window still open" in still_open.hovertext[-1]
    assert list(flagged.x) == [DAY2] and list(flagged.y) == [0.15]
    assert "step 3 purchase: 50.0% of 60 converted, usually 20.0% ± 5.0%" in flagged.hovertext[0]
    assert trend.layout.yaxis.tickformat == ".0%"


def test_the_histogram_draws_each_bin_at_its_width_with_readable_durations(tmp_path):
    (buy,) = _sections(_serving(tmp_path / "s.duckdb"))["Time to convert"].figures  # browse: nobody
    (bars,) = buy.data
    assert list(bars.y) == [5, 20, 25] and list(bars.width) == [60, 3540, 86400]
    assert bars.hovertext[1] == "60 s – 60 min<br>20 persons (40.0%)"
    assert list(buy.layout.xaxis.ticktext) == ["0 s", "60 s", "60 min", "25 h"]


def test_the_sankey_carries_the_purchase_paths_and_ends_in_one_purchase_node(tmp_path):
    (sankey,) = _sections(_serving(tmp_path / "s.duckdb"))["Paths to purchase"].figures
    node, link = sankey.data[0].node, sankey.data[0].link
    edges = {
        (node.label[s], node.label[t], v)
        for s, t, v in zip(link.source, link.target, link.value, strict=True)
    }
    assert edges == {
        ("/products", "add_to_cart", 30),
        ("add_to_cart", "purchase", 30),
        ("pricing_page", "purchase", 20),
    }
    assert list(node.label).count("purchase") == 1  # the drop-off row is not a path to purchase


def test_lift_is_drawn_with_its_interval_and_funnel_steps_are_set_apart(tmp_path):
    section = _sections(_serving(tmp_path / "s.duckdb"))["Which micro-steps go with buying"]
    (figure,) = section.figures
    (signals,) = figure.data  # add_to_cart (a step of 'buy', ending in purchase) has no finite lift
    assert list(signals.y) == ["pricing_page", "newsletter_signup"] and list(signals.x) == [3.5, 4.125]
    assert [x + up for x, up in zip(signals.x, signals.error_x.array, strict=True)] == pytest.approx(
        [6.1, 15.5]
    )
    assert [x - down for x, down in zip(signals.x, signals.error_x.arrayminus, strict=True)] == pytest.approx(
        [2.0, 1.1]
    )
    assert signals.marker.color[1] == "white"  # too small a sample: hollow
    assert "lift 3.50× (95% CI 2.00× – 6.10×)" in signals.hovertext[0]
    assert "every buyer took add_to_cart" in section.note and "no one who took watched_video" in section.note


def test_a_step_of_a_funnel_ending_in_purchase_is_flagged_as_lift_by_design(tmp_path):
    path = _serving(tmp_path / "s.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute(
            "update marts.fct_micro_conversion_impact set lift = 9, lift_ci_low = 8, lift_ci_high = 10 "
            "where conversion_name = 'add_to_cart'"
        )
    (figure,) = _sections(path)["Which micro-steps go with buying"].figures
    by_design = next(trace for trace in figure.data if "by design" in trace.name)
    assert list(by_design.y) == ["add_to_cart"]
    assert "step of the funnel(s) buy, which end in purchase" in by_design.hovertext[0]


def test_a_purchase_funnel_step_most_buyers_skip_stays_a_signal(tmp_path):
    path = _serving(tmp_path / "s.duckdb")
    with duckdb.connect(str(path)) as con:  # add_to_cart on 'buy', but only 20 of 50 buyers took it first
        con.execute(
            "update marts.fct_micro_conversion_impact set lift = 9, lift_ci_low = 8, lift_ci_high = 10, "
            "purchasers_with = 20, purchasers_without = 30 where conversion_name = 'add_to_cart'"
        )
    (figure,) = _sections(path)["Which micro-steps go with buying"].figures
    assert [trace.name for trace in figure.data] == ["signal"]
    assert "add_to_cart" in figure.data[0].y


def test_a_shop_without_ads_gets_a_note_instead_of_a_campaign_chart(tmp_path):
    for ads, says in (("none", "needs an ad source"), ("no_spend", "No ad spend in this snapshot")):
        campaigns = _sections(_serving(tmp_path / f"{ads}.duckdb", ads))[
            "Campaign ROAS per attribution model"
        ]
        assert not campaigns.figures and says in campaigns.note


def test_campaign_roas_is_credited_revenue_over_spend_per_model(tmp_path):
    campaigns = _sections(_serving(tmp_path / "s.duckdb", "spend"))["Campaign ROAS per attribution model"]
    (figure,) = campaigns.figures
    assert [trace.name for trace in figure.data] == [
        "first touch",
        "last non direct",
        "linear",
        "time decay",
        "position based",
    ]
    assert [trace.y[0] for trace in figure.data] == [2.0, 1.25, 1.5, 1.5, 1.5]  # e.g. (2000 + 500) / 2000
    assert "revenue €2,500.00 on spend €2,000.00" in figure.data[1].hovertext[0]
    headers, rows = campaigns.table
    assert rows == [
        ["Brand", "Google Ads", "€2,000.00", "€2,500.00", "2.00×", "1.25×", "1.50×", "1.50×", "1.50×"]
    ]


def test_the_written_report_inlines_plotly_and_every_chart_and_loads_nothing(tmp_path):
    out = write_report(_serving(tmp_path / "s.duckdb"), tmp_path / "report.html")
    page = out.read_text()
    assert page.count("plotly.js v") == 1  # the library once, inlined
    assert not re.search(r"<script[^>]+src=[\"']?https?:", page)
    assert "€1,244.50" in page and ">2<" in page  # revenue and orders (the cancelled order left out)
    assert "needs an ad source" in page
    figures = [json.loads(m) for m in re.findall(r"Plotly\.newPlot\(\s*\"[^\"]+\",\s*(\[.*?\]),\s*\{", page)]
    assert len(figures) == 2 + 1 + 1 + 1 + 1  # two funnels, trend, one histogram, Sankey, lift
    assert figures[1][0]["y"] == [1000, 250, 50]  # funnel "buy", after "browse"


def test_a_missing_serving_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="run `microfunnel run`"):
        write_report(tmp_path / "nowhere.duckdb", tmp_path / "r.html")


def test_the_demo_ends_naming_the_report_and_the_serving_file_and_how_to_open_each():
    from pathlib import Path

    from commands.runner import where_to_look

    lines = where_to_look(Path("data/report.html"), Path("data/serving.duckdb")).strip().splitlines()
    assert lines[0] == "report:  data/report.html" and "open it in a browser" in lines[1]
    assert lines[2] == "serving: data/serving.duckdb" and "duckdb -readonly data/serving.duckdb" in lines[3]
    assert "Superset/Metabase" in lines[3]
