"""The report's marketing charts: paths to purchase (Sankey), which micro-steps go with buying
(lift with its 95% interval), and what each campaign returns under each attribution model."""

from __future__ import annotations

import math

import duckdb
import plotly.graph_objects as go

from commands import report_format as fmt
from commands.report_charts import (
    BLUE,
    GREY,
    MACRO_STEP,
    MODEL_COLORS,
    SANKEY_MAX_LINKS,
    Section,
    missing,
    styled,
)
from commands.summary import ATTRIBUTION_MODELS

PLATFORMS = {"google_ads": "Google Ads", "meta_ads": "Meta Ads"}
PAGE, STEP = "#a7adb7", "#6f95cf"  # Sankey nodes: page groups, micro-conversions

# --- paths to purchase ---------------------------------------------------------------------------


def paths_section(connection: duckdb.DuckDBPyConnection, tables: set[str]) -> Section:
    title, intro = (
        "Paths to purchase",
        "The last steps buyers took before their first purchase: micro-conversions and page groups, "
        "repeats collapsed (page groups start with /, in grey). Link width = persons.",
    )
    if "fct_path_transitions" not in tables:
        return missing(title, intro, "marts.fct_path_transitions", "not published")
    links = connection.execute(
        "select step_number, from_node, to_node, persons from marts.fct_path_transitions "
        "where outcome = 'purchase' order by persons desc, step_number, from_node, to_node"
    ).fetchall()
    if not links:
        return missing(title, intro, "marts.fct_path_transitions", "without purchases")
    shown, hidden = links[:SANKEY_MAX_LINKS], links[SANKEY_MAX_LINKS:]
    note = (
        f"Showing the {len(shown)} busiest transitions; {len(hidden)} smaller ones "
        f"({fmt.count(sum(row[3] for row in hidden))} person-steps) are left out for readability."
        if hidden
        else ""
    )
    return Section(title, intro, [sankey_figure(shown)], note=note)


def sankey_figure(links: list[tuple]) -> go.Figure:
    """Nodes are (step number, name) so the diagram reads left to right; all paths end in one 'purchase'."""
    nodes: dict[tuple, int] = {}

    def node(key: tuple) -> int:
        return nodes.setdefault(key, len(nodes))

    sources = [node((step, source)) for step, source, _, _ in links]
    targets = [node((None, MACRO_STEP) if to == MACRO_STEP else (step + 1, to)) for step, _, to, _ in links]
    labels = [name for _, name in nodes]
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": labels,
                "pad": 14,
                "thickness": 14,
                "color": [
                    BLUE if name == MACRO_STEP else PAGE if name.startswith("/") else STEP for name in labels
                ],
                "customdata": [f"step {step}" if step else "the macro-conversion" for step, _ in nodes],
                "hovertemplate": "<b>%{label}</b> (%{customdata})<br>%{value:,} persons<extra></extra>",
            },
            link={
                "source": sources,
                "target": targets,
                "value": [int(persons) for *_, persons in links],
                "color": "rgba(59,111,182,0.25)",
                "customdata": [f"{source} → {to}" for _, source, to, _ in links],
                "hovertemplate": "%{customdata}<br>%{value:,} persons<extra></extra>",
            },
        )
    )
    return styled(figure, "Paths to purchase (the last steps before buying)", height=560)


# --- micro-conversion impact ---------------------------------------------------------------------


def purchase_funnel_steps(connection: duckdb.DuckDBPyConnection, tables: set[str]) -> dict[str, list[str]]:
    """{step: [funnels]} for the steps of every catalog funnel that ends in the purchase."""
    if "fct_funnel_summary" not in tables:
        return {}
    rows = connection.execute(f"""
        with last_steps as (
            select funnel_name, max(step_index) as last_index from marts.fct_funnel_summary group by 1
        )
        select summary.step_name, list(distinct summary.funnel_name order by summary.funnel_name)
        from marts.fct_funnel_summary as summary
        inner join last_steps on last_steps.funnel_name = summary.funnel_name
        where summary.funnel_name in (
            select last_steps.funnel_name from last_steps inner join marts.fct_funnel_summary as s
                on s.funnel_name = last_steps.funnel_name and s.step_index = last_steps.last_index
            where s.step_name = '{MACRO_STEP}'
        ) and summary.step_name <> '{MACRO_STEP}'
        group by 1
    """).fetchall()
    return dict(rows)


def impact_section(connection: duckdb.DuckDBPyConnection, tables: set[str]) -> Section:
    title, intro = (
        "Which micro-steps go with buying",
        "Lift = purchase rate of persons who took the step ÷ purchase rate of those who did not, with its "
        "95% interval (log scale; 1× = no difference). Grey: steps of a funnel ending in purchase that most "
        "buyers (80%+) took first — the path every purchase takes, so their lift is expected rather than a "
        "finding. Hollow: too few persons to judge.",
    )
    if "fct_micro_conversion_impact" not in tables:
        return missing(title, intro, "marts.fct_micro_conversion_impact", "not published")
    every = connection.execute("""
        select conversion_name, persons_with, purchasers_with, purchase_rate_with, purchase_rate_without,
               lift, lift_ci_low, lift_ci_high, is_sample_too_small,
               purchasers_with / nullif(max(purchasers_with + purchasers_without) over (), 0)
        from marts.fct_micro_conversion_impact
        where macro_conversion = 'purchase'
        order by lift, conversion_name
    """).fetchall()
    rows = [row for row in every if row[5] is not None and row[5] > 0]
    if not rows:
        return missing(title, intro, "marts.fct_micro_conversion_impact", "empty (or no one bought)")
    return Section(
        title,
        intro,
        [impact_figure(rows, by_design_steps(connection, tables, every))],
        note=_off_chart(every),
    )


