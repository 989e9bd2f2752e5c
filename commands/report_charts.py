"""The report's charts as plotly figures, each built from one published mart and nothing else.

Every builder takes a read-only connection to the serving snapshot and returns a `Section`: the
figures, a sentence on how to read them, and a note when the mart is missing or empty (a shop
without ads has no campaign chart, and says so). Rates and intervals come from dbt; here they
are only drawn and formatted, so the report never disagrees with BI.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import duckdb
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from commands import report_format as fmt
from commands.summary import ATTRIBUTION_MODELS, funnel_steps

MACRO_STEP = "purchase"
ANY_ORDER_SUFFIX = " of the steps, any order"  # fct_funnel_summary's step_label in any-order funnels
BLUE, GREY, RED, ORANGE = "#3b6fb6", "#c9ced6", "#d62728", "#e08a1e"
MODEL_COLORS = dict(
    zip(ATTRIBUTION_MODELS, ("#3b6fb6", "#e08a1e", "#2a9d8f", "#8e5ea2", "#c0504d"), strict=True)
)
SANKEY_MAX_LINKS = 40


@dataclass
class Section:
    title: str
    intro: str
    figures: list[go.Figure] = field(default_factory=list)
    note: str = ""  # said instead of (or below) the charts: why there is nothing, what was left out
    table: tuple[list[str], list[list[str]]] | None = None  # headers, formatted rows


def styled(figure: go.Figure, title: str, height: int = 380, subtitle: str = "", **layout) -> go.Figure:
    """The report's look: white template, a bold title with an optional grey line under it."""
    figure.update_layout(
        title={
            "text": f"<b>{title}</b>",
            "x": 0.01,
            "font": {"size": 15},
            "subtitle": {"text": subtitle, "font": {"size": 12, "color": "#555"}},
        },
        template="plotly_white",
        height=height,
        margin={"l": 60, "r": 20, "t": 80 if subtitle else 60, "b": 60},
        font={"family": "system-ui, -apple-system, Segoe UI, sans-serif", "size": 12},
        hoverlabel={"align": "left"},
        **layout,
    )
    return figure


def count_axis(largest: float, **axis) -> dict:
    """A persons axis: thousands separators, and whole-number ticks when the counts are small
    (plotly would put ticks at 0.5 and print them rounded: 0, 0, 1, 1, 2)."""
    return {"tickformat": ",d", **({"dtick": 1} if largest <= 8 else {}), **axis}


def published(connection: duckdb.DuckDBPyConnection) -> set[str]:
    rows = connection.execute("select table_name from information_schema.tables where table_schema = 'marts'")
    return {name for (name,) in rows.fetchall()}


def reporting_currency(connection: duckdb.DuckDBPyConnection, tables: set[str]) -> str:
    """The currency of every money column (the reporting currency), as the marts name it."""
    for table, column in (
        ("fct_campaign_performance_daily", "reporting_currency"),
        ("fct_orders", "currency"),
    ):
        if table in tables:
            row = connection.execute(f"select any_value({column}) from marts.{table}").fetchone()
            if row and row[0]:
                return row[0]
    return "EUR"


def missing(title: str, intro: str, mart: str, why: str) -> Section:
    return Section(title, intro, note=f"Nothing to show: {mart} is {why} in this snapshot.")


# --- funnels -------------------------------------------------------------------------------------


def funnel_section(connection: duckdb.DuckDBPyConnection, tables: set[str]) -> Section:
    title, intro = (
        "Funnels",
        "Persons reaching each step (blue) and dropping off before it (grey); a person counts once, "
        "on their best journey within the funnel's window.",
    )
    if "fct_funnel_summary" not in tables:
        return missing(title, intro, "marts.fct_funnel_summary", "not published")
    by_funnel: dict[str, list[tuple]] = defaultdict(list)
    for funnel, index, label, persons, previous_rate, first_rate in funnel_steps(connection):
        by_funnel[funnel].append((index, label, persons, previous_rate, first_rate))
    if not by_funnel:
        return missing(title, intro, "marts.fct_funnel_summary", "empty")
    return Section(title, intro, [funnel_figure(name, steps) for name, steps in by_funnel.items()])


