"""The HTML report of the whole-graph build: every chart carries the published marts' numbers.

Reuses the package's one e2e build (tests/e2e/conftest.py). The figures are checked as plotly
objects (`report_sections`), and once as the written file: plotly.js inlined, nothing fetched.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

import duckdb
import pytest

from commands.report import report_sections, write_report
from commands.report_charts import SANKEY_MAX_LINKS
from commands.summary import ATTRIBUTION_MODELS
from microfunnel.conversions import load_catalog

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def serving(e2e_run):
    settings, _ = e2e_run
    return settings.serving_path


@pytest.fixture(scope="module")
def sections(serving):
    with duckdb.connect(str(serving), read_only=True) as con:
        return {section.title: section for section in report_sections(con)}


def rows(serving, sql: str) -> list[tuple]:
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute(sql).fetchall()


def by_title(figures) -> dict:
    """{funnel: figure} from figure titles ('<b>purchase</b>')."""
    return {re.sub(r"</?b>", "", figure.layout.title.text): figure for figure in figures}


def test_each_funnel_chart_shows_the_summary_mart_step_counts_and_drop_offs(serving, sections):
    expected = defaultdict(list)
    for funnel, persons in rows(
        serving, "select funnel_name, persons_reached from marts.fct_funnel_summary order by 1, step_index"
    ):
        expected[funnel].append(persons)
    figures = by_title(sections["Funnels"].figures)
    assert figures.keys() == expected.keys() and "purchase" in figures
    for funnel, persons in expected.items():
        reached, dropped = figures[funnel].data
        assert list(reached.y) == persons, funnel
        assert list(dropped.y) == [0] + [
            before - after for before, after in zip(persons, persons[1:], strict=False)
        ], funnel


def test_the_trend_plots_each_entry_days_rate_and_rings_the_days_the_anomaly_check_flagged(serving, sections):
    (trend,) = sections["Conversion by entry day"].figures
    plotted, ringed = defaultdict(dict), defaultdict(set)
    for trace in trend.data:
        if trace.name == "anomaly flagged":
            ringed[trace.legendgroup] |= set(trace.x)
        else:
            plotted[trace.name].update(zip(trace.x, trace.y, strict=True))
    expected = defaultdict(dict)
    for funnel, day, rate in rows(
        serving, "select funnel_name, date_day, conversion_rate from marts.fct_funnel_trends"
    ):
        expected[funnel][day] = pytest.approx(rate)
    assert plotted == expected
    flagged = defaultdict(set)
    for funnel, day in rows(
        serving, "select funnel_name, date_day from marts.fct_funnel_conversion_anomalies where is_anomaly"
    ):
        flagged[funnel].add(day)
    assert ringed == flagged


def test_the_time_to_convert_histograms_are_the_marts_bins(serving, sections):
    expected = defaultdict(list)
    for funnel, start, end, persons in rows(
        serving,
        "select funnel_name, bin_start_seconds, bin_end_seconds, persons "
        "from marts.fct_funnel_time_to_convert_histogram order by 1, bin_index",
    ):
        expected[funnel].append((end - start, persons))
    figures = by_title(sections["Time to convert"].figures)
    assert figures and figures.keys() == {f for f, bins in expected.items() if any(p for _, p in bins)}
    for funnel, figure in figures.items():
        (bars,) = figure.data
        assert list(zip(bars.width, bars.y, strict=True)) == expected[funnel], funnel


def test_the_sankey_links_are_the_busiest_purchase_path_transitions(serving, sections):
    section = sections["Paths to purchase"]
    (figure,) = section.figures
    sankey = figure.data[0]
    step_of = [None if c == "the macro-conversion" else int(c.split()[1]) for c in sankey.node.customdata]
    drawn = sorted(
        (step_of[s], sankey.node.label[s], sankey.node.label[t], v)
        for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value, strict=True)
    )
    transitions = rows(
        serving,
        "select step_number, from_node, to_node, persons from marts.fct_path_transitions "
        "where outcome = 'purchase' order by persons desc, step_number, from_node, to_node",
    )
    assert transitions and drawn == sorted(transitions[:SANKEY_MAX_LINKS])
    assert all(label != "(drop off)" for label in sankey.node.label)
    if len(transitions) > SANKEY_MAX_LINKS:
        assert f"{len(transitions) - SANKEY_MAX_LINKS} smaller ones" in section.note


def test_lift_dots_and_whiskers_are_the_marts_lift_and_its_katz_interval(e2e_run, serving, sections):
    impact = rows(
        serving,
        "select conversion_name, persons_with, purchasers_with, persons_without, purchasers_without, "
        "lift, lift_ci_low, lift_ci_high from marts.fct_micro_conversion_impact",
    )
    for name, n_with, s_with, n_without, s_without, lift, low, high in impact:
        if s_with and s_without:  # the interval, worked from the counts (Katz's log method)
            se = math.sqrt(1 / s_with - 1 / n_with + 1 / s_without - 1 / n_without)
            assert (low, high) == pytest.approx((lift * math.exp(-1.96 * se), lift * math.exp(1.96 * se))), (
                name
            )
        else:
            assert low is None and high is None, name
    (figure,) = sections["Which micro-steps go with buying"].figures
    drawn = {}
    for trace in figure.data:
        for name, x, up, down in zip(
            trace.y, trace.x, trace.error_x.array, trace.error_x.arrayminus, strict=True
        ):
            drawn[name] = (x, x - down, x + up, trace.name)
    expected = {row[0]: row for row in impact if row[5]}
    assert drawn.keys() == expected.keys()
    catalog = load_catalog(e2e_run[0].conversions_config)
    buyer_share = {row[0]: row[2] / (row[2] + row[4]) for row in impact if row[2] + row[4]}
    by_design = {  # a step of a funnel ending in purchase that 80%+ of buyers took first
        step
        for funnel in catalog.funnels
        if funnel.step_names[-1] == "purchase"
        for step in funnel.step_names[:-1]
        if buyer_share.get(step, 0) >= 0.8
    }
    for name, (x, low, high, group) in drawn.items():
        lift, ci_low, ci_high = expected[name][5:]
        assert x == pytest.approx(lift), name
        if ci_low is not None:
            assert (low, high) == pytest.approx((ci_low, ci_high)), name
        assert ("by design" in group) == (name in by_design), name
    assert {"add_to_cart", "begin_checkout"} & drawn.keys() <= by_design
    assert not {"newsletter_signup", "lead_magnet", "pricing_page"} & by_design, "nurture steps stay signals"


def test_campaign_roas_is_each_models_credited_revenue_over_spend(serving, sections):
    totals = defaultdict(lambda: defaultdict(float))
    revenue = ", ".join(f"revenue_{model}" for model in ATTRIBUTION_MODELS)
    for name, spend, *revenues in rows(
        serving, f"select campaign_name, spend, {revenue} from marts.fct_campaign_performance_daily"
    ):
        totals[name]["spend"] += float(spend or 0)
        for model, value in zip(ATTRIBUTION_MODELS, revenues, strict=True):
            totals[name][model] += float(value or 0)
    (figure,) = sections["Campaign ROAS per attribution model"].figures
    assert [trace.name for trace in figure.data] == [model.replace("_", " ") for model in ATTRIBUTION_MODELS]
    campaigns = [label.split("<br>")[0] for label in figure.data[0].x]
    assert sorted(campaigns) == sorted(name for name, t in totals.items() if t["spend"] > 0)
    for model, trace in zip(ATTRIBUTION_MODELS, figure.data, strict=True):
        for campaign, roas in zip(campaigns, trace.y, strict=True):
            assert roas == pytest.approx(totals[campaign][model] / totals[campaign]["spend"]), (
                model,
                campaign,
            )
            assert "€" in trace.hovertext[campaigns.index(campaign)]  # money in the reporting currency, EUR


def test_the_written_report_holds_every_chart_and_plotly_inline(serving, sections, tmp_path):
    page = write_report(serving, tmp_path / "report.html").read_text()
    assert page.count("plotly.js v") == 1
    assert not re.search(r"<script[^>]+src=[\"']?https?:", page)
    assert page.count("Plotly.newPlot(") == sum(len(section.figures) for section in sections.values())
    assert all(f"<h2>{title}</h2>" in page for title in sections)