BY_DESIGN_BUYER_SHARE = 0.8  # a purchase-funnel step at least this share of buyers took before buying


def by_design_steps(
    connection: duckdb.DuckDBPyConnection, tables: set[str], impact: list[tuple]
) -> dict[str, list[str]]:
    """{step: [funnels]} for the steps whose lift on purchase is built in, not found: steps of a
    catalog funnel ending in the purchase that most buyers took first (view_item, add_to_cart,
    begin_checkout: the path every purchase takes). A nurture step on such a funnel
    (newsletter_signup before purchase) that most buyers skip stays a signal worth reading."""
    in_funnel = purchase_funnel_steps(connection, tables)
    share = {row[0]: row[9] for row in impact}
    return {
        step: funnels
        for step, funnels in in_funnel.items()
        if share.get(step) is not None and share[step] >= BY_DESIGN_BUYER_SHARE
    }


def _off_chart(rows: list[tuple]) -> str:
    """Steps a log scale cannot place: every buyer took them (lift unbounded) or no buyer did (0)."""
    every_buyer = [row[0] for row in rows if row[5] is None and row[2]]
    no_buyer = [row[0] for row in rows if row[5] is not None and row[5] == 0]
    parts = []
    if every_buyer:
        parts.append(f"every buyer took {', '.join(every_buyer)} (no buyer without it, so no finite lift)")
    if no_buyer:
        parts.append(f"no one who took {', '.join(no_buyer)} bought (lift 0)")
    return f"Not on the chart: {'; '.join(parts)}." if parts else ""


def impact_figure(rows: list[tuple], in_funnel: dict[str, list[str]]) -> go.Figure:
    """One dot per micro-conversion at its lift, whiskers to its interval; one trace per kind of row."""
    figure = go.Figure()
    groups = (
        ("signal", BLUE, lambda r: r[0] not in in_funnel),
        ("on the path most buyers take (lift by design)", GREY, lambda r: r[0] in in_funnel),
    )
    for name, color, belongs in groups:
        chosen = [r for r in rows if belongs(r)]
        if not chosen:
            continue
        figure.add_trace(
            go.Scatter(
                name=name,
                x=[float(r[5]) for r in chosen],
                y=[r[0] for r in chosen],
                mode="markers",
                marker={
                    "size": 11,
                    "color": ["white" if r[8] else color for r in chosen],
                    "line": {"color": color, "width": 2},
                },
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [float(r[7]) - float(r[5]) if r[7] is not None else 0 for r in chosen],
                    "arrayminus": [float(r[5]) - float(r[6]) if r[6] is not None else 0 for r in chosen],
                    "color": color,
                    "thickness": 2,
                },
                hovertext=[_impact_hover(r, in_funnel.get(r[0])) for r in chosen],
                hoverinfo="text",
            )
        )
    figure.add_vline(x=1, line={"color": "#555", "dash": "dash", "width": 1})
    low, high = lift_axis_range(rows, in_funnel)
    for row in rows:
        if float(row[5]) > high:  # a by-design step far off the signals' scale: named at the edge
            figure.add_annotation(
                x=math.log10(high),
                y=row[0],
                text=f"lift {fmt.ratio(row[5])} →",
                xanchor="right",
                showarrow=False,
                font={"color": "#777"},
            )
    return styled(
        figure,
        "Purchase lift per micro-conversion",
        subtitle="dot = lift, whiskers = 95% interval; right of the dashed line = buyers more likely",
        height=max(320, 42 * len(rows) + 160),
        xaxis={
            "type": "log",
            "range": [math.log10(low), math.log10(high)],
            "title": "lift on purchase rate (×, log scale)",
            "tickvals": lift_ticks(low, high),
            "ticktext": [f"{t:,g}×" for t in lift_ticks(low, high)],
        },
        yaxis={"automargin": True},
        legend={"orientation": "h", "y": -0.2},
    )


def lift_axis_range(rows: list[tuple], in_funnel: dict[str, list[str]]) -> tuple[float, float]:
    """The x range that shows every signal with its interval; by-design steps may lie beyond it
    (add_to_cart's lift runs to the thousands and would squash the signals against 1×)."""

    def bounds(row: tuple) -> list[float]:
        return [float(v) for v in (row[5], row[6], row[7]) if v is not None and float(v) > 0]

    every = [v for row in rows for v in bounds(row)]
    signals = [v for row in rows if row[0] not in in_funnel for v in bounds(row)] or every
    return max(min([*every, 0.8]) / 1.25, 0.01), max([*signals, 1.25]) * 1.6