def funnel_figure(funnel: str, steps: list[tuple]) -> go.Figure:
    """One funnel: reached and dropped-off persons stacked, so each bar is the previous step's height."""
    any_order = steps[0][1].endswith(ANY_ORDER_SUFFIX)
    labels = [
        f"any {index} of {len(steps)}" if any_order else f"{index}. {label}" for index, label, *_ in steps
    ]
    reached = [int(persons) for _, _, persons, _, _ in steps]
    dropped = [0] + [max(before - after, 0) for before, after in zip(reached, reached[1:], strict=False)]
    reached_text = [
        f"<b>{label}</b><br>{fmt.count(n)} persons<br>{fmt.percent(first)} of those who entered"
        + ("" if i == 0 else f"<br>{fmt.percent(prev)} of the previous step")
        for i, (label, n, (_, _, _, prev, first)) in enumerate(zip(labels, reached, steps, strict=True))
    ]
    dropped_text = [
        f"<b>{label}</b><br>{fmt.count(n)} dropped off before this step"
        + (
            ""
            if i == 0
            else f"<br>({fmt.percent(n / reached[i - 1] if reached[i - 1] else 0)} of the previous)"
        )
        for i, (label, n) in enumerate(zip(labels, dropped, strict=True))
    ]
    figure = go.Figure(
        [
            go.Bar(
                name="reached",
                x=labels,
                y=reached,
                marker_color=BLUE,
                text=[fmt.count(n) for n in reached],
                textposition="inside",
                insidetextanchor="end",
                hovertext=reached_text,
                hoverinfo="text",
            ),
            go.Bar(
                name="dropped off",
                x=labels,
                y=dropped,
                marker_color=GREY,
                hovertext=dropped_text,
                hoverinfo="text",
            ),
        ]
    )
    entered, last = reached[0], steps[-1]
    goal = f"all {len(steps)} steps (any order)" if any_order else last[1]
    return styled(
        figure,
        funnel,
        subtitle=f"{fmt.percent(last[4])} of {fmt.count(entered)} who entered reached {goal}",
        barmode="stack",
        uniformtext={"minsize": 10, "mode": "hide"},  # a count that does not fit its bar is in the hover
        xaxis={"type": "category"},
        yaxis=count_axis(max(reached), title="persons"),
        legend={"orientation": "h", "y": -0.25},
    )


# --- conversion trend ----------------------------------------------------------------------------


def trend_section(connection: duckdb.DuckDBPyConnection, tables: set[str]) -> Section:
    title, intro = (
        "Conversion by entry day",
        "Share of each day's entrants who reached the funnel's last step. Dotted: days whose "
        "conversion window is still open (more conversions may come). Red rings: days the anomaly "
        "check flagged (a step's conversion outside its trailing band).",
    )
    if "fct_funnel_trends" not in tables:
        return missing(title, intro, "marts.fct_funnel_trends", "not published")
    rows = connection.execute(
        "select funnel_name, date_day, persons_entered, persons_converted, conversion_rate "
        "from marts.fct_funnel_trends order by funnel_name, date_day"
    ).fetchall()
    if not rows:
        return missing(title, intro, "marts.fct_funnel_trends", "empty")
    flags, complete_until = anomaly_flags(connection, tables)
    return Section(title, intro, [trend_figure(rows, flags, complete_until)])


def anomaly_flags(connection: duckdb.DuckDBPyConnection, tables: set[str]) -> tuple[dict, dict]:
    """({(funnel, day): [why, ...]} for flagged days, {funnel: newest day whose window has elapsed})."""
    if "fct_funnel_conversion_anomalies" not in tables:
        return {}, {}
    flags: dict[tuple, list[str]] = defaultdict(list)
    for funnel, day, index, step, conversion, mean, sd, persons in connection.execute(
        "select funnel_name, date_day, step_index, step_name, conversion, band_mean, band_sd, "
        "persons_at_previous_step from marts.fct_funnel_conversion_anomalies where is_anomaly "
        "order by funnel_name, date_day, step_index"
    ).fetchall():
        flags[(funnel, day)].append(
            f"step {index} {step}: {fmt.percent(conversion)} of {fmt.count(persons)} converted, "
            f"usually {fmt.percent(mean)} ± {fmt.percent(sd)}"
        )
    complete_until = dict(
        connection.execute(
            "select funnel_name, max(date_day) from marts.fct_funnel_conversion_anomalies "
            "where is_newest_complete_day group by 1"
        ).fetchall()
    )
    return dict(flags), complete_until


