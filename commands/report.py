"""A static HTML report of the serving snapshot: funnels, micro-conversion impact, campaigns.

One self-contained file (no scripts, no network) that a marketer can open from disk; every
number in it is read from the published marts, so it never disagrees with BI.
"""

from __future__ import annotations

import html
from pathlib import Path

import duckdb

from commands.summary import funnel_steps, mart_rows

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2rem auto;max-width:960px;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd;
text-align:right}td:first-child,th:first-child{text-align:left}.bar{background:#4a7bd0;height:.8rem}
h2{margin-top:2rem}small{color:#666}
"""


def _table(headers: list[str], rows: list[tuple]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _number(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else html.escape(str(value))


def _funnels(connection: duckdb.DuckDBPyConnection) -> str:
    sections, rows = [], funnel_steps(connection)
    for funnel in sorted({r[0] for r in rows}):
        steps = [r for r in rows if r[0] == funnel]
        top = max(s[3] for s in steps) or 1
        sections.append(
            f"<h3>{html.escape(funnel)}</h3>"
            + _table(
                ["step", "persons", "", "from previous", "from first"],
                [
                    (
                        f"{index}. {html.escape(step)}",
                        f"{persons:,}",
                        f'<div class="bar" style="width:{200 * persons / top:.0f}px"></div>',
                        "" if index == 1 else f"{previous:.1%}",
                        f"{first:.1%}",
                    )
                    for _, index, step, persons, previous, first in steps
                ],
            )
        )
    return "<h2>Funnels</h2>" + "".join(sections)


def _query_table(connection, title: str, sql: str, note: str = "") -> str:
    cursor = connection.execute(sql)
    headers = [d[0] for d in cursor.description]
    rows = [tuple(_number(v) for v in row) for row in cursor.fetchall()]
    return (
        f"<h2>{html.escape(title)}</h2>"
        + (f"<small>{html.escape(note)}</small>" if note else "")
        + _table(headers, rows)
    )


def write_report(serving: Path, out: Path) -> Path:
    with duckdb.connect(str(serving), read_only=True) as connection:
        tables = mart_rows(connection)
        parts = [f"<h1>microfunnel report</h1><small>from {html.escape(str(serving))}</small>"]
        if "fct_funnel_summary" in tables:
            parts.append(_funnels(connection))
        if "fct_micro_conversion_impact" in tables:
            parts.append(
                _query_table(
                    connection,
                    "Which micro-steps matter",
                    """
                select conversion_name, persons_with, round(purchase_rate_with, 3) as rate_with,
                       round(purchase_rate_without, 3) as rate_without, round(lift, 2) as lift,
                       round(odds_ratio, 2) as odds_ratio,
                       round(odds_ratio_ci_low, 2) || ' – ' || round(odds_ratio_ci_high, 2) as ci_95,
                       is_sample_too_small as too_few
                from marts.fct_micro_conversion_impact order by odds_ratio desc""",
                    "purchase rate with vs without each micro-conversion (odds ratio, PostHog's +1 prior)",
                )
            )
        if "fct_campaign_performance_daily" in tables:
            parts.append(
                _query_table(
                    connection,
                    "Campaigns",
                    """
                select platform, campaign_name, sum(spend) as spend, sum(clicks) as clicks,
                       sum(sessions) as sessions, round(sum(orders), 1) as orders, sum(revenue) as revenue,
                       round(sum(revenue) / nullif(sum(spend), 0), 2) as roas
                from marts.fct_campaign_performance_daily group by 1, 2 order by spend desc""",
                    "orders and revenue credited by the last-non-direct model",
                )
            )
        parts.append(_table(["mart", "rows"], [(name, f"{count:,}") for name, count in tables.items()]))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        f"<!doctype html><meta charset=utf-8><title>microfunnel report</title><style>{STYLE}</style>"
        + "".join(parts)
    )
    return out