def lift_ticks(low: float, high: float) -> list[float]:
    """1-2-5 steps (0.5×, 1×, 2×, 5×, 10×...) inside the range: a log axis labels only powers of ten
    with their unit, and leaves a reader to guess what the unlabelled gridlines mean."""
    candidates = [m * 10.0**e for e in range(-2, 5) for m in (1, 2, 5)]
    return [t for t in candidates if low <= t <= high]


def _impact_hover(row: tuple, funnels: list[str] | None) -> str:
    name, persons, buyers, rate_with, rate_without, lift, low, high, too_small, buyer_share = row
    lines = [
        f"<b>{name}</b>: lift {fmt.ratio(lift)} (95% CI {fmt.ratio(low)} – {fmt.ratio(high)})",
        f"bought: {fmt.percent(rate_with)} of {fmt.count(persons)} who did it, "
        f"{fmt.percent(rate_without)} of those who did not",
        f"{fmt.percent(buyer_share)} of all buyers did it first",
    ]
    if funnels:
        lines.append(f"step of the funnel(s) {', '.join(funnels)}, which end in purchase")
    if too_small:
        lines.append("<i>too few persons to judge</i>")
    return "<br>".join(lines)


# --- campaigns -----------------------------------------------------------------------------------


def campaign_rows(connection: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(campaign, platform, spend, (revenue, ROAS) per model...) per campaign with spend, by spend.

    ROAS is the period's credited revenue over the period's spend (both in the reporting
    currency), as in the demo summary's top campaigns."""
    revenue = ", ".join(f"sum(revenue_{model})" for model in ATTRIBUTION_MODELS)
    rows = connection.execute(f"""
        select coalesce(any_value(campaign_name), campaign_id), platform, sum(spend), {revenue}
        from marts.fct_campaign_performance_daily
        group by platform, campaign_id
        having sum(spend) > 0
        order by sum(spend) desc, 1
    """).fetchall()
    return [
        (name, PLATFORMS.get(platform, platform), float(spend), *[_returned(r, spend) for r in revenues])
        for name, platform, spend, *revenues in rows
    ]


def _returned(revenue, spend) -> tuple[float, float]:
    return float(revenue or 0), float(revenue or 0) / float(spend)


def campaign_section(connection: duckdb.DuckDBPyConnection, tables: set[str], currency: str) -> Section:
    title, intro = (
        "Campaign ROAS per attribution model",
        f"Revenue credited to each campaign ÷ its spend (both in {currency}), under each of the five "
        "attribution models: where the bars disagree, the campaign's credit depends on the model.",
    )
    if "fct_campaign_performance_daily" not in tables:
        return Section(
            title,
            intro,
            note="This snapshot has no campaign performance: it needs an ad source (Google Ads or Meta "
            "Ads) and Shopify, and at least one of them is off. No ROAS to show.",
        )
    rows = campaign_rows(connection)
    if not rows:
        return Section(
            title,
            intro,
            note="No ad spend in this snapshot (no Google Ads or Meta Ads source, or no spend in the "
            "period), so there is no campaign ROAS to show.",
        )
    default = ATTRIBUTION_MODELS.index("last_non_direct")
    headers = ["campaign", "platform", "spend", "revenue (last non-direct)"]
    headers += [f"ROAS {model.replace('_', ' ')}" for model in ATTRIBUTION_MODELS]
    table = [
        [name, platform, fmt.money(spend, currency), fmt.money(per_model[default][0], currency)]
        + [fmt.ratio(roas) for _, roas in per_model]
        for name, platform, spend, *per_model in rows
    ]
    return Section(title, intro, [roas_figure(rows, currency)], table=(headers, table))


def roas_figure(rows: list[tuple], currency: str) -> go.Figure:
    """One bar per campaign and model, grouped by campaign; the amounts behind each ratio in its hover."""
    labels = [f"{name}<br>{platform}" for name, platform, *_ in rows]
    figure = go.Figure()
    for position, model in enumerate(ATTRIBUTION_MODELS):
        model_label = model.replace("_", " ")
        hover = [
            f"<b>{name}</b> ({platform}) · {model_label}<br>ROAS {fmt.ratio(per_model[position][1])}<br>"
            f"revenue {fmt.money(per_model[position][0], currency)} on spend {fmt.money(spend, currency)}"
            for name, platform, spend, *per_model in rows
        ]
        figure.add_trace(
            go.Bar(
                name=model_label,
                x=labels,
                y=[row[3 + position][1] for row in rows],  # after campaign, platform, spend
                marker_color=MODEL_COLORS[model],
                hovertext=hover,
                hoverinfo="text",
            )
        )
    return styled(
        figure,
        "ROAS per campaign and attribution model",
        subtitle=f"revenue credited ÷ spend, both in {currency}; hover for the amounts",
        height=440,
        barmode="group",
        yaxis={"title": "ROAS", "ticksuffix": "×", "tickformat": ",~f"},
        xaxis={"type": "category", "automargin": True},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
    )
