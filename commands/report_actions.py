"""The report's sections on what to act on: experiments (did a variant move a conversion?) and
audiences (who to reach now). Read from `fct_experiment_results` and `dim_audiences` only."""

from __future__ import annotations

import duckdb
import plotly.graph_objects as go

from commands import report_format as fmt
from commands.report_charts import BLUE, GREY, Section, count_axis, missing, styled

EXPERIMENTS_TITLE = "Experiments"
EXPERIMENTS_INTRO = (
    "Each variant against the control: the difference in the share of exposed persons who converted "
    "after their first exposure (within the window), with its 95% interval, in percentage points. "
    "Filled: significant (p < 0.05) — every catalog conversion is tested, so about one in twenty is "
    "'significant' by chance: read the metric the test was designed for."
)
AUDIENCES_TITLE = "Audiences"
AUDIENCES_INTRO = (
    "Persons who meet each audience's rules as of the newest data (conversions.yml `audiences:`). "
    "`microfunnel audiences export` writes them to files and sends who entered or left to a webhook."
)


def experiment_section(connection: duckdb.DuckDBPyConnection, tables: set[str]) -> Section:
    if "fct_experiment_results" not in tables:
        return missing(EXPERIMENTS_TITLE, EXPERIMENTS_INTRO, "marts.fct_experiment_results", "not published")
    rows = connection.execute("""
        select experiment_id, variant, control_variant, conversion_name, persons_exposed, persons_converted,
               conversion_rate, difference, difference_ci_low, difference_ci_high, p_value, is_significant
        from marts.fct_experiment_results
        where not is_control
        order by experiment_id, variant, conversion_kind = 'macro', conversion_name
    """).fetchall()
    variants = connection.execute("""
        select experiment_id, variant, is_control, any_value(persons_exposed),
               any_value(persons_in_several_variants), any_value(expected_share), any_value(srm_p_value),
               bool_or(has_sample_ratio_mismatch)
        from marts.fct_experiment_results
        group by experiment_id, variant, is_control
        order by experiment_id, not is_control, variant
    """).fetchall()
    if not variants:
        return missing(
            EXPERIMENTS_TITLE,
            EXPERIMENTS_INTRO,
            "marts.fct_experiment_results",
            "empty (no event carries an experiment id and variant; conversions.yml `experiments:` names "
            "the event params)",
        )
    figures = [
        experiment_figure(experiment, [row for row in rows if row[0] == experiment])
        for experiment in dict.fromkeys(row[0] for row in rows)
    ]
    table = (
        [
            "experiment",
            "variant",
            "persons exposed",
            "also saw another variant",
            "planned share",
            "split check",
        ],
        [
            [
                experiment,
                f"{variant} (control)" if is_control and variant != "control" else variant,
                fmt.count(exposed),
                fmt.count(several),
                fmt.percent(share, 0),
                "mismatch" if mismatch else (f"ok (p = {p_value:.2g})" if p_value is not None else "–"),
            ]
            for experiment, variant, is_control, exposed, several, share, p_value, mismatch in variants
        ],
    )
    broken = sorted({row[0] for row in variants if row[7]})
    note = (
        f"Sample-ratio mismatch in {', '.join(broken)}: the persons per variant do not fit the planned "
        "split (p < 0.001), so assignment, tracking or bots are broken there; fix that before trusting "
        "its differences."
        if broken
        else ""
    )
    return Section(EXPERIMENTS_TITLE, EXPERIMENTS_INTRO, figures, note=note, table=table)


def experiment_figure(experiment: str, rows: list[tuple]) -> go.Figure:
    """One dot per conversion × variant at its difference from the control, whiskers to its 95% CI."""
    figure = go.Figure()
    for name, color, chosen in (
        ("significant (p < 0.05)", BLUE, [r for r in rows if r[11]]),
        ("not significant", GREY, [r for r in rows if not r[11]]),
    ):
        drawn = [r for r in chosen if r[7] is not None]
        if not drawn:
            continue
        figure.add_trace(
            go.Scatter(
                name=name,
                x=[100 * float(r[7]) for r in drawn],
                y=[f"{r[3]} · {r[1]}" for r in drawn],
                mode="markers",
                marker={"size": 11, "color": color},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [100 * float(r[9] - r[7]) if r[9] is not None else 0 for r in drawn],
                    "arrayminus": [100 * float(r[7] - r[8]) if r[8] is not None else 0 for r in drawn],
                    "color": color,
                    "thickness": 2,
                },
                hovertext=[_hover(r) for r in drawn],
                hoverinfo="text",
            )
        )
    figure.add_vline(x=0, line={"color": "#555", "dash": "dash", "width": 1})
    control = rows[0][2] if rows else "control"
    return styled(
        figure,
        f"{experiment}: each variant against {control}",
        subtitle="difference in conversion rate; right of the dashed line = the variant converts more",
        height=max(320, 30 * len(rows) + 160),
        xaxis={
            "title": "difference from the control (percentage points)",
            "ticksuffix": " pp",
            "zeroline": False,
        },
        yaxis={"automargin": True, "autorange": "reversed"},
        legend={"orientation": "h", "y": -0.2},
    )


def _hover(row: tuple) -> str:
    _, variant, control, conversion, exposed, converted, rate, diff, low, high, p_value, _ = row
    return "<br>".join(
        [
            f"<b>{conversion}</b>, {variant} vs {control}",
            f"{fmt.count(converted)} of {fmt.count(exposed)} converted ({fmt.percent(rate)})",
            f"difference {_points(diff)} (95% CI {_points(low)} to {_points(high)})"
            if low is not None
            else f"difference {_points(diff)}",
            f"p = {p_value:.2g}" if p_value is not None else "p: not computable",
        ]
    )


def _points(share) -> str:
    """A difference of two rates in percentage points: `+12.3 pp`."""
    return f"{100 * float(share):+.1f} pp"


def audience_section(connection: duckdb.DuckDBPyConnection, tables: set[str]) -> Section:
    if "dim_audiences" not in tables:
        return missing(AUDIENCES_TITLE, AUDIENCES_INTRO, "marts.dim_audiences", "not published")
    rows = connection.execute("""
        select audience_name, audience_description, lookback_seconds, members, as_of
        from marts.dim_audiences order by members desc, audience_name
    """).fetchall()
    if not rows:
        return missing(
            AUDIENCES_TITLE,
            AUDIENCES_INTRO,
            "marts.dim_audiences",
            "empty (conversions.yml defines no audiences)",
        )
    figure = go.Figure(
        go.Bar(
            x=[row[3] for row in rows],
            y=[row[0] for row in rows],
            orientation="h",
            marker={"color": BLUE},
            text=[fmt.count(row[3]) for row in rows],
            textposition="auto",
            hovertext=[f"<b>{row[0]}</b>: {fmt.count(row[3])} persons<br>{row[1] or ''}" for row in rows],
            hoverinfo="text",
        )
    )
    as_of = rows[0][4]
    styled(
        figure,
        "Persons in each audience",
        subtitle=f"as of {as_of:%d %b %Y %H:%M} UTC, the newest data" if as_of else "",
        height=max(260, 40 * len(rows) + 140),
        xaxis=count_axis(max(row[3] for row in rows), title="persons"),
        yaxis={"automargin": True, "autorange": "reversed"},
    )
    table = (
        ["audience", "rules", "lookback", "persons"],
        [
            [name, description or "", fmt.duration(lookback), fmt.count(members)]
            for name, description, lookback, members, _ in rows
        ],
    )
    return Section(AUDIENCES_TITLE, AUDIENCES_INTRO, [figure], table=table)