def trend_figure(rows: list[tuple], flags: dict, complete_until: dict) -> go.Figure:
    """One small chart per funnel (rates differ tenfold between funnels, one axis would flatten
    most lines); open-window days dotted; flagged days ringed in red."""
    by_funnel: dict[str, list[tuple]] = defaultdict(list)
    for funnel, *rest in rows:
        by_funnel[funnel].append(tuple(rest))
    columns = 2 if len(by_funnel) > 1 else 1
    lines = math.ceil(len(by_funnel) / columns)
    figure = make_subplots(
        rows=lines,
        cols=columns,
        subplot_titles=list(by_funnel),
        shared_xaxes=True,
        vertical_spacing=0.32 / lines,
        horizontal_spacing=0.07,
    )
    palette, legend_shown = _palette(), False
    for position, (funnel, days) in enumerate(by_funnel.items()):
        cell = {"row": position // columns + 1, "col": position % columns + 1}
        color, last_complete = next(palette), complete_until.get(funnel)
        hover = [
            f"<b>{funnel}</b> · {day:%a %d %b %Y}<br>{fmt.percent(rate)} of {fmt.count(entered)} entrants "
            f"converted ({fmt.count(converted)})"
            + (
                "<br><i>window still open: more may convert</i>"
                if last_complete and day > last_complete
                else ""
            )
            for day, entered, converted, rate in days
        ]
        closed = [i for i, (day, *_) in enumerate(days) if not last_complete or day <= last_complete]
        open_ = [i for i in range(len(days)) if i not in closed]
        for part, dash in ((closed, "solid"), (_with_joint(closed, open_), "dot")):
            if part:
                figure.add_trace(
                    go.Scatter(
                        x=[days[i][0] for i in part],
                        y=[float(days[i][3]) for i in part],
                        mode="lines+markers",
                        name=funnel,
                        legendgroup=funnel,
                        showlegend=False,
                        line={"color": color, "dash": dash},
                        marker={"size": 4},
                        hovertext=[hover[i] for i in part],
                        hoverinfo="text",
                    ),
                    **cell,
                )
        flagged = [(day, rate, flags[(funnel, day)]) for day, _, _, rate in days if (funnel, day) in flags]
        if flagged:
            figure.add_trace(
                go.Scatter(
                    x=[day for day, _, _ in flagged],
                    y=[float(rate) for _, rate, _ in flagged],
                    mode="markers",
                    name="anomaly flagged",
                    legendgroup=funnel,
                    showlegend=not legend_shown,
                    marker={"size": 14, "color": "rgba(0,0,0,0)", "line": {"color": RED, "width": 2.5}},
                    hovertext=[
                        f"<b>{funnel}</b> · {day:%a %d %b %Y}: flagged<br>" + "<br>".join(why)
                        for day, _, why in flagged
                    ],
                    hoverinfo="text",
                ),
                **cell,
            )
            legend_shown = True
    figure.update_yaxes(tickformat=".0%", rangemode="tozero")
    figure.update_xaxes(tickformat="%d %b", showticklabels=True)
    figure.update_annotations(font={"size": 13})  # the funnels' names over their charts
    styled(
        figure,
        "Conversion rate by entry day",
        subtitle="persons who entered that day and reached the funnel's last step within its window",
        height=150 + 230 * lines,
        legend={
            "orientation": "h",
            "y": 1.0 + 40 / (230 * lines),
            "yanchor": "bottom",
            "x": 1,
            "xanchor": "right",
        },
    )
    return figure.update_layout(margin={"t": 120})  # room for the title, the legend and the first titles


def _with_joint(closed: list[int], open_: list[int]) -> list[int]:
    """The open-window part of a line, starting at the last closed day so the line does not break."""
    return ([closed[-1]] if closed and open_ else []) + open_


def _palette():
    while True:
        yield from ("#3b6fb6", "#e08a1e", "#2a9d8f", "#8e5ea2", "#c0504d", "#6b8e23", "#17becf", "#7f7f7f")


# --- time to convert -----------------------------------------------------------------------------


def time_to_convert_section(connection: duckdb.DuckDBPyConnection, tables: set[str]) -> Section:
    title, intro = (
        "Time to convert",
        "How long persons who finished a funnel took from its first to its last step (PostHog's bins).",
    )
    mart = "fct_funnel_time_to_convert_histogram"
    if mart not in tables:
        return missing(title, intro, f"marts.{mart}", "not published")
    rows = connection.execute(
        f"select funnel_name, bin_start_seconds, bin_end_seconds, persons from marts.{mart} "
        "order by funnel_name, bin_index"
    ).fetchall()
    by_funnel: dict[str, list[tuple]] = defaultdict(list)
    for funnel, start, end, persons in rows:
        by_funnel[funnel].append((start, end, persons))
    figures = [
        histogram_figure(funnel, bins) for funnel, bins in by_funnel.items() if any(b[2] for b in bins)
    ]
    if not figures:
        return missing(title, intro, f"marts.{mart}", "empty (no one finished a funnel)")
    return Section(title, intro, figures)


def histogram_figure(funnel: str, bins: list[tuple]) -> go.Figure:
    """Bars over contiguous bins, ticks at the bin edges in readable durations."""
    total = sum(persons for *_, persons in bins) or 1
    centers = [(start + end) / 2 for start, end, _ in bins]
    figure = go.Figure(
        go.Bar(
            x=centers,
            y=[int(persons) for *_, persons in bins],
            width=[end - start for start, end, _ in bins],
            marker={"color": BLUE, "line": {"color": "white", "width": 1}},
            hovertext=[
                f"{fmt.duration(start)} – {fmt.duration(end)}<br>{fmt.count(persons)} persons "
                f"({fmt.percent(persons / total)})"
                for start, end, persons in bins
            ],
            hoverinfo="text",
        )
    )
    edges = [bins[0][0], *[end for _, end, _ in bins]]
    ticks = edges[:: max(1, len(edges) // 6)]
    return styled(
        figure,
        funnel,
        subtitle=f"{fmt.count(total)} persons converted",
        height=320,
        bargap=0,
        xaxis={
            "title": "time from first to last step",
            "tickvals": ticks,
            "ticktext": [fmt.duration(t) for t in ticks],
        },
        yaxis=count_axis(max(persons for *_, persons in bins), title="persons"),
        showlegend=False,
    )
